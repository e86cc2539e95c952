"""Writing run history in bulk, outside the run state machine: benchmarks and imports.

A live daemon never calls this: its runs go through store/runs.py (guarded transitions
with their events). Seeded runs are already what they are, so they get no outbox event.
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import islice

from sqlalchemy import insert

from stoker.domain.jobs import Job
from stoker.domain.runs import JobRun
from stoker.store.codec import run_values
from stoker.store.engine import Database
from stoker.store.tables import job_runs

#: Rows per INSERT: one executemany each, one transaction each.
BATCH = 5000


def seed_runs(db: Database, runs: Iterable[tuple[JobRun, Job]], batch: int = BATCH) -> int:
    """Insert the runs as they are (states, times), in order, in batches; how many."""
    total = 0
    rows = iter(runs)
    statement = insert(job_runs)
    while chunk := [run_values(run, job) for run, job in islice(rows, batch)]:
        with db.write() as conn:
            conn.execute(statement, chunk)
        total += len(chunk)
    return total
