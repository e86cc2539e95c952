"""One sample of a run's Spark figures: what Glue's Metrics tab shows, for one run.

Aggregates (bytes, records, stages, tasks) are cumulative for the run — the sums over the
stages of the Spark jobs in the run's job group — so a later sample never has less than an
earlier one. Executor figures (heap, CPU) and the executor counts are point values at
``sampled_at``. The wire form (``to_dict``/``from_dict``) is what drivers send, the store
keeps and the API serves.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any

from stoker.errors import InvalidInput

#: The cumulative aggregates, in the order tables and charts show them.
AGGREGATES = (
    "bytes_read",
    "records_read",
    "bytes_written",
    "records_written",
    "shuffle_bytes_read",
    "shuffle_local_bytes_read",
    "shuffle_bytes_written",
    "completed_stages",
    "completed_tasks",
    "failed_tasks",
    "killed_tasks",
)


@dataclass(frozen=True)
class ExecutorSample:
    """One JVM: ``driver`` or a Spark executor id. Ratios are 0 to 1; None when unknown."""

    executor_id: str
    heap_used_bytes: int
    heap_max_bytes: int | None = None
    cpu_load: float | None = None

    @property
    def heap_usage(self) -> float | None:
        if not self.heap_max_bytes:
            return None
        return self.heap_used_bytes / self.heap_max_bytes


@dataclass(frozen=True)
class SparkSample:
    """A run's figures at ``sampled_at`` (epoch seconds, UTC)."""

    sampled_at: float
    bytes_read: int = 0
    records_read: int = 0
    bytes_written: int = 0
    records_written: int = 0
    #: Local plus remote shuffle bytes read (Glue's shuffleLocalBytesRead is the local part).
    shuffle_bytes_read: int = 0
    shuffle_local_bytes_read: int = 0
    shuffle_bytes_written: int = 0
    completed_stages: int = 0
    completed_tasks: int = 0
    failed_tasks: int = 0
    killed_tasks: int = 0
    #: Executors running tasks (local mode: the driver's own executor counts as one).
    active_executors: int = 0
    #: Executors the run's running and pending tasks need (Glue's numberMaxNeededExecutors).
    max_needed_executors: int = 0
    executors: tuple[ExecutorSample, ...] = ()
    #: The last sample of a run, taken after its script ended.
    final: bool = False

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["executors"] = [asdict(e) for e in self.executors]
        return data

    @classmethod
    def from_dict(cls, data: Any) -> SparkSample:
        """Parse the wire form; raises InvalidInput naming the field that is wrong."""
        if not isinstance(data, dict):
            raise InvalidInput(f"a Spark sample must be an object, not {type(data).__name__}")
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise InvalidInput(f"unknown field(s) in Spark sample: {', '.join(unknown)}")
        values: dict[str, Any] = {}
        for name in (*AGGREGATES, "active_executors", "max_needed_executors"):
            if name in data:
                values[name] = _count(name, data[name])
        if "sampled_at" not in data:
            raise InvalidInput("a Spark sample needs sampled_at (epoch seconds)")
        values["sampled_at"] = _number("sampled_at", data["sampled_at"])
        values["final"] = bool(data.get("final", False))
        raw = data.get("executors", [])
        if not isinstance(raw, list):
            raise InvalidInput("Spark sample executors must be a list")
        values["executors"] = tuple(_executor(i, e) for i, e in enumerate(raw))
        return cls(**values)


@dataclass(frozen=True)
class RunMetricsHistory:
    """A run's stored samples, oldest first."""

    run_id: str
    job_name: str
    samples: list[SparkSample] = field(default_factory=list)


def _count(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidInput(f"Spark sample field {name} must be an integer >= 0, not {value!r}")
    return value


def _number(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise InvalidInput(f"Spark sample field {name} must be a number >= 0, not {value!r}")
    return float(value)


def _executor(index: int, data: Any) -> ExecutorSample:
    where = f"executors[{index}]"
    if not isinstance(data, dict) or not isinstance(data.get("executor_id"), str):
        raise InvalidInput(f"Spark sample {where} must be an object with a string executor_id")
    unknown = sorted(set(data) - {f.name for f in fields(ExecutorSample)})
    if unknown:
        raise InvalidInput(f"unknown field(s) in Spark sample {where}: {', '.join(unknown)}")
    heap_max = data.get("heap_max_bytes")
    cpu = data.get("cpu_load")
    return ExecutorSample(
        executor_id=data["executor_id"],
        heap_used_bytes=_count(f"{where}.heap_used_bytes", data.get("heap_used_bytes", 0)),
        heap_max_bytes=None if heap_max is None else _count(f"{where}.heap_max_bytes", heap_max),
        cpu_load=None if cpu is None else _number(f"{where}.cpu_load", cpu),
    )
