"""The audit log's entries: who changed what, when, from where, and how it ended."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

#: The outcome of a change that went through.
OK = "ok"
#: An entry's detail is small: longer strings are cut (the detail never holds secrets).
MAX_DETAIL_CHARS = 500
#: The columns' widths: a longer value (a name the request itself will refuse) is cut, so
#: that the entry of a refused request is still written.
MAX_NAME = 255
MAX_TARGET = 1024
MAX_CODE = 64


@dataclass(frozen=True)
class AuditEntry:
    """One change, or one refused attempt at one (``outcome`` is then the error code)."""

    at: datetime
    principal: str
    role: str
    address: str | None
    #: ``<kind>.<verb>``: job.create, run.start, bookmark.reset, key.rotate, ...
    action: str
    #: What was changed: a job, run, trigger, ... (``target_kind``) and its name or id.
    target_kind: str
    target: str | None
    outcome: str
    detail: dict[str, Any] = field(default_factory=dict)
    #: Given by the store; entries are listed newest (highest id) first.
    id: int | None = None


@dataclass(frozen=True)
class AuditFilter:
    """What ``GET /audit`` and ``stoker audit list`` narrow to; the fields combine."""

    since: datetime | None = None
    principal: str | None = None
    #: An action (``job.create``), or a kind (``job``) for all of its actions.
    action: str | None = None
    #: A target's name or id, exactly.
    target: str | None = None


def small_detail(detail: dict[str, Any]) -> dict[str, Any]:
    """``detail`` with every string cut to MAX_DETAIL_CHARS (values are never secrets)."""
    return {key: value[:MAX_DETAIL_CHARS] if isinstance(value, str) else value
            for key, value in detail.items()}  # fmt: skip
