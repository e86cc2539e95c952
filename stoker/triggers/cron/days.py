"""Which days of a given month a cron day-of-month / day-of-week pair selects."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from functools import lru_cache

# Weekdays are numbered 0 = Sunday … 6 = Saturday inside this package; the parsers
# translate AWS (1 = SUN … 7 = SAT) and crontab (0/7 = SUN) numbering into this.
SATURDAY = 6
SUNDAY = 0
_LONGEST = (0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)  # by month, leap years counted


@dataclass(frozen=True, slots=True)
class DomSpec:
    """Day-of-month selection: plain days plus AWS `L`, `L-n`, `nW` and `LW` rules."""

    days: frozenset[int] = frozenset()
    last_minus: tuple[int, ...] = ()  # `L` is 0, `L-3` is 3
    nearest_weekday: tuple[int, ...] = ()  # `15W` is 15
    last_weekday: bool = False  # `LW`

    def select(self, ndays: int, first: int) -> set[int]:
        chosen = {d for d in self.days if d <= ndays}
        chosen.update(ndays - n for n in self.last_minus if ndays - n >= 1)
        chosen.update(_nearest_weekday(n, ndays, first) for n in self.nearest_weekday if n <= ndays)
        if self.last_weekday:
            chosen.add(_nearest_weekday(ndays, ndays, first))
        return chosen


@dataclass(frozen=True, slots=True)
class DowSpec:
    """Day-of-week selection: weekdays plus AWS `nL` (last n-day) and `n#k` (k-th n-day)."""

    weekdays: frozenset[int] = frozenset()
    last_of: tuple[int, ...] = ()  # `5L`: last Thursday, stored as weekday 4
    nth: tuple[tuple[int, int], ...] = ()  # `6#3`: (weekday 5, third)

    def select(self, ndays: int, first: int) -> set[int]:
        chosen = {d for d in range(1, ndays + 1) if (first + d - 1) % 7 in self.weekdays}
        last_dow = (first + ndays - 1) % 7
        chosen.update(ndays - (last_dow - w) % 7 for w in self.last_of)
        for weekday, k in self.nth:
            day = 1 + (weekday - first) % 7 + 7 * (k - 1)
            if day <= ndays:
                chosen.add(day)
        return chosen


@dataclass(frozen=True, slots=True)
class DayRule:
    """How the two day fields combine; None means the field does not restrict.

    ``either`` is crontab's Vixie rule: when both fields are restricted a day matches
    if either does. AWS never sets it because AWS forbids restricting both.
    """

    dom: DomSpec | None = None
    dow: DowSpec | None = None
    either: bool = False


def may_select(rule: DayRule, month: int) -> bool:
    """False when ``rule`` can never pick a day of ``month`` (day 30 of February).

    Conservative (True when unsure); it lets the parser drop impossible months so a
    schedule that never fires is known at once instead of after searching to 2199.
    """
    dom = rule.dom
    if dom is None or rule.either:
        return True  # every month has every weekday, and an OR keeps the weekdays
    longest = _LONGEST[month]
    return (
        dom.last_weekday
        or any(n < longest for n in dom.last_minus)
        or any(n <= longest for n in dom.nearest_weekday)
        or any(d <= longest for d in dom.days)
    )


def days_of_month(rule: DayRule, year: int, month: int) -> tuple[int, ...]:
    """The sorted days of ``year``-``month`` that ``rule`` selects."""
    return _days_of_month(rule, year, month)


# Shared across schedules: most rules are `*` or a handful of plain days, so 10,000
# schedules collapse onto few (rule, month) keys and a month is computed once.
@lru_cache(maxsize=8192)
def _days_of_month(rule: DayRule, year: int, month: int) -> tuple[int, ...]:
    first_weekday, ndays = calendar.monthrange(year, month)
    first = (first_weekday + 1) % 7  # calendar counts Monday = 0
    dom = rule.dom.select(ndays, first) if rule.dom is not None else None
    dow = rule.dow.select(ndays, first) if rule.dow is not None else None
    # None is "every day": the identity of AND and the absorbing element of OR.
    if rule.either and (dom is None or dow is None):
        return tuple(range(1, ndays + 1))
    if dom is None or dow is None:
        chosen = dom if dom is not None else dow
        return tuple(sorted(chosen)) if chosen is not None else tuple(range(1, ndays + 1))
    return tuple(sorted(dom | dow if rule.either else dom & dow))


def _nearest_weekday(day: int, ndays: int, first: int) -> int:
    """AWS/Quartz `W`: the weekday nearest ``day`` without leaving the month."""
    weekday = (first + day - 1) % 7
    if weekday == SATURDAY:
        return day + 2 if day == 1 else day - 1
    if weekday == SUNDAY:
        return day - 2 if day == ndays else day + 1
    return day
