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
The empty pattern matches every message.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from typing import Any

from stoker.errors import InvalidInput

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
        number = float(value)  # type: ignore[arg-type]
        return all(_NUMERIC_OPS[op](number, float(bound)) for op, bound in pairs)
    return False


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _equal(allowed: object, value: object) -> bool:
    # JSON has one number type (5 == 5.0) but true is not 1.
    if _is_number(allowed) and _is_number(value):
        return allowed == value
    return type(allowed) is type(value) and allowed == value


# -- validation ------------------------------------------------------------------------


def validate_pattern(pattern: object, where: str = "event.pattern") -> None:
    """Raise InvalidInput naming the offending path when ``pattern`` is malformed."""
    if not isinstance(pattern, Mapping):
        raise InvalidInput(f"{where} must be an object of field names", field=where, value=pattern)
    for key, rule in pattern.items():
        path = f"{where}.{key}"
        if not isinstance(key, str) or not key:
            raise InvalidInput(f"{where} has an empty or non-string field name", field=where)
        if isinstance(rule, Mapping):
            if not rule:
                raise InvalidInput(f"{path} is an empty object; give fields or a list of "
                                   "values", field=path)  # fmt: skip
            validate_pattern(rule, path)
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
        raise InvalidInput(f"{path}: unknown matcher {kind!r}; known: {', '.join(_MATCHERS)}",
                           field=path, value=kind)  # fmt: skip
    check(arg, f"{path}.{kind}")


def _is_scalar(value: object) -> bool:
    return value is None or isinstance(value, str | int | float | bool)


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
        shape_ok = all(op in _NUMERIC_OPS for op in ops) and all(_is_number(b) for b in bounds)
    if not shape_ok:
        raise InvalidInput(f'{path} must be [op, number] or [op, number, op, number] with op '
                           f'one of {", ".join(_NUMERIC_OPS)}, e.g. [">", 0, "<=", 5]',
                           field=path, value=arg)  # fmt: skip
