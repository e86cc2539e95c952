"""Per-run output files: where they live and getting them ready before a run writes."""

from __future__ import annotations

from pathlib import Path

from stoker.executors.base import RunSpec


def prepare_run_logs(spec: RunSpec) -> None:
    """Create the parent directories of the run's stdout/stderr logs."""
    spec.stdout_path.parent.mkdir(parents=True, exist_ok=True)
    if spec.stderr_path.parent != spec.stdout_path.parent:
        spec.stderr_path.parent.mkdir(parents=True, exist_ok=True)


def result_path(spec: RunSpec) -> Path:
    """Where a process-per-run entry writes its outcome (JSON), next to the run's logs."""
    return spec.stdout_path.parent / f"{spec.run_id}.result.json"


def driver_log_path(drivers_dir: Path, serial: int) -> Path:
    """A pool driver's own log (JVM and driver messages outside runs)."""
    drivers_dir.mkdir(parents=True, exist_ok=True)
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
