"""Finding a cron schedule's next fire instant: wall-clock search plus DST rules.

The search runs in wall-clock (naive local) time, field by field: year → month →
day → hour → minute, each step a bisect into a sorted tuple, carrying into the
field above when a field runs out (like an odometer). Only then is the wall time
mapped to an instant, applying the DST rules documented in
:mod:`stoker.triggers.cron.expressions`.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from stoker.triggers.cron.days import days_of_month
from stoker.triggers.cron.fields import CronSpec

MINUTE = timedelta(minutes=1)
_LOWEST = (0, 1, 1, 0, 0)  # year (unused), month, day, hour, minute
_UTC_KEYS = frozenset({"UTC", "Etc/UTC", "Etc/UCT", "UCT", "Etc/Universal", "Universal", "Zulu"})
# A fall-back overlap ends within this long of its start in every tz database zone.
_OVERLAP_REACH = timedelta(hours=3)


def _ceil(values: tuple[int, ...], at_least: int) -> int | None:
    i = bisect_left(values, at_least)
    return values[i] if i < len(values) else None


def next_wall(spec: CronSpec, start: datetime) -> datetime | None:
    """The first wall time at or after naive ``start`` (whole minutes) that ``spec`` selects."""
    if not spec.months:
        return None  # the parser dropped every month: the day fields can never match
    vals = [start.year, start.month, start.day, start.hour, start.minute]
    level = 0
    while level < 5:
        if level == 0:
            allowed = spec.years
        elif level == 1:
            allowed = spec.months
        elif level == 2:
            allowed = days_of_month(spec.days, vals[0], vals[1])
        else:
            allowed = spec.hours if level == 3 else spec.minutes
        found = _ceil(allowed, vals[level])
        if found is None:
            if level == 0:
                return None  # past the last allowed year (2199 at most): never again
            # Carry: this field ran out, so advance the one above and restart below it.
            vals[level - 1] += 1
            vals[level:] = _LOWEST[level:]
            level -= 1
            continue
        if found != vals[level]:
            vals[level] = found
            vals[level + 1 :] = _LOWEST[level + 1 :]
        level += 1
    year, month, day, hour, minute = vals
    return datetime(year, month, day, hour, minute)  # a wall time: the caller adds the zone


def wall_times(spec: CronSpec, start: datetime) -> Iterator[datetime]:
    """Every wall time ``spec`` selects from naive ``start`` on, in order."""
    wall = next_wall(spec, start)
    while wall is not None:
        yield wall
        wall = next_wall(spec, wall + MINUTE)


def next_instant(spec: CronSpec, zone: ZoneInfo, after: datetime) -> datetime | None:
    """The first fire instant strictly after aware ``after``, in UTC."""
    after = after.astimezone(UTC)
    if zone.key in _UTC_KEYS:
        wall = next_wall(spec, _floor_minute(after.replace(tzinfo=None)) + MINUTE)
        return None if wall is None else wall.replace(tzinfo=UTC)
    return _next_zoned(spec, zone, after)


def _next_zoned(spec: CronSpec, zone: ZoneInfo, after: datetime) -> datetime | None:
    start = after.astimezone(zone).replace(tzinfo=None)
    if spec.every_hour:
        # The second pass through a fall-back overlap repeats wall times that are
        # earlier than `after`'s; start from there so those fires are not missed.
        later = (after + _OVERLAP_REACH).astimezone(zone).utcoffset()
        now = after.astimezone(zone).utcoffset()
        if later is not None and now is not None and later < now:
            start -= now - later
    best: datetime | None = None
    for wall in wall_times(spec, _floor_minute(start)):
        first, second = _instants(wall, zone, repeat=spec.every_hour)
        if second is not None and second > after and (best is None or second < best):
            best = second
        if first > after:
            # First-occurrence instants only grow with the wall time, and any later
            # second occurrence comes after this one, so nothing later can beat it.
            return first if best is None or first < best else best
    return best


def _instants(wall: datetime, zone: ZoneInfo, *, repeat: bool) -> tuple[datetime, datetime | None]:
    """The instant(s) a wall time fires at: (first occurrence, repeat in an overlap or None)."""
    early = wall.replace(tzinfo=zone, fold=0).astimezone(UTC)
    late = wall.replace(tzinfo=zone, fold=1).astimezone(UTC)
    if early == late:
        return early, None
    if early < late:  # fall-back overlap: the wall time happens twice
        return early, late if repeat else None
    # Spring-forward gap: the wall time never happens; fire at the first instant after
    # the gap. fold=1 maps it before the transition, fold=0 after it.
    return _transition(zone, late, early), None


def _transition(zone: ZoneInfo, before: datetime, after: datetime) -> datetime:
    """The instant in (before, after] where the zone's UTC offset changes (to the second)."""
    offset = before.astimezone(zone).utcoffset()
    lo, hi = before, after
    while hi - lo > timedelta(seconds=1):
        mid = lo + (hi - lo) / 2
        mid = mid.replace(microsecond=0)
        if mid.astimezone(zone).utcoffset() == offset:
            lo = mid
        else:
            hi = mid
    return hi


def _floor_minute(moment: datetime) -> datetime:
    return moment.replace(second=0, microsecond=0)
