"""Event patterns: what each EventBridge matcher accepts and rejects, and malformed patterns."""

from __future__ import annotations

from typing import Any

import pytest

from stoker.domain.patterns import matches, validate_pattern
from stoker.domain.triggers import Action, EventBatching, Trigger, TriggerType, validate_trigger
from stoker.errors import InvalidInput

FAILED = {"detail": {"state": ["FAILED", "TIMEOUT"]}}

MATCHES: list[tuple[str, dict[str, Any], object, bool]] = [
    ("empty pattern matches anything", {}, {"a": 1}, True),
    ("empty pattern matches a non-object", {}, [1, 2], True),
    ("non-object message", {"a": [1]}, [1], False),
    ("exact value", FAILED, {"detail": {"state": "FAILED"}}, True),
    ("exact value, second choice", FAILED, {"detail": {"state": "TIMEOUT"}}, True),
    ("exact value, other", FAILED, {"detail": {"state": "SUCCEEDED"}}, False),
    ("exact value, missing field", FAILED, {"detail": {}}, False),
    ("exact value, missing object", FAILED, {"source": "x"}, False),
    ("nested where message has scalar", FAILED, {"detail": "FAILED"}, False),
    ("every key must match", {"source": ["glue"], "detail": {"state": ["FAILED"]}},
     {"source": "glue", "detail": {"state": "SUCCEEDED"}}, False),
    ("every key matches", {"source": ["glue"], "detail": {"state": ["FAILED"]}},
     {"source": "glue", "detail": {"state": "FAILED"}}, True),
    ("extra message fields are ignored", {"a": ["x"]}, {"a": "x", "b": 2}, True),
    ("number equality across int/float", {"n": [5]}, {"n": 5.0}, True),
    ("true is not 1", {"n": [1]}, {"n": True}, False),
    ("boolean value", {"ok": [True]}, {"ok": True}, True),
    ("null value", {"v": [None]}, {"v": None}, True),
    ("null does not match missing", {"v": [None]}, {}, False),
    ("string is not number", {"n": [5]}, {"n": "5"}, False),
    ("array: any element", {"tags": ["b"]}, {"tags": ["a", "b"]}, True),
    ("array: no element", {"tags": ["c"]}, {"tags": ["a", "b"]}, False),
    ("array of objects", {"items": {"k": ["v"]}}, {"items": [{"k": "w"}, {"k": "v"}]}, True),
    ("array of objects, none", {"items": {"k": ["v"]}}, {"items": [{"k": "w"}, 3]}, False),
    ("prefix", {"p": [{"prefix": "s3://raw/"}]}, {"p": "s3://raw/2026/a.csv"}, True),
    ("prefix, no", {"p": [{"prefix": "s3://raw/"}]}, {"p": "s3://clean/a.csv"}, False),
    ("prefix on a number", {"p": [{"prefix": "1"}]}, {"p": 12}, False),
    ("prefix or exact", {"p": [{"prefix": "a"}, "zed"]}, {"p": "zed"}, True),
    ("anything-but list", {"s": [{"anything-but": ["A", "B"]}]}, {"s": "C"}, True),
    ("anything-but list, excluded", {"s": [{"anything-but": ["A", "B"]}]}, {"s": "B"}, False),
    ("anything-but single", {"s": [{"anything-but": "A"}]}, {"s": "A"}, False),
    ("anything-but single, other", {"s": [{"anything-but": "A"}]}, {"s": "Z"}, True),
    ("anything-but needs the field", {"s": [{"anything-but": "A"}]}, {}, False),
    ("anything-but number", {"n": [{"anything-but": [0]}]}, {"n": 0.0}, False),
    ("anything-but array containing excluded", {"s": [{"anything-but": "A"}]},
     {"s": ["A", "B"]}, False),
    ("numeric range inside", {"n": [{"numeric": [">", 0, "<=", 5]}]}, {"n": 5}, True),
    ("numeric range low edge", {"n": [{"numeric": [">", 0, "<=", 5]}]}, {"n": 0}, False),
    ("numeric range above", {"n": [{"numeric": [">", 0, "<=", 5]}]}, {"n": 5.01}, False),
    ("numeric equals", {"n": [{"numeric": ["=", 3]}]}, {"n": 3.0}, True),
    ("numeric >=", {"n": [{"numeric": [">=", 3]}]}, {"n": 3}, True),
    ("numeric <", {"n": [{"numeric": ["<", 3]}]}, {"n": 3}, False),
    ("numeric on a string", {"n": [{"numeric": [">", 0]}]}, {"n": "7"}, False),
    ("numeric on a boolean", {"n": [{"numeric": [">", 0]}]}, {"n": True}, False),
    ("numeric in an array", {"n": [{"numeric": [">", 10]}]}, {"n": [1, 20]}, True),
    ("exists true, present", {"e": [{"exists": True}]}, {"e": None}, True),
    ("exists true, absent", {"e": [{"exists": True}]}, {}, False),
    ("exists false, absent", {"e": [{"exists": False}]}, {"x": 1}, True),
    ("exists false, present", {"e": [{"exists": False}]}, {"e": "v"}, False),
    ("exists false, nested object absent", {"d": {"e": [{"exists": False}]}}, {"d": {}}, True),
]


@pytest.mark.parametrize(("pattern", "message", "expected"),
                         [m[1:] for m in MATCHES], ids=[m[0] for m in MATCHES])  # fmt: skip
def test_matches(pattern: dict[str, Any], message: object, expected: bool) -> None:
    validate_pattern(pattern)
    assert matches(pattern, message) is expected


INVALID: list[tuple[object, str]] = [
    (["a"], "event.pattern"),
    ({"detail": {"state": "FAILED"}}, "event.pattern.detail.state"),
    ({"detail": {"state": []}}, "event.pattern.detail.state"),
    ({"detail": {}}, "event.pattern.detail"),
    ({"s": [["nested", "list"]]}, "event.pattern.s[0]"),
    ({"s": ["ok", {"prefix": 3}]}, "event.pattern.s[1].prefix"),
    ({"s": [{"prefix": "a", "exists": True}]}, "event.pattern.s[0]"),
    ({"s": [{"suffix": "a"}]}, "event.pattern.s[0]"),
    ({"s": [{"anything-but": []}]}, "event.pattern.s[0].anything-but"),
    ({"s": [{"anything-but": [{"prefix": "a"}]}]}, "event.pattern.s[0].anything-but"),
    ({"n": [{"numeric": [">"]}]}, "event.pattern.n[0].numeric"),
    ({"n": [{"numeric": ["~", 1]}]}, "event.pattern.n[0].numeric"),
    ({"n": [{"numeric": [">", "1"]}]}, "event.pattern.n[0].numeric"),
    ({"n": [{"numeric": [">", True]}]}, "event.pattern.n[0].numeric"),
    ({"n": [{"numeric": [">", 0, "<"]}]}, "event.pattern.n[0].numeric"),
    ({"e": [{"exists": "yes"}]}, "event.pattern.e[0].exists"),
    ({"": ["x"]}, "event.pattern"),
]


@pytest.mark.parametrize(("pattern", "field"), INVALID, ids=[str(p) for p, _ in INVALID])
def test_invalid_patterns_name_the_path(pattern: object, field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        validate_pattern(pattern)
    assert caught.value.field == field


def test_trigger_validation_checks_the_pattern() -> None:
    trigger = Trigger(
        name="on-failure", type=TriggerType.EVENT, actions=(Action("report"),),
        event=EventBatching(topic="glue.events", pattern={"detail": {"state": "FAILED"}}),
    )  # fmt: skip
    with pytest.raises(InvalidInput) as caught:
        validate_trigger(trigger)
    assert caught.value.field == "event.pattern.detail.state"
