"""What log retention (daemon/retention.py) reads and deletes: each job's stored
``log_retention_days``, ended runs by id, the runs that consumed an EVENT batch payload
file, and the Spark metrics samples of runs past their limit.

Every read is bounded: runs are looked up by id or by a trigger's index range in batches
of BATCH, candidate runs for sample deletion are paged by seq, and samples are deleted a
batch of runs per transaction.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, RowMapping, and_, delete, exists, func, select

from stoker.domain.inbound import EVENTS_FILE_ARG
from stoker.domain.states import RunState
from stoker.store.engine import Database
from stoker.store.tables import Unreadable, job_runs, jobs, run_metrics

#: Ids (or file paths) per statement: well under SQLite's bound-parameter limit.
BATCH = 500
_ENDED = [s.value for s in RunState if not s.live]
#: When an ended run ended: completed_on, which every terminal transition sets; a run
#: stored ended without it (a trigger's ERROR run) ended when it was last modified.
_ENDED_ON = func.coalesce(job_runs.c.completed_on, job_runs.c.last_modified_on)
_COLUMNS = (job_runs.c.id, job_runs.c.job_name, job_runs.c.state, _ENDED_ON.label("ended_on"))


@dataclass(frozen=True)
class RunAge:
    """A run as retention sees it: whose it is, and whether (and when) it ended."""

    run_id: str
    job_name: str
    live: bool
    ended_on: datetime


class RetentionStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    def job_retention(self) -> dict[str, object]:
        """Each job's stored ``log_retention_days`` as stored (None when unset; the caller
        treats a value that is not a retention as unset)."""
        with self._db.read() as conn:
            rows = conn.execute(select(jobs.c.name, jobs.c.definition)).all()
        return {
            name: definition.get("log_retention_days") if isinstance(definition, dict) else None
            for name, definition in rows
            if not isinstance(definition, Unreadable)
        }

    def runs(self, run_ids: Sequence[str]) -> dict[str, RunAge]:
        """The runs among ``run_ids`` that exist, by id."""
        found: dict[str, RunAge] = {}
        with self._db.read() as conn:
            for chunk in _chunks(run_ids):
                query = select(*_COLUMNS).where(job_runs.c.id.in_(chunk))
                found.update((row.id, _age(row._mapping)) for row in conn.execute(query))
        return found

    def consumers(self, trigger_name: str, files: Sequence[str]) -> dict[str, list[RunAge]]:
        """By payload file: the runs of ``trigger_name`` (its fires and their retries) given
        that file as ``--stoker-events-file``. A file no run names is absent."""
        found: dict[str, list[RunAge]] = {}
        named = job_runs.c.arguments[EVENTS_FILE_ARG].as_string()
        with self._db.read() as conn:
            for chunk in _chunks(files):
                query = select(*_COLUMNS, named.label("file")).where(
                    job_runs.c.triggered_by == trigger_name, named.in_(chunk)
                )
                for row in conn.execute(query):
                    found.setdefault(row.file, []).append(_age(row._mapping))
        return found

    def runs_with_samples(
        self, jobs_in: Sequence[str] | None, jobs_not_in: Sequence[str], ended_by: datetime
    ) -> Iterator[list[tuple[str, str]]]:
        """Pages of (run id, job name) of ended runs that still have metrics samples and
        ended at or before ``ended_by``: of the jobs ``jobs_in`` (None: any job) that are
        not in ``jobs_not_in``. Runs start before they end, so started_on bounds the scan
        on its index."""
        where: list[ColumnElement[bool]] = [
            job_runs.c.started_on <= ended_by,
            job_runs.c.state.in_(_ENDED),
            ended_by >= _ENDED_ON,
            exists().where(run_metrics.c.run_id == job_runs.c.id),
        ]
        if jobs_in is not None:
            where.append(job_runs.c.job_name.in_(jobs_in))
        if jobs_not_in:
            where.append(job_runs.c.job_name.not_in(jobs_not_in))
        after = 0
        while True:
            query = (
                select(job_runs.c.seq, job_runs.c.id, job_runs.c.job_name)
                .where(and_(*where), job_runs.c.seq > after)
                .order_by(job_runs.c.seq)
                .limit(BATCH)
            )
            with self._db.read() as conn:
                rows = conn.execute(query).all()
            if not rows:
                return
            yield [(row.id, row.job_name) for row in rows]
            after = rows[-1].seq

    def delete_samples(self, run_ids: Sequence[str]) -> dict[str, int]:
        """Delete the runs' metrics samples, one transaction per BATCH runs; how many went
        per run (runs that had none are absent)."""
        deleted: dict[str, int] = {}
        for chunk in _chunks(run_ids):
            counted = (
                select(run_metrics.c.run_id, func.count())
                .where(run_metrics.c.run_id.in_(chunk))
                .group_by(run_metrics.c.run_id)
            )
            with self._db.write() as conn:
                counts = {run_id: n for run_id, n in conn.execute(counted)}
                conn.execute(delete(run_metrics).where(run_metrics.c.run_id.in_(chunk)))
            deleted.update(counts)
        return deleted


def _chunks(items: Sequence[str]) -> Iterator[list[str]]:
    for start in range(0, len(items), BATCH):
        yield list(items[start : start + BATCH])


def _age(m: RowMapping) -> RunAge:
    return RunAge(run_id=m["id"], job_name=m["job_name"], live=RunState(m["state"]).live,
                  ended_on=m["ended_on"])  # fmt: skip
