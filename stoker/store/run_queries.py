"""Reading runs for lists and the console: filtered pages newest first, and counts by day.

Every page is a keyset page on ``seq`` (newest first) read through an index that starts
with the filtered columns and ends with ``seq``, so a page costs its own rows whatever the
table holds: nothing counts or sorts the whole table. Several states are read as one
index range each (a page of each, merged by seq), because no index serves
``state IN (…) ORDER BY seq`` as one ordered range.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Select, func, select, union_all

from stoker.domain.runs import RunFilter
from stoker.domain.states import RunState
from stoker.domain.summary import DayCount
from stoker.store.tables import job_runs

#: How much earlier than a run a later-numbered run can have started: a run's start time is
#: taken just before its insert numbers it, so seq follows start time to within this.
SEQ_SLACK = timedelta(minutes=1)


def started_seq_bounds(conn: Connection, where: RunFilter) -> tuple[int | None, int | None] | None:
    """Seq bounds (lowest, highest) that hold every run the start-time range of ``where``
    holds, or None when no run started in it: a few index probes, so that a page of a range
    far in the past walks the seqs of that range only, never the whole table back to it."""
    started, seq = job_runs.c.started_on, job_runs.c.seq
    low = high = None
    if where.started_before is not None:
        before = where.started_before
        newest = conn.scalar(
            select(started).where(started < before).order_by(started.desc()).limit(1)
        )
        if newest is None:
            return None
        high = conn.scalar(
            select(func.max(seq)).where(started >= newest - SEQ_SLACK, started < before)
        )
    if where.started_after is not None:
        after = where.started_after
        oldest = conn.scalar(select(started).where(started >= after).order_by(started).limit(1))
        if oldest is None:
            return None
        low = conn.scalar(
            select(func.min(seq)).where(started >= after, started <= oldest + SEQ_SLACK)
        )
    return low, high


def page_query(
    where: RunFilter,
    limit: int,
    before_seq: int | None,
    seq_bounds: tuple[int | None, int | None] = (None, None),
) -> Select[Any]:
    """The newest ``limit`` runs matching ``where`` with seq < ``before_seq``, within
    ``seq_bounds`` (started_seq_bounds)."""
    conditions: list[Any] = []
    low, high = seq_bounds
    if low is not None:
        conditions.append(job_runs.c.seq >= low)
    if high is not None:
        conditions.append(job_runs.c.seq <= high)
    if where.job_name is not None:
        conditions.append(job_runs.c.job_name == where.job_name)
    if where.triggered_by is not None:
        conditions.append(job_runs.c.triggered_by == where.triggered_by)
    if where.started_after is not None:
        conditions.append(job_runs.c.started_on >= where.started_after)
    if where.started_before is not None:
        conditions.append(job_runs.c.started_on < where.started_before)
    if before_seq is not None:
        conditions.append(job_runs.c.seq < before_seq)
    states = sorted(where.states)
    if len(states) <= 1:
        if states:
            conditions.append(job_runs.c.state == states[0].value)
        return select(job_runs).where(*conditions).order_by(job_runs.c.seq.desc()).limit(limit)
    parts = [
        select(job_runs.c.seq)
        .where(*conditions, job_runs.c.state == state.value)
        .order_by(job_runs.c.seq.desc())
        .limit(limit)
        .subquery()
        for state in states
    ]
    seqs = union_all(*(select(part.c.seq) for part in parts)).subquery()
    newest = select(seqs.c.seq).order_by(seqs.c.seq.desc()).limit(limit).subquery()
    return (
        select(job_runs)
        .join(newest, job_runs.c.seq == newest.c.seq)
        .order_by(job_runs.c.seq.desc())
    )


def scanned_day_counts(
    conn: Connection,
    since: datetime,
    until: datetime,
    job_name: str | None,
    states: Collection[RunState] | None = None,
) -> list[DayCount]:
    """Runs started in [since, until) (in ``states``, when given) counted by UTC day and
    state from job_runs itself: one grouped statement over the (started_on, state) index,
    (job_name, started_on, state) for one job, or (state, seq) for a few live states."""
    started = job_runs.c.started_on
    if conn.dialect.name == "sqlite":
        day: Any = func.substr(started, 1, 10)  # stored as UTC text, "YYYY-MM-DD HH:…"
    else:
        day = func.to_char(func.timezone("UTC", started), "YYYY-MM-DD")
    query = (
        select(day.label("day"), job_runs.c.state, func.count().label("n"))
        .where(started >= since, started < until)
        .group_by(day, job_runs.c.state)
    )
    if job_name is not None:
        query = query.where(job_runs.c.job_name == job_name)
    if states is not None:
        query = query.where(job_runs.c.state.in_(sorted(s.value for s in states)))
    return [
        DayCount(date.fromisoformat(row.day), RunState(row.state), row.n)
        for row in conn.execute(query)
    ]
