"""Schedule expressions for scheduled triggers: parsing and computing fire times.

Three forms are accepted, keywords case-insensitive, surrounding blanks ignored:

* AWS ``cron(Minutes Hours Day-of-month Month Day-of-week Year)`` with ``, - * / ?``,
  ``L`` / ``L-n`` / ``nW`` / ``LW`` in day-of-month, ``L`` / ``nL`` / ``n#k`` in
  day-of-week (1 = SUN), and exactly one of the two day fields set to ``?``.
* a standard five-field crontab ``m h dom mon dow`` (0 and 7 = Sunday) with Vixie
  semantics (both day fields restricted → a day matches if either does), and the
  ``@hourly @daily @midnight @weekly @monthly @yearly @annually`` shorthands.
* ``rate(N unit)`` with unit minute(s), hour(s), day(s) or, as a stoker extension,
  second(s): fires every N units of absolute time at the multiples of the period
  since 1970-01-01T00:00Z, so fire times survive restarts and ignore time zones.

Cron forms run in the wall-clock time of the schedule's time zone (UTC by default),
and fire times are searched up to the end of 2199. Daylight-saving rules:

* **Gap** (spring forward): a wall time that does not exist fires once, at the first
  instant after the gap; 02:30 Europe/Paris on 2026-03-29 fires at 03:00 local
  (01:00Z). Several wall times inside one gap collapse into that single fire.
* **Overlap** (fall back): a wall time that happens twice fires once, at its first
  occurrence; 02:30 Europe/Paris on 2026-10-25 fires at 00:30Z only. The exception
  is a schedule whose hour field covers all 24 hours (``cron(0 * * * ? *)``,
  ``*/15 * * * *``): it describes a period rather than a time of day, so it keeps
  firing through both passes of the repeated hour, one fire per real hour, as
  Vixie cron does for jobs with a wildcard hour.
"""

from __future__ import annotations

import functools
import re
from datetime import UTC, datetime, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from apscheduler.triggers.base import BaseTrigger

from stoker.domain.triggers import check_timezone
from stoker.errors import InvalidInput
from stoker.triggers.cron.fields import MACROS, CronSpec, parse_aws_cron, parse_crontab
from stoker.triggers.cron.search import next_instant

__all__ = ["Schedule", "parse_schedule", "schedule_error", "validate_schedule"]

Kind = Literal["cron", "crontab", "rate"]
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
_UNITS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}
#: The longest period a rate may have: ten years of days (fire times stay far from
#: datetime's year 9999 for any schedule defined before the year 9980).
MAX_RATE_DAYS = 3650
MAX_RATE_SECONDS = MAX_RATE_DAYS * 86400
MAX_EXPRESSION = 256
_CRON = re.compile(r"cron\((.*)\)", re.IGNORECASE | re.DOTALL)
_RATE = re.compile(r"rate\((.*)\)", re.IGNORECASE | re.DOTALL)


class Schedule(BaseTrigger):  # type: ignore[misc]  # apscheduler ships no type hints
    """A parsed schedule; also an APScheduler 3 trigger.

    Build it with :func:`parse_schedule`. ``get_next_fire_time`` follows the APScheduler
    contract: the first fire strictly after ``previous_fire_time`` when given (so the
    scheduler can walk missed fires one by one), else strictly after ``now``; ``None``
    once the schedule will never fire again.
    """

    def __init__(
        self,
        expression: str,
        timezone: ZoneInfo,
        kind: Kind,
        cron: CronSpec | None = None,
        period: int = 0,
    ) -> None:
        self.expression = expression
        self.timezone = timezone
        self.kind: Kind = kind
        self._cron = cron
        self._period = period  # seconds, rate only

    def __repr__(self) -> str:
        return f"Schedule({self.expression!r}, timezone={self.timezone.key!r})"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Schedule):
            return NotImplemented
        return (self.expression, self.timezone.key) == (other.expression, other.timezone.key)

    def __hash__(self) -> int:
        return hash((self.expression, self.timezone.key))

    def __reduce__(self) -> tuple[Any, tuple[str, str]]:
        # Pickled (e.g. by an APScheduler job store) as its text: re-parsing is cheap
        # and keeps stored jobs independent of this class's internals.
        return parse_schedule, (self.expression, self.timezone.key)

    def get_next_fire_time(
        self, previous_fire_time: datetime | None, now: datetime
    ) -> datetime | None:
        after = previous_fire_time if previous_fire_time is not None else now
        fire = self._next_after(after)
        return None if fire is None else fire.astimezone(self.timezone)

    def next_fire_times(self, after: datetime, count: int) -> list[datetime]:
        """Up to ``count`` fire times strictly after ``after``, in UTC (fewer if it ends)."""
        fires: list[datetime] = []
        fire = self._next_after(after) if count > 0 else None
        while fire is not None:
            fires.append(fire)
            if len(fires) >= count:
                break
            fire = self._next_after(fire)
        return fires

    def fires_between(self, start: datetime, end: datetime, limit: int = 100_000) -> int:
        """How many fire times fall in (start, end], counting at most ``limit``."""
        _require_aware(start, end)
        if end <= start:
            return 0
        if self._period:
            return min(limit, _rate_index(end, self._period) - _rate_index(start, self._period))
        count = 0
        fire = self._next_after(start)
        while fire is not None and fire <= end and count < limit:
            count += 1
            fire = self._next_after(fire)
        return count

    def _next_after(self, after: datetime) -> datetime | None:
        _require_aware(after)
        if self._cron is None:
            return EPOCH + timedelta(seconds=(_rate_index(after, self._period) + 1) * self._period)
        return next_instant(self._cron, self.timezone, after)


def parse_schedule(expression: str, timezone: str = "UTC") -> Schedule:
    """Parse a schedule expression evaluated in ``timezone`` (an IANA name).

    Raises InvalidInput (field "schedule" or "timezone") naming what is wrong and
    what is allowed.
    """
    zone = _zone(timezone)
    if not isinstance(expression, str) or len(expression) > MAX_EXPRESSION:
        raise InvalidInput(
            f"schedule must be text of at most {MAX_EXPRESSION} characters, e.g. "
            "'rate(5 minutes)'",
            field="schedule",
        )
    text = expression.strip()
    if match := _CRON.fullmatch(text):
        return Schedule(text, zone, "cron", cron=parse_aws_cron(text, match.group(1)))
    if match := _RATE.fullmatch(text):
        return Schedule(text, zone, "rate", period=_rate_period(text, match.group(1)))
    fields = MACROS.get(text.upper(), text).split()
    if len(fields) != 5:
        raise _invalid(
            text, f"expected cron(...), rate(...) or a 5-field crontab; got {len(fields)} fields"
        )
    return Schedule(text, zone, "crontab", cron=parse_crontab(text, fields))


def validate_schedule(expression: str, timezone: str, now: datetime | None = None) -> Schedule:
    """Parse and compute the next fire times after ``now`` (default: the current time), so
    that a schedule that parses but cannot be computed is refused when it is defined, not
    when it is due."""
    schedule = parse_schedule(expression, timezone)
    now = now or datetime.now(UTC)
    try:
        schedule.next_fire_times(now, 2)
    except (OverflowError, ValueError) as exc:
        raise _invalid(expression, f"its next fire time cannot be computed ({exc})") from None
    return schedule


@functools.lru_cache(maxsize=4096)
def schedule_error(expression: str, timezone: str) -> str | None:
    """Why a stored schedule cannot be used any more, or None (cached: readers of every
    trigger list ask again for each trigger)."""
    try:
        validate_schedule(expression, timezone)
    except InvalidInput as exc:
        return exc.message
    return None


def _zone(name: str) -> ZoneInfo:
    return check_timezone(name)


def _rate_period(expression: str, body: str) -> int:
    """Seconds between fires of `rate(N unit)`; singular/plural accepted for any N."""
    parts = body.split()
    if len(parts) != 2:
        raise _invalid(expression, "rate(...) needs a value and a unit, e.g. rate(5 minutes)")
    value, unit = parts
    seconds = _UNITS.get(unit.lower().removesuffix("s"))
    if seconds is None:
        raise _invalid(
            expression,
            f"rate unit {unit!r} is not one of second(s), minute(s), hour(s), day(s)",
        )
    most = MAX_RATE_SECONDS // seconds
    if not (value.isascii() and value.isdigit()) or not 0 < int(value) <= most:
        raise _invalid(
            expression,
            f"rate value {value!r} must be a positive integer, at most {most} for "
            f"{unit.lower().removesuffix('s')}s ({MAX_RATE_DAYS} days)",
        )
    return int(value) * seconds


def _rate_index(moment: datetime, period: int) -> int:
    """How many whole periods have passed since the epoch at ``moment``."""
    return ((moment - EPOCH) // _MICROSECOND) // (period * 1_000_000)


def _require_aware(*moments: datetime) -> None:
    for moment in moments:
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise ValueError(f"expected an aware datetime, got naive {moment!r}")


def _invalid(expression: str, message: str) -> InvalidInput:
    return InvalidInput(f"schedule {expression!r}: {message}", field="schedule", value=expression)
