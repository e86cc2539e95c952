"""Schedule expressions: AWS cron, crontab and rate fire times, DST rules and errors."""

from __future__ import annotations

import pickle
import random
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from apscheduler.job import Job
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.base import BaseTrigger

from stoker.errors import InvalidInput
from stoker.triggers.cron.expressions import Schedule, parse_schedule


def utc(text: str) -> datetime:
    """'2026-01-01T12:15' or with seconds, as an aware UTC datetime."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def fires(expression: str, start: str, count: int, timezone: str = "UTC") -> list[str]:
    found = parse_schedule(expression, timezone).next_fire_times(utc(start), count)
    assert all(f.tzinfo is UTC for f in found)
    return [f.strftime("%Y-%m-%dT%H:%M:%S") for f in found]


def at(*stamps: str) -> list[str]:
    return [s if len(s) > 16 else f"{s}:00" for s in stamps]


AWS_CASES = [
    # Glue's documented examples.
    ("cron(15 12 * * ? *)", "2026-01-01T00:00",
     at("2026-01-01T12:15", "2026-01-02T12:15", "2026-01-03T12:15")),
    ("cron(0/15 * * * ? *)", "2026-01-01T00:07",
     at("2026-01-01T00:15", "2026-01-01T00:30", "2026-01-01T00:45", "2026-01-01T01:00")),
    # Friday evening → Monday, Tuesday, Wednesday.
    ("cron(0 18 ? * MON-FRI *)", "2026-01-02T19:00",
     at("2026-01-05T18:00", "2026-01-06T18:00", "2026-01-07T18:00")),
    ("cron(0/5 8-17 ? * MON-FRI *)", "2026-01-02T17:50",
     at("2026-01-02T17:55", "2026-01-05T08:00", "2026-01-05T08:05")),
    # L: last day of month, leap years included.
    ("cron(0 10 L * ? *)", "2026-01-01T00:00",
     at("2026-01-31T10:00", "2026-02-28T10:00", "2026-03-31T10:00", "2026-04-30T10:00")),
    ("cron(0 10 L * ? *)", "2028-02-01T00:00", at("2028-02-29T10:00", "2028-03-31T10:00")),
    ("cron(0 0 L-2 * ? *)", "2026-01-01T00:00", at("2026-01-29T00:00", "2026-02-26T00:00")),
    # 15W: 2026-07-15 Wed; 2026-08-15 Sat → Fri 14th; 2026-09-15 Tue.
    ("cron(0 9 15W * ? *)", "2026-07-01T00:00",
     at("2026-07-15T09:00", "2026-08-14T09:00", "2026-09-15T09:00")),
    # 2026-02-15 and 2026-03-15 are Sundays → Monday 16th.
    ("cron(0 9 15W * ? *)", "2026-02-01T00:00",
     at("2026-02-16T09:00", "2026-03-16T09:00", "2026-04-15T09:00")),
    # 1W never leaves the month: 2026-08-01 Sat → Mon 3rd; 2026-02-01 Sun → Mon 2nd.
    ("cron(0 9 1W * ? *)", "2026-07-15T00:00",
     at("2026-08-03T09:00", "2026-09-01T09:00", "2026-10-01T09:00")),
    ("cron(0 9 1W * ? *)", "2026-01-15T00:00",
     at("2026-02-02T09:00", "2026-03-02T09:00", "2026-04-01T09:00")),
    # LW: Jan 31 Sat → 30th, Feb 28 Sat → 27th, May 31 Sun → 29th.
    ("cron(0 8 LW * ? *)", "2026-01-01T00:00",
     at("2026-01-30T08:00", "2026-02-27T08:00", "2026-03-31T08:00", "2026-04-30T08:00",
        "2026-05-29T08:00")),
    # 6#3: third Friday.
    ("cron(0 12 ? * 6#3 *)", "2026-01-01T00:00",
     at("2026-01-16T12:00", "2026-02-20T12:00", "2026-03-20T12:00", "2026-04-17T12:00")),
    ("cron(0 12 ? * fri#5 *)", "2026-01-01T00:00",
     at("2026-01-30T12:00", "2026-05-29T12:00", "2026-07-31T12:00")),
    # 5L: last Thursday.
    ("cron(0 12 ? * 5L *)", "2026-01-01T00:00",
     at("2026-01-29T12:00", "2026-02-26T12:00", "2026-03-26T12:00", "2026-04-30T12:00")),
    # L alone in day-of-week: Saturday.
    ("cron(0 6 ? * L *)", "2026-01-01T00:00",
     at("2026-01-03T06:00", "2026-01-10T06:00", "2026-01-17T06:00")),
    ("cron(0 0 31 * ? *)", "2026-01-01T00:00",
     at("2026-01-31T00:00", "2026-03-31T00:00", "2026-05-31T00:00", "2026-07-31T00:00",
        "2026-08-31T00:00", "2026-10-31T00:00")),
    ("cron(0 0 1 JAN,jul ? 2026-2030/2)", "2026-01-01T00:00",
     at("2026-07-01T00:00", "2028-01-01T00:00", "2028-07-01T00:00", "2030-01-01T00:00")),
    ("cron(5-50/15 3 1 * ? *)", "2026-01-01T00:00",
     at("2026-01-01T03:05", "2026-01-01T03:20", "2026-01-01T03:35", "2026-01-01T03:50",
        "2026-02-01T03:05")),
    ("  CRON( 0 12 ? * sun *)  ", "2026-01-01T00:00",
     at("2026-01-04T12:00", "2026-01-11T12:00")),
]  # fmt: skip


@pytest.mark.parametrize(("expression", "start", "expected"), AWS_CASES)
def test_aws_cron_fire_times(expression: str, start: str, expected: list[str]) -> None:
    assert fires(expression, start, len(expected)) == expected


@pytest.mark.parametrize(
    ("expression", "start", "expected"),
    [
        # A year-limited expression fires once, then never again.
        ("cron(0 0 1 1 ? 2027)", "2026-01-01T00:00", at("2027-01-01T00:00")),
        ("cron(0 0 1 1 ? 2027)", "2027-01-01T00:00", []),
        ("cron(0 0 31 12 ? *)", "2199-12-30T00:00", at("2199-12-31T00:00")),  # search ends
        ("cron(0 0 30 2 ? *)", "2026-01-01T00:00", []),  # Feb 30: never, without hanging
        ("0 0 31 4 *", "2026-01-01T00:00", []),
    ],
)
def test_schedules_that_end_return_fewer_fires(
    expression: str, start: str, expected: list[str]
) -> None:
    assert fires(expression, start, 5) == expected
    schedule = parse_schedule(expression)
    last = utc(expected[-1]) if expected else utc(start)
    assert schedule.get_next_fire_time(last, utc(start)) is None


CRONTAB_CASES = [
    ("*/15 * * * *", "2026-01-01T00:07",
     at("2026-01-01T00:15", "2026-01-01T00:30", "2026-01-01T00:45")),
    ("0 9 * * 1-5", "2026-01-02T10:00",
     at("2026-01-05T09:00", "2026-01-06T09:00", "2026-01-07T09:00")),
    # Both day fields restricted: the 1st, the 15th, and every Sunday (Vixie OR).
    ("0 0 1,15 * 0", "2026-01-01T00:00",
     at("2026-01-04T00:00", "2026-01-11T00:00", "2026-01-15T00:00", "2026-01-18T00:00",
        "2026-01-25T00:00", "2026-02-01T00:00")),
    # A day field starting with `*` does not count as restricted: AND (Mondays 1/11/21/31).
    ("0 0 */10 * 1", "2026-01-01T00:00",
     at("2026-05-11T00:00", "2026-06-01T00:00", "2026-08-31T00:00")),
    ("0 0 * * 7", "2026-01-01T00:00",
     at("2026-01-04T00:00", "2026-01-11T00:00", "2026-01-18T00:00")),
    ("0 0 * * sun", "2026-01-01T00:00",
     at("2026-01-04T00:00", "2026-01-11T00:00", "2026-01-18T00:00")),
    ("30 4 * FEB,mar MON-wed", "2026-01-01T00:00",
     at("2026-02-02T04:30", "2026-02-03T04:30", "2026-02-04T04:30")),
    ("@daily", "2026-01-01T00:00", at("2026-01-02T00:00", "2026-01-03T00:00", "2026-01-04T00:00")),
    ("@hourly", "2026-01-01T00:30", at("2026-01-01T01:00", "2026-01-01T02:00", "2026-01-01T03:00")),
    ("@weekly", "2026-01-01T00:00", at("2026-01-04T00:00", "2026-01-11T00:00", "2026-01-18T00:00")),
    ("@monthly", "2026-01-01T00:00",
     at("2026-02-01T00:00", "2026-03-01T00:00", "2026-04-01T00:00")),
    ("@YEARLY", "2026-01-01T00:00", at("2027-01-01T00:00", "2028-01-01T00:00", "2029-01-01T00:00")),
]  # fmt: skip


@pytest.mark.parametrize(("expression", "start", "expected"), CRONTAB_CASES)
def test_crontab_fire_times(expression: str, start: str, expected: list[str]) -> None:
    schedule = parse_schedule(expression)
    assert schedule.kind == "crontab"
    assert fires(expression, start, len(expected)) == expected


RATE_CASES = [
    ("rate(2 seconds)", "2026-01-01T00:00:00.500000",
     ["2026-01-01T00:00:02", "2026-01-01T00:00:04", "2026-01-01T00:00:06"]),
    ("rate(1 second)", "2026-01-01T00:00:00",
     ["2026-01-01T00:00:01", "2026-01-01T00:00:02", "2026-01-01T00:00:03"]),
    ("rate(5 minutes)", "2026-01-01T00:07:30",
     at("2026-01-01T00:10", "2026-01-01T00:15", "2026-01-01T00:20")),
    ("rate(1 hour)", "2026-01-01T00:59:59.999999",
     at("2026-01-01T01:00", "2026-01-01T02:00", "2026-01-01T03:00")),
    ("RATE(1 Day)", "2026-01-01T12:00", at("2026-01-02T00:00", "2026-01-03T00:00")),
    ("rate(3 days)", "2026-01-01T00:00", at("2026-01-04T00:00", "2026-01-07T00:00")),
    ("rate(1 minutes)", "2026-01-01T00:00", at("2026-01-01T00:01", "2026-01-01T00:02")),
    ("rate(7 minute)", "2026-01-01T00:05", at("2026-01-01T00:07", "2026-01-01T00:14")),
]  # fmt: skip


@pytest.mark.parametrize(("expression", "start", "expected"), RATE_CASES)
def test_rate_fire_times_are_epoch_multiples(
    expression: str, start: str, expected: list[str]
) -> None:
    schedule = parse_schedule(expression)
    assert schedule.kind == "rate"
    assert fires(expression, start, len(expected)) == expected
    period = (utc(expected[1]) - utc(expected[0])).total_seconds()
    for fire in expected:
        assert (utc(fire) - datetime(1970, 1, 1, tzinfo=UTC)).total_seconds() % period == 0


@pytest.mark.parametrize("timezone", ["UTC", "Europe/Paris", "America/New_York"])
def test_rate_ignores_time_zone_and_dst(timezone: str) -> None:
    # 2026-03-08 07:00Z is New York's spring-forward instant; rate keeps real hours.
    assert fires("rate(1 hour)", "2026-03-08T05:30", 3, timezone) == at(
        "2026-03-08T06:00", "2026-03-08T07:00", "2026-03-08T08:00"
    )
    assert fires("rate(30 minutes)", "2026-11-01T05:10", 4, timezone) == at(
        "2026-11-01T05:30", "2026-11-01T06:00", "2026-11-01T06:30", "2026-11-01T07:00"
    )


DST_CASES = [
    # Paris spring forward 2026-03-29 02:00 CET → 03:00 CEST: 02:30 does not exist
    # and fires once at 03:00 local (01:00Z).
    ("cron(30 2 * * ? *)", "Europe/Paris", "2026-03-27T12:00",
     at("2026-03-28T01:30", "2026-03-29T01:00", "2026-03-30T00:30")),
    # Every wall time inside the gap collapses into the one fire at the gap's end.
    ("cron(0/20 2 * * ? *)", "Europe/Paris", "2026-03-28T23:00",
     at("2026-03-29T01:00", "2026-03-30T00:00", "2026-03-30T00:20")),
    # Paris fall back 2026-10-25 03:00 CEST → 02:00 CET: 02:30 happens twice and fires
    # once, at the first (00:30Z).
    ("cron(30 2 * * ? *)", "Europe/Paris", "2026-10-24T12:00",
     at("2026-10-25T00:30", "2026-10-26T01:30", "2026-10-27T01:30")),
    # Starting inside the second pass (02:10 CET) does not fire 02:30 again.
    ("cron(30 2 * * ? *)", "Europe/Paris", "2026-10-25T01:10", at("2026-10-26T01:30")),
    ("cron(30 1 * * ? *)", "America/New_York", "2026-10-31T12:00",
     at("2026-11-01T05:30", "2026-11-02T06:30")),
    # New York hourly: one fire per real hour through both transitions.
    ("cron(0 * * * ? *)", "America/New_York", "2026-03-08T04:30",
     at("2026-03-08T05:00", "2026-03-08T06:00", "2026-03-08T07:00", "2026-03-08T08:00")),
    ("cron(0 * * * ? *)", "America/New_York", "2026-11-01T03:30",
     at("2026-11-01T04:00", "2026-11-01T05:00", "2026-11-01T06:00", "2026-11-01T07:00",
        "2026-11-01T08:00")),
    # ...and from inside the first pass of the repeated hour (01:50 EDT).
    ("0 * * * *", "America/New_York", "2026-11-01T05:50",
     at("2026-11-01T06:00", "2026-11-01T07:00")),
    ("cron(0 9 ? * MON *)", "Europe/Paris", "2026-03-20T00:00",
     at("2026-03-23T08:00", "2026-03-30T07:00")),
]  # fmt: skip


@pytest.mark.parametrize(("expression", "timezone", "start", "expected"), DST_CASES)
def test_dst_transitions(expression: str, timezone: str, start: str, expected: list[str]) -> None:
    assert fires(expression, start, len(expected), timezone) == expected


@pytest.mark.parametrize(
    ("start", "end", "local_hours"),
    [
        ("2026-03-08T00:00", "2026-03-09T00:00", [*range(20, 24), 0, 1, *range(3, 21)]),
        ("2026-11-01T00:00", "2026-11-02T00:00", [*range(21, 24), 0, 1, 1, *range(2, 20)]),
    ],
)
def test_new_york_hourly_fires_once_per_real_hour(
    start: str, end: str, local_hours: list[int]
) -> None:
    schedule = parse_schedule("cron(0 * * * ? *)", "America/New_York")
    found = schedule.next_fire_times(utc(start), 100)
    found = [f for f in found if f <= utc(end)]
    # Every real hour, no duplicates, no gaps; only the wall label 02:00 is missing in March.
    assert found == [utc(start) + timedelta(hours=h) for h in range(1, 25)]
    zone = ZoneInfo("America/New_York")
    assert [f.astimezone(zone).hour for f in found] == local_hours
    assert schedule.fires_between(utc(start), utc(end)) == 24


@pytest.mark.parametrize(
    ("timezone", "start", "end", "count"),
    [
        ("America/New_York", "2026-11-01T04:00", "2026-11-01T08:00", 16),
        ("America/New_York", "2026-03-08T06:00", "2026-03-08T08:00", 8),
        ("Europe/Paris", "2026-03-28T23:00", "2026-03-29T03:00", 16),
    ],
)
def test_sub_hourly_cron_keeps_real_time_through_dst(
    timezone: str, start: str, end: str, count: int
) -> None:
    schedule = parse_schedule("cron(0/15 * * * ? *)", timezone)
    found = schedule.next_fire_times(utc(start), count)
    assert found == [utc(start) + timedelta(minutes=15 * i) for i in range(1, count + 1)]
    assert schedule.fires_between(utc(start), utc(end)) == count


ERROR_CASES = [
    ("cron(0 25 * * ? *)",
     "schedule 'cron(0 25 * * ? *)': field 2 (hours) value '25' is out of range; "
     "allowed 0-23 with , - * /"),
    ("cron(0 12 * * ?)",
     "cron(...) needs 6 fields: minutes hours day-of-month month day-of-week year; got 5"),
    ("cron(0 12 * * ? * *)", "got 7"),
    ("cron(0 12 * * * *)",
     "exactly one of field 3 (day-of-month) and field 5 (day-of-week) must be '?'"),
    ("cron(0 12 1 * MON *)", "exactly one of field 3 (day-of-month)"),
    ("cron(0 12 ? * ? *)", "exactly one of field 3 (day-of-month)"),
    ("cron(60 12 * * ? *)", "field 1 (minutes) value '60' is out of range; allowed 0-59"),
    ("cron(L 12 * * ? *)", "field 1 (minutes) value 'L' is not valid; allowed 0-59 with , - * /"),
    ("cron(0 12 32 * ? *)", "field 3 (day-of-month) value '32' is out of range; allowed 1-31"),
    ("cron(0 12 0 * ? *)", "field 3 (day-of-month) value '0' is out of range"),
    ("cron(0 12 15X * ? *)", "field 3 (day-of-month) value '15X' is not valid; "
     "allowed 1-31 with , - * ? / L W"),
    ("cron(0 12 32W * ? *)", "field 3 (day-of-month) value '32W' is out of range"),
    ("cron(0 12 * 13 ? *)", "field 4 (month) value '13' is out of range; allowed 1-12 or JAN-DEC"),
    ("cron(0 12 * FOO ? *)", "field 4 (month) value 'FOO' is not valid"),
    ("cron(0 12 ? * 8 *)", "field 5 (day-of-week) value '8' is out of range; "
     "allowed 1-7 or SUN-SAT with , - * ? / L #"),
    ("cron(0 12 ? * 5W *)", "field 5 (day-of-week) value '5W' is not valid"),
    ("cron(0 12 ? * 6#6 *)", "field 5 (day-of-week) value '6#6' is out of range"),
    ("cron(0 12 * * ? 1969)", "field 6 (year) value '1969' is out of range; allowed 1970-2199"),
    ("cron(*/0 * * * ? *)", "field 1 (minutes) value '*/0' is out of range"),
    ("cron(50-10 * * * ? *)", "field 1 (minutes) value '50-10' runs backwards"),
    ("cron(0,,5 * * * ? *)", "field 1 (minutes) value '' is not valid"),
    ("cron(0 12 ?,1 * ? *)", "field 3 (day-of-month) value '?' is not valid"),
    ("0 12 * * ?", "field 5 (day-of-week) value '?' is not valid; allowed 0-7 or SUN-SAT"),
    ("0 12 L * *", "field 3 (day-of-month) value 'L' is not valid; allowed 1-31 with , - * /"),
    ("0 24 * * *", "field 2 (hours) value '24' is out of range"),
    ("0 12 * *", "expected cron(...), rate(...) or a 5-field crontab; got 4 fields"),
    ("0 12 * * ? *", "expected cron(...), rate(...) or a 5-field crontab; got 6 fields"),
    ("every day", "expected cron(...), rate(...) or a 5-field crontab"),
    ("", "expected cron(...), rate(...) or a 5-field crontab; got 0 fields"),
    ("@reboot", "expected cron(...), rate(...) or a 5-field crontab"),
    ("rate(0 minutes)", "rate value '0' must be a positive integer"),
    ("rate(-5 minutes)", "rate value '-5' must be a positive integer"),
    ("rate(1.5 hours)", "rate value '1.5' must be a positive integer"),
    ("rate(5 weeks)", "rate unit 'weeks' is not one of second(s), minute(s), hour(s), day(s)"),
    ("rate(5)", "rate(...) needs a value and a unit"),
]  # fmt: skip


@pytest.mark.parametrize(("expression", "fragment"), ERROR_CASES)
def test_invalid_expressions_name_field_and_allowed_values(expression: str, fragment: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_schedule(expression)
    assert fragment in caught.value.message
    assert caught.value.field == "schedule"
    assert caught.value.value == expression.strip()


@pytest.mark.parametrize("timezone", ["Mars/Olympus", "", "../etc/passwd", "Europe/"])
def test_unknown_time_zone(timezone: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_schedule("cron(0 12 * * ? *)", timezone)
    assert caught.value.field == "timezone"
    assert caught.value.value == timezone
    assert "unknown time zone" in caught.value.message


@pytest.mark.parametrize(
    ("expression", "start", "end", "limit", "count"),
    [
        ("cron(0/15 * * * ? *)", "2026-01-01T00:00", "2026-01-01T01:00", 100_000, 4),
        ("rate(5 minutes)", "2026-01-01T00:00", "2026-01-01T01:00", 100_000, 12),
        ("rate(5 minutes)", "2026-01-01T00:00", "2026-01-01T00:05", 100_000, 1),
        ("rate(5 minutes)", "2026-01-01T00:00", "2026-01-01T00:04:59", 100_000, 0),
        ("rate(1 second)", "2026-01-01T00:00", "2027-01-01T00:00", 1000, 1000),
        ("* * * * *", "2026-01-01T00:00", "2027-01-01T00:00", 1000, 1000),
        ("@daily", "2026-01-01T00:00", "2027-01-01T00:00", 100_000, 365),
        ("cron(0 0 30 2 ? *)", "2026-01-01T00:00", "2036-01-01T00:00", 100_000, 0),
        ("cron(0 0 1 1 ? 2027)", "2026-01-01T00:00", "2036-01-01T00:00", 100_000, 1),
        ("@hourly", "2026-01-02T00:00", "2026-01-01T00:00", 100_000, 0),  # end before start
    ],
)
def test_fires_between_counts_half_open_interval(
    expression: str, start: str, end: str, limit: int, count: int
) -> None:
    schedule = parse_schedule(expression)
    assert schedule.fires_between(utc(start), utc(end), limit) == count


def test_get_next_fire_time_follows_apscheduler_contract() -> None:
    schedule = parse_schedule("cron(0/15 * * * ? *)", "Europe/Paris")
    assert isinstance(schedule, BaseTrigger)
    now = utc("2026-01-01T00:27")
    # First scheduling: strictly after now, aware, in the schedule's zone.
    first = schedule.get_next_fire_time(None, now)
    assert first == utc("2026-01-01T00:30")
    assert first is not None and first.tzinfo == ZoneInfo("Europe/Paris")
    # With a previous fire: the next after it, even if that is already past (missed).
    assert schedule.get_next_fire_time(utc("2026-01-01T00:00"), now) == utc("2026-01-01T00:15")
    # A schedule that has ended returns None.
    ended = parse_schedule("cron(0 0 1 1 ? 2027)")
    last = ended.get_next_fire_time(None, now)
    assert last == utc("2027-01-01T00:00")
    assert ended.get_next_fire_time(last, now) is None
    rate = parse_schedule("rate(5 minutes)")
    assert rate.get_next_fire_time(None, now) == utc("2026-01-01T00:30")
    assert rate.get_next_fire_time(utc("2026-01-01T00:10"), now) == utc("2026-01-01T00:15")


def test_apscheduler_walks_missed_fires_and_schedules_jobs() -> None:
    schedule = parse_schedule("cron(0/15 * * * ? *)")
    scheduler = BackgroundScheduler(timezone="UTC")
    job = Job(scheduler, id="j", func=print, args=(), kwargs={}, trigger=schedule,
              executor="default", name="j", misfire_grace_time=1, coalesce=False,
              max_instances=1, next_run_time=utc("2026-01-01T00:00"))  # fmt: skip
    assert job._get_run_times(utc("2026-01-01T01:00")) == [
        utc("2026-01-01T00:00"), utc("2026-01-01T00:15"), utc("2026-01-01T00:30"),
        utc("2026-01-01T00:45"), utc("2026-01-01T01:00"),
    ]  # fmt: skip
    scheduler.start(paused=True)
    try:
        added = scheduler.add_job(print, trigger=parse_schedule("rate(1 day)"))
        assert added.next_run_time is not None
        assert added.next_run_time.time() == datetime.min.time()
    finally:
        scheduler.shutdown(wait=False)


def test_schedule_pickles_as_its_text_and_compares_by_value() -> None:
    schedule = parse_schedule("  cron(0 9 ? * 2#1 *) ", "Europe/Paris")
    assert schedule.expression == "cron(0 9 ? * 2#1 *)"
    assert schedule.timezone == ZoneInfo("Europe/Paris")
    assert schedule.kind == "cron"
    restored = pickle.loads(pickle.dumps(schedule))
    assert restored == schedule and hash(restored) == hash(schedule)
    assert restored.next_fire_times(utc("2026-01-01T00:00"), 1) == [utc("2026-01-05T08:00")]
    assert schedule != parse_schedule("cron(0 9 ? * 2#1 *)")


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        parse_schedule("@daily").next_fire_times(datetime(2026, 1, 1), 1)


def _varied_schedules(n: int) -> list[Schedule]:
    rng = random.Random(7)
    zones = ["UTC", "UTC", "Europe/Paris", "America/New_York", "Asia/Tokyo"]
    forms = [
        lambda: f"cron({rng.randrange(60)} {rng.randrange(24)} * * ? *)",
        lambda: f"cron(0/{rng.randint(1, 30)} {rng.randint(0, 8)}-{rng.randint(9, 23)} ? * 2-6 *)",
        lambda: f"cron({rng.randrange(60)} {rng.randrange(24)} {rng.randint(1, 28)}W * ? *)",
        lambda: f"cron(0 {rng.randrange(24)} ? * {rng.randint(1, 7)}#{rng.randint(1, 4)} *)",
        lambda: f"cron(0 {rng.randrange(24)} ? * {rng.randint(1, 7)}L *)",
        lambda: f"cron({rng.randrange(60)} {rng.randrange(24)} L * ? *)",
        lambda: f"*/{rng.randint(1, 59)} * * * *",
        lambda: f"{rng.randrange(60)} {rng.randrange(24)} 1,15 * {rng.randrange(7)}",
        lambda: f"rate({rng.randint(1, 600)} minutes)",
        lambda: f"cron(0 0 {rng.randint(29, 31)} 2 ? *)",  # rare or never: the slow path
    ]
    return [parse_schedule(rng.choice(forms)(), rng.choice(zones)) for _ in range(n)]


def test_next_fire_for_ten_thousand_schedules_runs() -> None:
    now = utc("2026-03-29T00:30")
    schedules = _varied_schedules(10_000)
    results = [s.get_next_fire_time(None, now) for s in schedules]
    assert all(r is None or r > now for r in results)
    assert sum(r is not None for r in results) > 9_000


def _last_day(d: date) -> bool:
    return (d + timedelta(days=1)).month != d.month


def _month_weekdays(d: date) -> list[date]:
    first = d.replace(day=1)
    days = [first + timedelta(days=i) for i in range(31)]
    return [x for x in days if x.month == d.month and x.weekday() < 5]


def _nearest_weekday_is(d: date, target: int) -> bool:
    """Reference `W`: the Mon-Fri of the same month closest to the target day."""
    if not any(
        x.day == target
        for x in (d.replace(day=1) + timedelta(days=i) for i in range(31))
        if x.month == d.month
    ):
        return False  # the month has no such day (31W in April)
    return min(_month_weekdays(d), key=lambda x: abs(x.day - target)) == d


def _aws_weekday(d: date) -> int:
    return (d.weekday() + 1) % 7 + 1  # AWS numbering: 1 = SUN … 7 = SAT


def _random_day_field(rng: random.Random) -> tuple[str, str, Callable[[date], bool]]:
    """A random (day-of-month, day-of-week, reference predicate) triple in AWS syntax."""
    a, b = sorted(rng.sample(range(1, 32), 2))
    w, k, n = rng.randint(1, 7), rng.randint(1, 5), rng.randint(1, 31)
    lo, hi = sorted(rng.sample(range(1, 8), 2))
    choices: list[tuple[str, str, Callable[[date], bool]]] = [
        (f"{a},{b}", "?", lambda d: d.day in (a, b)),
        (f"{a}-{b}", "?", lambda d: a <= d.day <= b),
        ("L", "?", _last_day),
        (f"L-{k}", "?", lambda d: _last_day(d + timedelta(days=k))),
        (f"{n}W", "?", lambda d: _nearest_weekday_is(d, n)),
        ("LW", "?", lambda d: _month_weekdays(d)[-1] == d),
        ("?", f"{lo}-{hi}", lambda d: lo <= _aws_weekday(d) <= hi),
        ("?", f"{w}#{k}", lambda d: _aws_weekday(d) == w and (d.day - 1) // 7 == k - 1),
        ("?", f"{w}L", lambda d: _aws_weekday(d) == w and (d + timedelta(days=7)).month != d.month),
    ]  # fmt: skip
    return rng.choice(choices)


def test_search_agrees_with_a_day_by_day_reference() -> None:
    rng = random.Random(11)
    start = date(2026, 1, 1)
    for _ in range(150):
        dom, dow, day_matches = _random_day_field(rng)
        minutes = sorted(rng.sample(range(60), rng.randint(1, 3)))
        hours = sorted(rng.sample(range(24), rng.randint(1, 3)))
        months = sorted(rng.sample(range(1, 13), rng.randint(1, 12)))
        expression = (
            f"cron({','.join(map(str, minutes))} {','.join(map(str, hours))} {dom} "
            f"{','.join(map(str, months))} {dow} *)"
        )
        expected = [
            datetime(day.year, day.month, day.day, h, m, tzinfo=UTC)
            for day in (start + timedelta(days=i) for i in range(800))
            if day.month in months and day_matches(day)
            for h in hours
            for m in minutes
        ]
        found = parse_schedule(expression).next_fire_times(utc("2025-12-31T23:59"), 20)
        end = datetime(2028, 3, 11, tzinfo=UTC)  # start + 800 days
        assert [f for f in found if f < end] == expected[:20], expression


def _reference_dst_fires(
    minutes: set[int], hours: set[int], zone: ZoneInfo, start: datetime, span: timedelta
) -> list[datetime]:
    """Walk real minutes: fire where the local wall time matches (first pass only unless
    every hour matches), plus once at the end of a gap that swallowed a match."""
    every_hour = len(hours) == 24
    fires = []
    t = start + timedelta(minutes=1)
    while t <= start + span:
        local = t.astimezone(zone)
        before = (t - timedelta(minutes=1)).astimezone(zone)
        jump = local.replace(tzinfo=None) - before.replace(tzinfo=None) - timedelta(minutes=1)
        # Wall minutes skipped between the previous real minute and this one (a gap).
        skipped = [
            before.replace(tzinfo=None) + timedelta(minutes=i)
            for i in range(1, int(jump / timedelta(minutes=1)) + 1)
        ]
        matches_now = local.minute in minutes and local.hour in hours
        if (matches_now and (local.fold == 0 or every_hour)) or any(
            w.minute in minutes and w.hour in hours for w in skipped
        ):
            fires.append(t)
        t += timedelta(minutes=1)
    return fires


@pytest.mark.parametrize(
    ("zone", "start"),
    [
        ("Europe/Paris", "2026-03-28T20:00"),
        ("Europe/Paris", "2026-10-24T20:00"),
        ("America/New_York", "2026-03-08T00:00"),
        ("America/New_York", "2026-11-01T00:00"),
        ("Australia/Lord_Howe", "2026-04-04T10:00"),  # 30-minute fall back
        ("Australia/Lord_Howe", "2026-10-03T10:00"),  # 30-minute spring forward
    ],
)
@pytest.mark.parametrize(
    "fields",
    ["30 2", "0,15,45 1,2,3", "*/10 *", "5 *", "59 1", "0 2", "0/7 0-4"],
)
def test_dst_rules_agree_with_a_minute_by_minute_reference(
    zone: str, start: str, fields: str
) -> None:
    minute_text, hour_text = fields.split()
    schedule = parse_schedule(f"{minute_text} {hour_text} * * *", zone)
    probe = parse_schedule(f"cron({minute_text} {hour_text} * * ? *)")  # sets, via UTC
    day: list[datetime] = []
    fire = probe.get_next_fire_time(None, utc("2025-12-31T23:59"))
    while fire is not None and fire < utc("2026-01-02T00:00"):
        day.append(fire)
        fire = probe.get_next_fire_time(fire, fire)
    minutes = {f.minute for f in day}
    hours = {f.hour for f in day}
    span = timedelta(hours=30)
    expected = _reference_dst_fires(minutes, hours, ZoneInfo(zone), utc(start), span)
    found = schedule.next_fire_times(utc(start), len(expected) + 1)
    assert found[: len(expected)] == expected
    assert found[len(expected)] > utc(start) + span
