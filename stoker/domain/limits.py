"""Size limits on text and maps a definition stores, and quoting a bad value safely."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

from stoker.errors import InvalidInput

#: The largest script the script store keeps (and /scripts/check parses), UTF-8 bytes.
MAX_SCRIPT_BYTES = 4 * 1024 * 1024
#: An error quotes at most this much of the value it refuses (a 100 kB name is not echoed).
QUOTE_CHARS = 80
#: Keys of spark_conf: Spark's own names ("spark.hadoop.fs.s3a.bucket.b-1.endpoint").
CONF_KEY = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-]{0,255}")
#: Characters no stored text may hold: they end C strings (argv, environment) or split
#: log lines and tables.
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")


def quote(value: Any) -> str:
    """``repr(value)`` cut to QUOTE_CHARS; never raises (huge integers have no repr)."""
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 200:
        return f"<an integer of about {int(value.bit_length() * 0.30103)} digits>"
    try:
        text = repr(value)
    except (ValueError, RecursionError):
        return f"<a {type(value).__name__}>"
    if len(text) > QUOTE_CHARS:
        return text[: QUOTE_CHARS - 1] + "…"
    return text


def check_text(value: Any, field: str, max_chars: int, *, multiline: bool = False) -> str:
    """A string of at most ``max_chars`` characters without control characters
    (newlines and tabs allowed when ``multiline``)."""
    if not isinstance(value, str):
        raise InvalidInput(f"{field} must be text, got {type(value).__name__}", field=field)
    if len(value) > max_chars:
        raise InvalidInput(
            f"{field} is {len(value)} characters; at most {max_chars} are allowed", field=field
        )
    bad = _CONTROL.search(value.replace("\n", "").replace("\t", "") if multiline else value)
    if bad is not None:
        raise InvalidInput(
            f"{field} holds the control character {bad.group()!r}; "
            + ("only newlines and tabs are allowed" if multiline else "use plain text"),
            field=field,
        )
    return value


def check_string_map(
    value: Any,
    field: str,
    *,
    max_entries: int,
    max_key: int,
    max_value: int,
    key_pattern: re.Pattern[str] | None = None,
) -> dict[str, str]:
    """A map of strings to strings within the given limits; the error names the key."""
    if not isinstance(value, Mapping) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise InvalidInput(f"{field} must be a map of strings to strings", field=field)
    if len(value) > max_entries:
        raise InvalidInput(
            f"{field} has {len(value)} entries; at most {max_entries} are allowed", field=field
        )
    for key, item in value.items():
        if not key or len(key) > max_key or (key_pattern and not key_pattern.fullmatch(key)):
            allowed = "letters, digits, '_', '.', '-'" if key_pattern else "text"
            raise InvalidInput(
                f"{field} key {quote(key)} is invalid: 1-{max_key} characters of {allowed}",
                field=field,
            )
        check_text(key, f"{field} key", max_key)
        check_text(item, f"{field}.{key}", max_value)
    return dict(value)


def check_finite(data: Any, where: str = "") -> None:
    """InvalidInput naming the first ``inf`` or ``nan`` inside ``data`` (a parsed TOML,
    YAML or JSON document): no stoker value is infinite, and JSON cannot carry them."""
    if isinstance(data, float) and not math.isfinite(data):
        raise InvalidInput(
            f"{where or 'value'} = {data}: numbers must be finite (inf and nan are not allowed)",
            field=where or None,
        )
    if isinstance(data, Mapping):
        for key, value in data.items():
            check_finite(value, f"{where}.{key}" if where else str(key))
    elif isinstance(data, list | tuple):
        for i, value in enumerate(data):
            check_finite(value, f"{where}[{i}]")


def script_bytes(script: object) -> bytes:
    """The script as the UTF-8 file the script store writes; InvalidInput (field "script")
    when it is not text, not encodable or larger than MAX_SCRIPT_BYTES."""
    if not isinstance(script, str):
        raise InvalidInput("script must be text (the script's content)", field="script")
    try:
        data = script.encode("utf-8")
    except UnicodeEncodeError as exc:  # a lone surrogate, which JSON can carry as an escape
        line = script.count("\n", 0, exc.start) + 1
        raise InvalidInput(
            f"script holds a character UTF-8 cannot encode (line {line})", field="script"
        ) from None
    if len(data) > MAX_SCRIPT_BYTES:
        raise InvalidInput(
            f"script is {len(data)} bytes; at most {MAX_SCRIPT_BYTES} are allowed",
            field="script",
        )
    return data
