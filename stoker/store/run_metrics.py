"""Each run's stored Spark samples: written in batches, read back oldest first, and a job's
over a time range (a bounded sample of its runs per bucket, domain/metricsrange.py).

A range is read in two statements whatever the table holds: the latest runs of each bucket
(an index range of (job_name, started_on) per bucket), then the newest samples of each of
those runs (an index range of (run_id, sampled_at) per run). PostgreSQL reads each as one
LATERAL join over arrays; SQLite as a UNION ALL of one small part per bucket or run.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    ARRAY,
    CompoundSelect,
    Connection,
    DateTime,
    String,
    bindparam,
    insert,
    literal,
    select,
    text,
    union_all,
)

from stoker.domain.metricsrange import (
    RUNS_PER_POINT,
    SAMPLES_PER_RUN,
    Bucket,
    RunFigures,
    run_figures,
)
from stoker.domain.sparkmetrics import SparkSample
from stoker.store.engine import Database
from stoker.store.tables import UTCDateTime, job_runs, run_metrics

#: Built once and executed with a list of parameter sets (one executemany per batch).
_INSERT = insert(run_metrics)
_HISTORY = (
    select(run_metrics.c.sample)
    .where(run_metrics.c.run_id == bindparam("run_id"))
    .order_by(run_metrics.c.sampled_at, run_metrics.c.seq)
)


class RunMetricsStore:
    """The ``run_metrics`` rows. Runs are never deleted, so their samples are not either."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def add_many(self, samples: Sequence[tuple[str, SparkSample]]) -> int:
        """Store (run id, sample) pairs in one transaction; returns how many were written."""
        if not samples:
            return 0
        rows = [
            {
                "run_id": run_id,
                "sampled_at": datetime.fromtimestamp(sample.sampled_at, UTC),
                "final": sample.final,
                "sample": json.dumps(sample.to_dict(), separators=(",", ":")),
            }
            for run_id, sample in samples
        ]
        with self._db.write() as conn:
            conn.execute(_INSERT, rows)
        return len(rows)

    def history(self, run_id: str) -> list[SparkSample]:
        """The run's samples ordered by ``sampled_at`` (ties in the order written)."""
        with self._db.read() as conn:
            texts = conn.execute(_HISTORY, {"run_id": run_id}).scalars().all()
        return [SparkSample.from_dict(json.loads(text)) for text in texts]

    def job_range(self, job_name: str, spans: Sequence[Bucket]) -> dict[int, list[RunFigures]]:
        """By bucket index: the figures of the latest runs of the job that started in that
        bucket (RUNS_PER_POINT at most), each from its newest SAMPLES_PER_RUN samples."""
        with self._db.read() as conn:
            bucket_of = _runs_in(conn, job_name, spans)
            by_run: dict[str, list[dict[str, Any]]] = {}
            for run_id, sample in _newest_samples(conn, list(bucket_of)):
                by_run.setdefault(run_id, []).append(json.loads(sample))
        found: dict[int, list[RunFigures]] = {}
        for run_id, samples in by_run.items():
            found.setdefault(bucket_of[run_id], []).append(run_figures(samples))
        return found


def _runs_in(conn: Connection, job_name: str, spans: Sequence[Bucket]) -> dict[str, int]:
    """Run id → bucket index of the latest runs started in each bucket."""
    if not spans:
        return {}
    if conn.dialect.name == "postgresql":
        rows = conn.execute(_RUNS_LATERAL, {
            "job": job_name, "starts": [b.start for b in spans], "ends": [b.end for b in spans],
            "runs": RUNS_PER_POINT,
        })  # fmt: skip
        return {run_id: bucket - 1 for bucket, run_id in rows}  # ORDINALITY counts from 1
    params: dict[str, Any] = {"job": job_name}
    for i, span in enumerate(spans):
        params[f"s{i}"], params[f"e{i}"] = span.start, span.end
    return {run_id: bucket for bucket, run_id in conn.execute(_runs_statement(len(spans)), params)}


def _newest_samples(conn: Connection, run_ids: list[str]) -> list[tuple[str, str]]:
    """(run id, sample text) of each run's newest samples."""
    if not run_ids:
        return []
    if conn.dialect.name == "postgresql":
        rows = conn.execute(_SAMPLES_LATERAL, {"ids": run_ids, "samples": SAMPLES_PER_RUN})
        return [(run_id, sample) for run_id, sample in rows]
    found: list[tuple[str, str]] = []
    for start in range(0, len(run_ids), _PARTS_PER_STATEMENT):
        chunk = run_ids[start : start + _PARTS_PER_STATEMENT]
        params = {f"r{i}": run_id for i, run_id in enumerate(chunk)}
        found += [(r, s) for r, s in conn.execute(_samples_statement(len(chunk)), params)]
    return found


#: Parts per UNION ALL on SQLite, which allows 500 compound terms.
_PARTS_PER_STATEMENT = 250


@functools.lru_cache(maxsize=16)
def _runs_statement(spans: int) -> CompoundSelect[Any]:
    """SQLite: one part per bucket (bound as s0/e0, s1/e1, …), built once per size."""
    started = job_runs.c.started_on
    parts = [
        select(literal(i).label("bucket"), job_runs.c.id)
        .where(
            job_runs.c.job_name == bindparam("job"),
            started >= bindparam(f"s{i}", type_=UTCDateTime()),
            started < bindparam(f"e{i}", type_=UTCDateTime()),
        )
        .order_by(started.desc())
        .limit(RUNS_PER_POINT)
        .subquery()
        for i in range(spans)
    ]
    return union_all(*(select(*part.c) for part in parts))


@functools.lru_cache(maxsize=16)
def _samples_statement(runs: int) -> CompoundSelect[Any]:
    """SQLite: one part per run (bound as r0, r1, …), built once per size."""
    parts = [
        select(run_metrics.c.run_id, run_metrics.c.sample)
        .where(run_metrics.c.run_id == bindparam(f"r{i}"))
        .order_by(run_metrics.c.sampled_at.desc())
        .limit(SAMPLES_PER_RUN)
        .subquery()
        for i in range(runs)
    ]
    return union_all(*(select(*part.c) for part in parts))


_RUNS_LATERAL = text(
    "SELECT b.i, r.id FROM unnest(:starts, :ends) WITH ORDINALITY AS b(s, e, i) "
    "CROSS JOIN LATERAL (SELECT id FROM job_runs WHERE job_name = :job "
    "AND started_on >= b.s AND started_on < b.e ORDER BY started_on DESC LIMIT :runs) AS r"
).bindparams(
    bindparam("starts", type_=ARRAY(DateTime(timezone=True))),
    bindparam("ends", type_=ARRAY(DateTime(timezone=True))),
)
_SAMPLES_LATERAL = text(
    "SELECT r.run_id, m.sample FROM unnest(:ids) AS r(run_id) "
    "CROSS JOIN LATERAL (SELECT sample FROM run_metrics WHERE run_metrics.run_id = r.run_id "
    "ORDER BY sampled_at DESC LIMIT :samples) AS m"
).bindparams(bindparam("ids", type_=ARRAY(String)))
