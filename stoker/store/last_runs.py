"""Each job's latest runs kept on its row: the newest one's seq and state (the last-run-state
filter) and the states of the latest ten (the jobs list), so a jobs page reads no run but
each job's newest, by primary key.

store/runs.py calls ``inserted`` and ``moving`` in the transaction of each run insert and
state change, with the job's row already locked or locked here first (before the run's
row), the order every run write takes, so a run change and a promotion never wait on each
other.

``recent_runs`` holds the latest ten runs newest first, each as a fixed-width entry: its seq
as 10 digits and its state padded to 9 characters (``0000000123SUCCEEDED``). Fixed width
lets plain SQL keep it, the same on SQLite and PostgreSQL: an insert prepends an entry and
cuts the text to ten (``substr``), a state change replaces its run's entry (``replace``),
and a run's 10 digits occur nowhere else in the text (the states between them hold none).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Connection,
    String,
    Update,
    bindparam,
    case,
    func,
    select,
    type_coerce,
    update,
)

from stoker.domain.runs import JobActivity, JobRun, RunBrief
from stoker.domain.states import RunState
from stoker.store.tables import job_runs, jobs

#: How many of each job's latest runs its row keeps (what the jobs list shows).
RECENT_RUNS = 10
_SEQ_DIGITS = 10  # job_runs.seq is a 32-bit integer on PostgreSQL: at most 10 digits
_STATE_WIDTH = 9  # SUCCEEDED, the longest state
_ENTRY = _SEQ_DIGITS + _STATE_WIDTH
_STATE_OF = {s.value: s for s in RunState}

# Built once: these run on every run insert and state change.
_NEWEST = (
    update(jobs)
    .where(jobs.c.name == bindparam("job"), jobs.c.last_run_seq < bindparam("seq"))
    .values(
        last_run_seq=bindparam("seq"),
        last_run_state=bindparam("state"),
        recent_runs=func.substr(
            type_coerce(bindparam("entry"), String) + jobs.c.recent_runs,
            1,
            RECENT_RUNS * _ENTRY,
        ),
    )
)
_NEWEST_TEN = (
    select(job_runs.c.seq, job_runs.c.state)
    .where(job_runs.c.job_name == bindparam("job"))
    .order_by(job_runs.c.seq.desc())
    .limit(RECENT_RUNS)
)
_SET_LATEST = (
    update(jobs)
    .where(jobs.c.name == bindparam("job"))
    .values(
        last_run_seq=bindparam("seq"),
        last_run_state=bindparam("state"),
        recent_runs=bindparam("recent"),
    )
)


def entry(seq: int, state: RunState | str) -> str:
    """One run's entry in ``recent_runs``."""
    return f"{seq:0{_SEQ_DIGITS}d}{state:<{_STATE_WIDTH}}"


def states(recent: str) -> tuple[RunState, ...]:
    """The states ``recent_runs`` holds, newest first."""
    return tuple(
        _STATE_OF[recent[i + _SEQ_DIGITS : i + _ENTRY].rstrip()]
        for i in range(0, len(recent), _ENTRY)
    )


def inserted(conn: Connection, run: JobRun) -> None:
    """``run`` was just inserted: it is its job's newest."""
    params = {"job": run.job_name, "seq": run.seq, "state": run.state.value}
    conn.execute(_NEWEST, {**params, "entry": entry(run.seq, run.state)})


def inserted_many(conn: Connection, runs: Sequence[JobRun]) -> None:
    """``runs`` were just inserted, in seq order: per job, its newest is the last of them,
    and its entries go before the row's, newest first (one UPDATE per job, executemany)."""
    newest: dict[str, list[JobRun]] = {}
    for run in runs:
        newest.setdefault(run.job_name, []).append(run)
    params = [
        {"job": job, "seq": own[-1].seq, "state": own[-1].state.value,
         "entry": "".join(entry(r.seq, r.state) for r in reversed(own[-RECENT_RUNS:]))}
        for job, own in sorted(newest.items())
    ]  # fmt: skip
    if params:
        conn.execute(_NEWEST, params)


def moving(
    conn: Connection, job_name: str, seq: int, sources: Sequence[RunState], target: RunState
) -> None:
    """The run ``seq`` of the job moves to ``target`` from one of ``sources`` (the states
    its guarded update accepts, so its entry holds one of them): the job's row follows if
    the run is one of its latest ten (no row changes, and none is locked, otherwise)."""
    params: dict[str, Any] = {
        "job": job_name,
        "seq": seq,
        "state": target.value,
        "pattern": f"%{seq:0{_SEQ_DIGITS}d}%",
        "new": entry(seq, target),
    }
    params.update({f"old{i}": entry(seq, state) for i, state in enumerate(sources)})
    conn.execute(_moved(len(sources)), params)


@functools.lru_cache(maxsize=8)
def _moved(sources: int) -> Update:
    """The state change's UPDATE for ``sources`` possible earlier states, built once each."""
    recent: Any = jobs.c.recent_runs
    for i in range(sources):
        recent = func.replace(recent, bindparam(f"old{i}"), bindparam("new"))
    newest = jobs.c.last_run_seq == bindparam("seq")
    return (
        update(jobs)
        .where(jobs.c.name == bindparam("job"), jobs.c.recent_runs.like(bindparam("pattern")))
        .values(
            recent_runs=recent,
            last_run_state=case((newest, bindparam("state")), else_=jobs.c.last_run_state),
        )
    )


def refresh(conn: Connection, names: Sequence[str] | None = None) -> None:
    """Set the latest runs of the named jobs (every job by default) from job_runs: one index
    range of (job_name, seq) per job. After runs were written in bulk, and when a job is
    created under the name of a deleted one whose runs stay."""
    if names is None:
        names = conn.execute(select(jobs.c.name)).scalars().all()
    rows = []
    for name in names:
        latest = conn.execute(_NEWEST_TEN, {"job": name}).all()
        rows.append({
            "job": name,
            "seq": latest[0].seq if latest else 0,
            "state": latest[0].state if latest else None,
            "recent": "".join(entry(seq, state) for seq, state in latest),
        })  # fmt: skip
    if rows:
        conn.execute(_SET_LATEST, rows)


def activity(conn: Connection, names: Sequence[str]) -> dict[str, JobActivity]:
    """Each named job's newest run and latest states (one statement: the job rows by name,
    their newest runs by seq). A job that is not stored has none."""
    found = {name: JobActivity() for name in names}
    if not names:
        return found
    for row in conn.execute(_ACTIVITY, {"names": list(names)}):
        last = None
        if row.id is not None:
            started = _utc(row.started_on)
            assert started is not None  # a stored run always has its start
            last = RunBrief(row.id, _STATE_OF[row.state], started, _utc(row.completed_on),
                            row.seq)  # fmt: skip
        found[row.name] = JobActivity(last, states(row.recent_runs))
    return found


def _raw(column: Any) -> Any:
    # The times as the driver gives them (SQLite: stored text), parsed by _utc: a page's
    # times through the column type's processors cost more than SQLite spent finding rows.
    return type_coerce(column, String).label(column.name)


_ACTIVITY_COLUMNS = (
    jobs.c.name, jobs.c.recent_runs, job_runs.c.seq, job_runs.c.id, job_runs.c.state,
    _raw(job_runs.c.started_on), _raw(job_runs.c.completed_on),
)  # fmt: skip
_ACTIVITY = (
    select(*_ACTIVITY_COLUMNS)
    .select_from(jobs.outerjoin(job_runs, job_runs.c.seq == jobs.c.last_run_seq))
    .where(jobs.c.name.in_(bindparam("names", expanding=True)))
)


def _utc(stored: str | datetime | None) -> datetime | None:
    """A time as the driver gives it (SQLite: UTC as naive text) as an aware UTC datetime."""
    if stored is None:
        return None
    if isinstance(stored, str):
        return datetime.fromisoformat(stored).replace(tzinfo=UTC)
    return stored.astimezone(UTC)
