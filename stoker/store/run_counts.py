"""Runs counted by the UTC day they started and their state: kept as runs end, read by summaries.

An ended run is added once to its (job, day, state) row and its (day, state) row, in the
transaction that ends it (ended states are final: nothing moves between rows). The adds are
gathered and written last, sorted (store/engine.py ``deferred``), so the busiest rows — a
day's count over all jobs — are locked only while the transaction commits. A summary reads
whole UTC days from these rows; the live runs of those days, and the runs of the partial days
at either end of the range, are counted from job_runs through its indexes (a few thousand
index entries at most), so it costs days, not runs.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Connection, Table, select
from sqlalchemy.dialects import postgresql, sqlite

from stoker.domain.runs import JobRun
from stoker.domain.states import RunState
from stoker.domain.summary import DayCount
from stoker.store.engine import deferred
from stoker.store.run_queries import scanned_day_counts
from stoker.store.tables import job_run_day_counts, run_day_counts

_LIVE = frozenset(s for s in RunState if s.live)
_STATE_OF = {s.value: s for s in RunState}
_Key = tuple[str, date, str]


class _EndedRuns:
    """The runs a transaction ended, counted by (job, day, state) until it commits."""

    def __init__(self) -> None:
        self.counts: Counter[_Key] = Counter()

    def flush(self, conn: Connection) -> None:
        per_job = sorted(self.counts.items())
        overall: Counter[tuple[date, str]] = Counter()
        for (_, day, state), runs in per_job:
            overall[(day, state)] += runs
        by_job = [{"job_name": j, "day": d, "state": s, "runs": n} for (j, d, s), n in per_job]
        by_day = [{"day": d, "state": s, "runs": n} for (d, s), n in sorted(overall.items())]
        _add(conn, job_run_day_counts, ["job_name", "day", "state"], by_job)
        _add(conn, run_day_counts, ["day", "state"], by_day)


def count_ended(conn: Connection, runs: Iterable[JobRun]) -> None:
    """Add the runs that are ended to the counts, when the current transaction commits."""
    ended = Counter(
        (run.job_name, run.started_on.astimezone(UTC).date(), run.state.value)
        for run in runs
        if run.state.terminal
    )
    if ended:
        deferred(conn, "run_counts", _EndedRuns).counts.update(ended)


def _add(conn: Connection, table: Table, key: list[str], rows: list[dict[str, Any]]) -> None:
    """Insert each row, or add its ``runs`` to the row already there (one upsert)."""
    dialect: Any = sqlite if conn.dialect.name == "sqlite" else postgresql
    statement = dialect.insert(table)
    statement = statement.on_conflict_do_update(
        index_elements=key, set_={"runs": table.c.runs + statement.excluded.runs}
    )
    conn.execute(statement, rows)


def day_counts(
    conn: Connection, since: datetime, until: datetime, job_name: str | None
) -> list[DayCount]:
    """Runs started in [since, until) by UTC day and state: the whole days inside the range
    from the kept counts (ended runs) and job_runs (live ones), the partial days at its ends
    from job_runs."""
    first, last = _ceil_day(since), _floor_day(until)
    if first >= last:
        return scanned_day_counts(conn, since, until, job_name)
    counts = _kept(conn, first.date(), last.date(), job_name)
    counts += scanned_day_counts(conn, first, last, job_name, states=_LIVE)
    if since < first:
        counts += scanned_day_counts(conn, since, first, job_name)
    if last < until:
        counts += scanned_day_counts(conn, last, until, job_name)
    return counts


def _kept(conn: Connection, first: date, last: date, job_name: str | None) -> list[DayCount]:
    """The kept counts of the days in [first, last)."""
    table = run_day_counts if job_name is None else job_run_day_counts
    query = select(table.c.day, table.c.state, table.c.runs).where(
        table.c.day >= first, table.c.day < last
    )
    if job_name is not None:
        query = query.where(table.c.job_name == job_name)
    # A year is ~2,000 rows: plain tuples and a dict lookup for the state (not RunState()).
    return [
        DayCount(day, _STATE_OF[state], runs)
        for day, state, runs in conn.execute(query)
        if runs
    ]


def _floor_day(moment: datetime) -> datetime:
    return datetime.combine(moment.astimezone(UTC).date(), time(), UTC)


def _ceil_day(moment: datetime) -> datetime:
    floor = _floor_day(moment)
    return floor if floor == moment else floor + timedelta(days=1)
