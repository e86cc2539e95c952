"""Each job's newest run and its state, kept on the job's row for the last-run-state filter.

store/runs.py calls these in the transaction of each run insert and state change, with the
job's row already locked or locked here first (before the run's row), the order every run
write takes, so a run change and a promotion never wait on each other.
"""

from __future__ import annotations

from sqlalchemy import Connection, bindparam, func, select, update

from stoker.domain.runs import JobRun
from stoker.domain.states import RunState
from stoker.store.tables import job_runs, jobs

# Built once: these run on every run insert and state change.
_NEWEST = (
    update(jobs)
    .where(jobs.c.name == bindparam("job"), jobs.c.last_run_seq < bindparam("seq"))
    .values(last_run_seq=bindparam("seq"), last_run_state=bindparam("state"))
)
_MOVED = (
    update(jobs)
    .where(jobs.c.name == bindparam("job"), jobs.c.last_run_seq == bindparam("seq"))
    .values(last_run_state=bindparam("state"))
)


def inserted(conn: Connection, run: JobRun) -> None:
    """``run`` was just inserted: it is its job's newest."""
    conn.execute(_NEWEST, {"job": run.job_name, "seq": run.seq, "state": run.state.value})


def moving(conn: Connection, job_name: str, seq: int, state: RunState) -> None:
    """The run ``seq`` of the job moves to ``state``: the job's row follows if it is the
    job's newest run (no row changes, and none is locked, otherwise)."""
    conn.execute(_MOVED, {"job": job_name, "seq": seq, "state": state.value})


def refresh(conn: Connection) -> None:
    """Set every job's newest run from job_runs (after runs were written in bulk)."""
    newest = select(func.max(job_runs.c.seq)).where(job_runs.c.job_name == jobs.c.name)
    newest_or_0 = func.coalesce(newest.scalar_subquery(), 0)
    conn.execute(update(jobs).values(last_run_seq=newest_or_0))
    state = select(job_runs.c.state).where(job_runs.c.seq == jobs.c.last_run_seq)
    conn.execute(update(jobs).values(last_run_state=state.scalar_subquery()))
