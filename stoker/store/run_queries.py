"""Reading runs for lists and the console: filtered pages newest first, and counts by day.

Every page is a keyset page on ``seq`` (newest first) read through an index that starts
with the filtered columns and ends with ``seq``, so a page costs its own rows whatever the
table holds: nothing counts or sorts the whole table. Several states are read as one
index range each (a page of each, merged by seq), because no index serves
``state IN (…) ORDER BY seq`` as one ordered range.
"""

from __future__ import annotations

import functools
from collections.abc import Collection, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import (
    ARRAY,
    CompoundSelect,
    Connection,
    Select,
    String,
    bindparam,
    func,
    select,
    text,
    type_coerce,
    union_all,
)

from stoker.domain.runs import RunBrief, RunFilter
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


#: How many of each job's latest runs a jobs page shows.
RECENT_RUNS = 10
#: Jobs per statement when reading their recent runs: SQLite allows 500 compound terms.
_JOBS_PER_STATEMENT = 250


def recent_runs(conn: Connection, names: Sequence[str], count: int) -> dict[str, list[RunBrief]]:
    """Each job's ``count`` newest runs, newest first: one index range of (job_name, seq)
    per job, all in one statement (for a page of up to 250 jobs)."""
    found: dict[str, list[tuple[int, RunBrief]]] = {name: [] for name in names}
    if conn.dialect.name == "postgresql":
        # One small plan (LATERAL) instead of a 100-part UNION PostgreSQL plans per call.
        chunks = [conn.execute(_RECENT_LATERAL, {"names": list(names), "count": count})]
    else:
        chunks = []
        for start in range(0, len(names), _JOBS_PER_STATEMENT):
            chunk = names[start : start + _JOBS_PER_STATEMENT]
            params = {f"job{i}": name for i, name in enumerate(chunk)}
            chunks.append(conn.execute(_recent_statement(len(chunk), count), params))
    time = _utc_text if conn.dialect.name == "sqlite" else _same
    for rows in chunks:
        for row in rows:
            started = time(row.started_on)
            assert started is not None  # a stored run always has its start
            state = _STATE_OF[row.state]
            brief = RunBrief(row.id, state, started, time(row.completed_on), row.seq)
            found[row.job_name].append((row.seq, brief))
    return {
        name: [brief for _, brief in sorted(runs, key=lambda r: r[0], reverse=True)]
        for name, runs in found.items()
    }


@functools.lru_cache(maxsize=32)
def _recent_statement(jobs: int, count: int) -> CompoundSelect[Any]:
    """The statement for ``jobs`` names (bound as job0, job1, …), built once per size:
    building a 100-part UNION took longer than SQLite took to run it."""
    parts = [
        select(*_BRIEF_TEXT)
        .where(job_runs.c.job_name == bindparam(f"job{i}"))
        .order_by(job_runs.c.seq.desc())
        .limit(count)
        .subquery()
        for i in range(jobs)
    ]
    return union_all(*(select(*part.c) for part in parts))


_BRIEF = (
    job_runs.c.job_name, job_runs.c.seq, job_runs.c.id, job_runs.c.state,
    job_runs.c.started_on, job_runs.c.completed_on,
)  # fmt: skip
# SQLite's times as their stored text, parsed by _utc_text: a page's 2,000 times through
# the column type's processors cost more than SQLite spent finding the rows.
_BRIEF_TEXT = (
    *_BRIEF[:4],
    type_coerce(job_runs.c.started_on, String).label("started_on"),
    type_coerce(job_runs.c.completed_on, String).label("completed_on"),
)
_STATE_OF = {s.value: s for s in RunState}


def _utc_text(stored: str | None) -> datetime | None:
    """A time as SQLite holds it (UTC, naive text) as an aware datetime."""
    return None if stored is None else datetime.fromisoformat(stored).replace(tzinfo=UTC)


def _same(value: datetime | None) -> datetime | None:
    return value
_RECENT_LATERAL = (
    text(
        "SELECT r.job_name, r.seq, r.id, r.state, r.started_on, r.completed_on "
        "FROM unnest(:names) AS j(name) CROSS JOIN LATERAL ("
        "SELECT job_name, seq, id, state, started_on, completed_on FROM job_runs "
        "WHERE job_runs.job_name = j.name ORDER BY seq DESC LIMIT :count) AS r"
    )
    .bindparams(bindparam("names", type_=ARRAY(String)))
    .columns(*_BRIEF)
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
