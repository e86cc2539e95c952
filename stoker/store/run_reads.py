"""Reading stored runs: one by id, with its job snapshot, pages of a filter, counts by day,
and the live ones. RunStore (store/runs.py) adds the writes; these reads are its too."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, select

from stoker.domain.jobs import Job
from stoker.domain.runs import JobRun, RunFilter
from stoker.domain.states import RunState
from stoker.domain.summary import DayCount
from stoker.errors import NotFound
from stoker.store.codec import job_from_json, run_from_row
from stoker.store.engine import Database
from stoker.store.run_counts import day_counts
from stoker.store.run_queries import page_query, started_seq_bounds
from stoker.store.tables import job_runs

_EVERY_RUN = RunFilter()


class RunReader:
    """Run rows, read-only."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def get(self, run_id: str) -> JobRun:
        with self._db.read() as conn:
            return self._get(conn, run_id)

    def get_in(self, conn: Connection, run_id: str) -> JobRun:
        return self._get(conn, run_id)

    def snapshot(self, run_id: str) -> tuple[JobRun, Job]:
        """The run and the job definition it runs with (its own copy)."""
        with self._db.read() as conn:
            row = conn.execute(select(job_runs).where(job_runs.c.id == run_id)).one_or_none()
        if row is None:
            raise _missing(run_id)
        return run_from_row(row), job_from_json(row.job_snapshot)

    def list_runs(
        self, where: RunFilter = _EVERY_RUN, *, limit: int = 100, before_seq: int | None = None
    ) -> list[JobRun]:
        """Newest first (seq descending), seq < ``before_seq`` (store/run_queries.py)."""
        with self._db.read() as conn:
            bounds = started_seq_bounds(conn, where)
            if bounds is None:
                return []
            rows = conn.execute(page_query(where, limit, before_seq, bounds))
            return [run_from_row(row) for row in rows]

    def day_counts(
        self, since: datetime, until: datetime, job_name: str | None = None
    ) -> list[DayCount]:
        """Runs started in [since, until) by UTC day and state (store/run_counts.py)."""
        with self._db.read() as conn:
            return day_counts(conn, since, until, job_name)

    def live(self) -> list[JobRun]:
        """Every run not in a terminal state, oldest first (what recovery must settle)."""
        query = (
            select(job_runs)
            .where(job_runs.c.state.in_([s.value for s in RunState if s.live]))
            .order_by(job_runs.c.seq)
        )
        with self._db.read() as conn:
            return [run_from_row(row) for row in conn.execute(query)]

    def _get(self, conn: Connection, run_id: str) -> JobRun:
        row = conn.execute(select(job_runs).where(job_runs.c.id == run_id)).one_or_none()
        if row is None:
            raise _missing(run_id)
        return run_from_row(row)


def _missing(run_id: str) -> NotFound:
    return NotFound(f"job run {run_id!r} does not exist", field="run_id", value=run_id)
