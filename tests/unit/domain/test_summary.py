"""Summaries of grouped run counts: every state and day present, the success rate."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from stoker.domain.states import RunState
from stoker.domain.summary import MAX_SUMMARY_DAYS, DayCount, check_range, summarize
from stoker.errors import InvalidInput

S = RunState
SINCE = datetime(2026, 11, 29, 12, tzinfo=UTC)
UNTIL = datetime(2026, 12, 2, tzinfo=UTC)


def test_every_day_and_state_is_present() -> None:
    summary = summarize(
        [DayCount(date(2026, 11, 30), S.SUCCEEDED, 3), DayCount(date(2026, 11, 30), S.FAILED, 1),
         DayCount(date(2026, 12, 1), S.RUNNING, 2)],
        SINCE, UNTIL,
    )  # fmt: skip
    assert [d for d, _ in summary.per_day] == [date(2026, 11, 29), date(2026, 11, 30),
                                               date(2026, 12, 1)]  # fmt: skip
    assert all(set(c) == set(RunState) for _, c in summary.per_day)
    assert summary.per_day[1][1][S.SUCCEEDED] == 3 and summary.per_day[0][1][S.FAILED] == 0
    assert summary.by_state[S.SUCCEEDED] == 3 and summary.by_state[S.WAITING] == 0
    assert summary.success_rate == 0.75  # RUNNING is not terminal


def test_no_ended_run_has_no_rate() -> None:
    assert summarize([DayCount(date(2026, 12, 1), S.RUNNING, 2)], SINCE, UNTIL).success_rate is None
    assert summarize([], SINCE, UNTIL).success_rate is None


def test_range_rules() -> None:
    check_range(SINCE, SINCE + timedelta(days=MAX_SUMMARY_DAYS))
    with pytest.raises(InvalidInput) as empty:
        check_range(SINCE, SINCE)
    assert empty.value.field == "until"
    with pytest.raises(InvalidInput) as long:
        check_range(SINCE, SINCE + timedelta(days=MAX_SUMMARY_DAYS, seconds=1))
    assert long.value.field == "since" and "400 days" in long.value.message
