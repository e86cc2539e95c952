"""Log retention: how long stoker keeps what a run leaves behind once it has ended (its
log directory, its Spark metrics samples, the EVENT batch payload files it consumed).

A job's ``log_retention_days`` is a number of days or ``never`` (the seed's "Never Expire");
a job that leaves it unset follows the daemon's ``logs.retention_days``, as do the runs of a
deleted job. The limit is the job's current one, so shortening it applies to old runs too.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Literal

from stoker.domain.limits import quote
from stoker.errors import InvalidInput

NEVER: Literal["never"] = "never"
#: A hundred years: past that, "never" says what is meant.
MAX_LOG_RETENTION_DAYS = 36500
#: Days, or NEVER.
LogRetention = int | Literal["never"]
ALLOWED = (
    f"a whole number of days from 1 to {MAX_LOG_RETENTION_DAYS} or 'never' (leave it unset "
    "for the daemon's logs.retention_days)"
)


def check_log_retention(value: Any, field_name: str = "log_retention_days") -> LogRetention:
    """``value`` when it is a retention; InvalidInput naming the field and what is allowed."""
    if isinstance(value, str) and value == NEVER:
        return NEVER
    if (
        isinstance(value, bool)
        or not isinstance(value, int)
        or not (1 <= value <= MAX_LOG_RETENTION_DAYS)
    ):
        raise InvalidInput(
            f"{field_name} must be {ALLOWED}, got {quote(value)}",
            field=field_name,
            value=value,
        )
    return value


def effective_retention(job_value: Any, default: LogRetention) -> LogRetention:
    """The limit a run follows: its job's, else (unset, a deleted job, a stored value that
    is not a retention) the daemon's ``default``."""
    try:
        return default if job_value is None else check_log_retention(job_value)
    except InvalidInput:
        return default


def cutoff(limit: LogRetention, now: datetime) -> datetime | None:
    """What ended at or before this time is past ``limit``; None: nothing ever is."""
    return None if limit == NEVER else now - timedelta(days=limit)

