"""Event patterns: the EventBridge subset an EVENT trigger matches against a JSON message.

A pattern is an object whose keys name message fields. A nested object descends into the
message; a list at a leaf holds the allowed values, each either a literal (string, number,
boolean, null) or one matcher object:

- ``{"prefix": "s3://raw/"}`` — a string starting with the prefix;
- ``{"anything-but": ["A", "B"]}`` (or a single value) — present and none of these;
- ``{"numeric": [">", 0, "<=", 5]}`` — a number inside the range (one or two comparisons);
- ``{"exists": true | false}`` — the field is (or is not) present.

Every key of the pattern must match (AND); any value of a leaf list may match (OR). Where
the message holds an array, the field matches when any element does, as in EventBridge.
The empty pattern matches every message. A pattern nests at most MAX_DEPTH objects and
takes at most MAX_BYTES as JSON; numbers are finite.
"""

from __future__ import annotations

import json
import math
import operator
from collections.abc import Callable, Mapping
from typing import Any, cast

from stoker.domain.limits import quote
from stoker.errors import InvalidInput

#: Objects nested inside a pattern, the pattern itself included (EventBridge's patterns
#: are a few levels deep; the bound keeps every reader's recursion and JSON depth small).
MAX_DEPTH = 10
#: A pattern's size as compact JSON.
MAX_BYTES = 16 * 1024
MAX_KEY = 256
MAX_NUMERIC = 5e9

_NUMERIC_OPS: dict[str, Callable[[float, float], bool]] = {
    "=": operator.eq,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}
_MATCHERS = ("prefix", "anything-but", "numeric", "exists")
_MISSING = object()


def matches(pattern: Mapping[str, Any], message: object) -> bool:
    """Whether ``message`` (decoded JSON) matches a pattern that passed validate_pattern."""
    if not pattern:
        return True
    if not isinstance(message, Mapping):
        return False
    return _match_object(pattern, message)


def _match_object(pattern: Mapping[str, Any], message: Mapping[str, Any]) -> bool:
    for key, rule in pattern.items():
        value = message.get(key, _MISSING)
        if isinstance(rule, Mapping):
            if not _match_nested(rule, value):
                return False
        elif not any(_match_leaf(allowed, value) for allowed in rule):
            return False
    return True


def _match_nested(rule: Mapping[str, Any], value: object) -> bool:
    if isinstance(value, Mapping):
        return _match_object(rule, value)
    if isinstance(value, list):
        return any(isinstance(v, Mapping) and _match_object(rule, v) for v in value)
    return False


def _match_leaf(allowed: object, value: object) -> bool:
    if isinstance(allowed, Mapping):
        ((kind, arg),) = allowed.items()
        if kind == "exists":
            return (value is not _MISSING) is bool(arg)
        if kind == "anything-but":
            # A missing field is not "anything but" (EventBridge needs the field present).
            excluded = arg if isinstance(arg, list) else [arg]
            values = value if isinstance(value, list) else [value]
            return value is not _MISSING and not any(
                _equal(x, v) for x in excluded for v in values
            )
    if value is _MISSING:
        return False
    if isinstance(value, list):
        return any(_match_scalar(allowed, v) for v in value)
    return _match_scalar(allowed, value)


def _match_scalar(allowed: object, value: object) -> bool:
    if not isinstance(allowed, Mapping):
        return _equal(allowed, value)
    ((kind, arg),) = allowed.items()
    if kind == "prefix":
        return isinstance(value, str) and value.startswith(arg)
    if kind == "numeric":
        if not _is_number(value):
            return False
        pairs = zip(arg[::2], arg[1::2], strict=True)
        # int and float compare exactly in Python; float() would overflow on a huge int.
        number = cast(float, value)
        return all(_NUMERIC_OPS[op](number, bound) for op, bound in pairs)
    return False


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _is_bound(value: object) -> bool:
    """A numeric matcher's bound: a number within EventBridge's range, ±5.0e9."""
    return _is_number(value) and -MAX_NUMERIC <= value <= MAX_NUMERIC  # type: ignore[operator]


def _equal(allowed: object, value: object) -> bool:
    # JSON has one number type (5 == 5.0) but true is not 1.
    if _is_number(allowed) and _is_number(value):
        return allowed == value
    return type(allowed) is type(value) and allowed == value


# -- validation ------------------------------------------------------------------------


def validate_pattern(pattern: object, where: str = "event.pattern") -> None:
    """Raise InvalidInput naming the offending path when ``pattern`` is malformed."""
    _check_object(pattern, where, 1)
    try:
        size = len(json.dumps(pattern, separators=(",", ":"), allow_nan=False).encode())
    except (TypeError, ValueError) as exc:
        raise InvalidInput(f"{where} is not plain JSON: {exc}", field=where) from None
    if size > MAX_BYTES:
        raise InvalidInput(
            f"{where} is {size} bytes as JSON; a pattern may take at most {MAX_BYTES}",
            field=where,
        )


def _check_object(pattern: object, where: str, depth: int) -> None:
    if not isinstance(pattern, Mapping):
        raise InvalidInput(f"{where} must be an object of field names", field=where)
    if depth > MAX_DEPTH:
        raise InvalidInput(
            f"{where} nests objects {depth} deep; a pattern may nest at most {MAX_DEPTH}",
            field=where,
        )
    for key, rule in pattern.items():
        if not isinstance(key, str) or not key or len(key) > MAX_KEY:
            raise InvalidInput(f"{where} has an empty, non-string or over-long field name "
                               f"(at most {MAX_KEY} characters)", field=where)  # fmt: skip
        path = f"{where}.{key}"
        if isinstance(rule, Mapping):
            if not rule:
                raise InvalidInput(f"{path} is an empty object; give fields or a list of "
                                   "values", field=path)  # fmt: skip
            _check_object(rule, path, depth + 1)
        elif isinstance(rule, list) and rule:
            for i, allowed in enumerate(rule):
                _check_leaf(allowed, f"{path}[{i}]")
        else:
            raise InvalidInput(f"{path} must be a non-empty list of allowed values "
                               '(e.g. ["FAILED"]) or a nested object', field=path,
                               value=rule)  # fmt: skip


def _check_leaf(allowed: object, path: str) -> None:
    if _is_scalar(allowed):
        return
    if not isinstance(allowed, Mapping) or len(allowed) != 1:
        raise InvalidInput(f"{path} must be a value or one matcher object "
                           f"({', '.join(_MATCHERS)})", field=path, value=allowed)  # fmt: skip
    ((kind, arg),) = allowed.items()
    checks: dict[str, Callable[[object, str], None]] = {
        "prefix": _check_prefix,
        "anything-but": _check_anything_but,
        "numeric": _check_numeric,
        "exists": _check_exists,
    }
    check = checks.get(kind)
    if check is None:
        raise InvalidInput(f"{path}: unknown matcher {quote(kind)}; known: {', '.join(_MATCHERS)}",
                           field=path, value=kind)  # fmt: skip
    check(arg, f"{path}.{kind}")


def _is_scalar(value: object) -> bool:
    if isinstance(value, float):
        return math.isfinite(value)
    return value is None or isinstance(value, str | int | bool)


def _check_prefix(arg: object, path: str) -> None:
    if not isinstance(arg, str):
        raise InvalidInput(f"{path} must be a string", field=path, value=arg)


def _check_exists(arg: object, path: str) -> None:
    if not isinstance(arg, bool):
        raise InvalidInput(f"{path} must be true or false", field=path, value=arg)


def _check_anything_but(arg: object, path: str) -> None:
    values = arg if isinstance(arg, list) else [arg]
    if not values or not all(_is_scalar(v) for v in values):
        raise InvalidInput(f"{path} must be a value or a non-empty list of values",
                           field=path, value=arg)  # fmt: skip


def _check_numeric(arg: object, path: str) -> None:
    shape_ok = isinstance(arg, list) and len(arg) in (2, 4)
    if shape_ok:
        assert isinstance(arg, list)
        ops, bounds = arg[::2], arg[1::2]
        shape_ok = all(isinstance(op, str) and op in _NUMERIC_OPS for op in ops) and all(
            _is_bound(b) for b in bounds
        )
    if not shape_ok:
        raise InvalidInput(f'{path} must be [op, number] or [op, number, op, number] with op '
                           f'one of {", ".join(_NUMERIC_OPS)} and numbers from -5e9 to 5e9, '
                           'e.g. [">", 0, "<=", 5]',
                           field=path, value=arg)  # fmt: skip
