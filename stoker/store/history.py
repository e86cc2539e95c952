"""Writing run history in bulk, outside the run state machine: benchmarks and imports.

A live daemon never calls this: its runs go through store/runs.py (guarded transitions
with their events). Seeded runs are already what they are, so they get no outbox event;
they are counted by day (store/run_counts.py) and set their jobs' newest run as live runs
do.
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import islice

from sqlalchemy import insert

from stoker.domain.jobs import Job
from stoker.domain.runs import JobRun
from stoker.store import last_runs
from stoker.store.codec import run_values
from stoker.store.engine import Database
from stoker.store.run_counts import count_ended
from stoker.store.tables import job_runs

#: Rows per INSERT: one executemany each, one transaction each.
BATCH = 5000


def seed_runs(db: Database, runs: Iterable[tuple[JobRun, Job]], batch: int = BATCH) -> int:
    """Insert the runs as they are (states, times), oldest start first (the order live
    runs are numbered in), in batches; how many."""
    total = 0
    rows = iter(runs)
    statement = insert(job_runs)
    while chunk := list(islice(rows, batch)):
        with db.write() as conn:
            conn.execute(statement, [run_values(run, job) for run, job in chunk])
            count_ended(conn, (run for run, _ in chunk))
        total += len(chunk)
    with db.write() as conn:
        last_runs.refresh(conn)
    return total
