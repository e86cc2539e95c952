"""Per-run output files: where they live and getting them ready before a run writes.

Everything here is private to the daemon's user: directories 0700, files 0600.
"""

from __future__ import annotations

import os
from pathlib import Path

from stoker.executors.base import RunSpec
from stoker.executors.private import open_private, private_dir


def prepare_run_logs(spec: RunSpec) -> None:
    """Create the directories of the run's stdout/stderr logs."""
    private_dir(spec.stdout_path.parent)
    if spec.stderr_path.parent != spec.stdout_path.parent:
        private_dir(spec.stderr_path.parent)


def open_log(path: Path) -> int:
    """An append-only descriptor on a private log file."""
    return open_private(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND)


def result_path(spec: RunSpec) -> Path:
    """Where a process-per-run entry writes its outcome (JSON), next to the run's logs."""
    return spec.stdout_path.parent / f"{spec.run_id}.result.json"


def metrics_path(spec: RunSpec) -> Path:
    """Where a Spark entry appends the run's samples (JSON lines), next to its result."""
    return spec.stdout_path.parent / f"{spec.run_id}.metrics.jsonl"


def launch_path(spec: RunSpec) -> Path:
    """The run's private launch file (removed by the entry once read)."""
    return spec.stdout_path.parent / f"{spec.run_id}.launch.json"


def properties_path(spec: RunSpec) -> Path:
    """The run's private spark-submit properties file (removed once the JVM read it)."""
    return spec.stdout_path.parent / f"{spec.run_id}.spark.properties"


def driver_log_path(drivers_dir: Path, serial: int) -> Path:
    """A pool driver's own log (JVM and driver messages outside runs)."""
    private_dir(drivers_dir)
    return drivers_dir / f"driver-{serial}.log"


def tail(path: Path, max_bytes: int = 2000) -> str:
    """The last bytes of a log file, for error messages; empty if it does not exist."""
    try:
        with path.open("rb") as fh:
            fh.seek(0, 2)
            size = fh.tell()
            fh.seek(max(0, size - max_bytes))
            return fh.read().decode("utf-8", errors="replace")
    except OSError:
        return ""
