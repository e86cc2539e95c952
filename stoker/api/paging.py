"""Opaque next_token values: what the last item of a page was, for the next request."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from stoker.errors import InvalidInput

#: A next_token names one row (a name of at most 255 characters, or a sequence number).
MAX_TOKEN = 2048


def encode_token(kind: str, last: str | int) -> str:
    raw = json.dumps({"k": kind, "v": last}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(token: str) -> dict[str, Any]:
    if len(token) > MAX_TOKEN:
        raise _bad(token)
    padded = token + "=" * (-len(token) % 4)
    try:
        data = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (binascii.Error, ValueError, RecursionError) as exc:
        raise _bad(token) from exc
    if not isinstance(data, dict):
        raise _bad(token)
    return data


def _bad(token: str) -> InvalidInput:
    return InvalidInput(
        "next_token is not one this API handed out; pass the next_token of the previous "
        "page unchanged, or omit it to start from the beginning",
        field="next_token",
        value=token,
    )


def decode_str_token(token: str | None, kind: str) -> str | None:
    if token is None:
        return None
    data = _decode(token)
    if data.get("k") != kind or not isinstance(data.get("v"), str):
        raise _bad(token)
    value: str = data["v"]
    return value


def decode_int_token(token: str | None, kind: str) -> int | None:
    if token is None:
        return None
    data = _decode(token)
    value = data.get("v")
    if data.get("k") != kind or isinstance(value, bool) or not isinstance(value, int):
        raise _bad(token)
    if not 0 <= value < 2**63:  # a database integer; larger ones would overflow SQL
        raise _bad(token)
    return value
