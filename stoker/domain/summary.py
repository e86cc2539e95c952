"""Runs counted by state over a time range, and per UTC day: the monitoring page's tiles."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from stoker.domain.states import TERMINAL_STATES, RunState
from stoker.errors import InvalidInput

#: The longest range a summary covers (a little over a year, one row per day and state).
MAX_SUMMARY_DAYS = 400


@dataclass(frozen=True)
class DayCount:
    """How many runs started on ``day`` (UTC) are now in ``state``."""

    day: date
    state: RunState
    count: int


@dataclass(frozen=True)
class RunSummary:
    since: datetime
    until: datetime
    by_state: dict[RunState, int]
    #: SUCCEEDED over terminal runs; None when none ended.
    success_rate: float | None
    #: Every UTC day the range touches, in order, each with a count for every state.
    per_day: list[tuple[date, dict[RunState, int]]]


def check_range(since: datetime, until: datetime) -> None:
    """InvalidInput unless since < until, at most MAX_SUMMARY_DAYS apart."""
    if until <= since:
        raise InvalidInput("until must be later than since", field="until")
    if until - since > timedelta(days=MAX_SUMMARY_DAYS):
        raise InvalidInput(
            f"a summary covers at most {MAX_SUMMARY_DAYS} days; narrow since..until",
            field="since",
        )


def summarize(counts: Iterable[DayCount], since: datetime, until: datetime) -> RunSummary:
    """The summary of grouped counts (one per day and state, from the store)."""
    first, last = since.date(), (until - timedelta(microseconds=1)).date()
    days = {first + timedelta(days=i): _zeros() for i in range((last - first).days + 1)}
    by_state = _zeros()
    for row in counts:
        day = days.get(row.day)
        if day is None:  # a count outside the range's days (the store's rounding)
            day = days[row.day] = _zeros()
        day[row.state] += row.count
        by_state[row.state] += row.count
    ended = sum(by_state[s] for s in TERMINAL_STATES)
    rate = by_state[RunState.SUCCEEDED] / ended if ended else None
    return RunSummary(since, until, by_state, rate, sorted(days.items()))


#: Iterating an Enum class is slow (a generator over its members): a summary of a year makes
#: hundreds of these dicts.
_STATES = tuple(RunState)


def _zeros() -> dict[RunState, int]:
    return dict.fromkeys(_STATES, 0)
