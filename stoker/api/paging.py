"""Opaque next_token values: what the last item of a page was, for the next request."""

from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime
from typing import Any

from stoker.domain.jobs import Job, JobCursor, JobSort
from stoker.domain.runs import JobActivity
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


def job_token(job: Job, activity: JobActivity, sort: JobSort, desc: bool) -> str:
    """The next_token after ``job`` in a jobs list in this order (its kind names the order,
    so a token is never read in another)."""
    if sort is JobSort.NAME and not desc:
        return encode_token("jobs", job.name)  # the token of the default order, unchanged
    value: str | int = job.name
    if sort is JobSort.LAST_MODIFIED:
        assert job.last_modified_on is not None  # a stored job has its times
        value = json.dumps([job.last_modified_on.isoformat(), job.name])
    elif sort is JobSort.LAST_RUN:
        value = json.dumps([activity.last.seq if activity.last else 0, job.name])
    return encode_token(_job_kind(sort, desc), value)


def job_cursor(token: str | None, sort: JobSort, desc: bool) -> JobCursor | None:
    """Where the page a job_token of this order ended (InvalidInput for any other token)."""
    if sort is JobSort.NAME and not desc:
        name = decode_str_token(token, "jobs")
        return None if name is None else JobCursor(name)
    raw = decode_str_token(token, _job_kind(sort, desc))
    if raw is None:
        return None
    if sort is JobSort.NAME:
        return JobCursor(raw)
    assert token is not None
    try:
        value, name = json.loads(raw)
        if sort is JobSort.LAST_MODIFIED:
            moment = datetime.fromisoformat(value)
            if moment.tzinfo is not None:
                return JobCursor(str(name), moment)
        if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 2**63:
            return JobCursor(str(name), value)
    except (ValueError, TypeError):
        pass
    raise _bad(token)


def _job_kind(sort: JobSort, desc: bool) -> str:
    return f"jobs:{sort.value}:{'desc' if desc else 'asc'}"


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
