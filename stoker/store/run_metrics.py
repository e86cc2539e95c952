"""Each run's stored Spark samples: written in batches, read back oldest first."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import bindparam, insert, select

from stoker.domain.sparkmetrics import SparkSample
from stoker.store.engine import Database
from stoker.store.tables import run_metrics

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
