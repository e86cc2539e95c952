"""Log retention: what an ended run leaves behind is deleted once it is past its job's limit.

A run's limit is its job's current ``log_retention_days`` (days or ``never``), else the
daemon's ``logs.retention_days`` (a job that sets none, or a deleted job): counted from
when the run ended. Past it go the run's log directory (sealed logs included: they are
files in it), its Spark metrics samples (run_metrics) and the EVENT batch payload files it
consumed; a payload file consumed by several runs (a trigger with several actions, and
retries) stays until the last of their limits has passed. A live run's data is never
deleted, however old. What belongs to no known run (a log directory or payload file whose
run was never stored) goes when untouched for the daemon's limit, as before per-job limits.

Each sweep logs one line saying what it deleted, per job.
"""

from __future__ import annotations

import asyncio
import logging
import math
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from stoker.aio import Blocking
from stoker.domain.retention import NEVER, LogRetention, cutoff, effective_retention
from stoker.store.retention import RetentionStore, RunAge
from stoker.tasks import wait_any

log = logging.getLogger(__name__)
SWEEP_INTERVAL_SECONDS = 3600.0
#: Whose data nothing ties to a job (a directory or file with no stored run).
UNKNOWN_JOB = ""


@dataclass
class Deleted:
    """What one sweep deleted of one job's runs."""

    log_dirs: int = 0
    metrics_samples: int = 0
    payload_files: int = 0

    def as_dict(self) -> dict[str, int]:
        return {"log_dirs": self.log_dirs, "metrics_samples": self.metrics_samples,
                "payload_files": self.payload_files}  # fmt: skip


@dataclass
class Sweep:
    """One sweep's limits and what it deleted, by job name (UNKNOWN_JOB: no stored run)."""

    store: RetentionStore
    default: LogRetention
    now: datetime
    limits: dict[str, LogRetention] = field(default_factory=dict)
    deleted: dict[str, Deleted] = field(default_factory=dict)

    def limit(self, job_name: str) -> LogRetention:
        return self.limits.get(job_name, self.default)

    def expired(self, run: RunAge) -> bool:
        """Ended, and past its job's limit."""
        if run.live:
            return False
        ended_by = cutoff(self.limit(run.job_name), self.now)
        return ended_by is not None and run.ended_on <= ended_by

    def untouched_long(self, path: Path) -> bool:
        """Belongs to no run, and unchanged for the daemon's limit."""
        ended_by = cutoff(self.default, self.now)
        return ended_by is not None and _mtime(path) <= ended_by.timestamp()

    def of(self, job_name: str) -> Deleted:
        return self.deleted.setdefault(job_name, Deleted())


def sweep(
    store: RetentionStore,
    default: LogRetention,
    now: datetime,
    runs_dir: Path,
    events_dir: Path | None = None,
) -> dict[str, Deleted]:
    """Delete what is past its limit at ``now``; what went, by job name."""
    limits = {name: effective_retention(value, default)
              for name, value in store.job_retention().items()}  # fmt: skip
    state = Sweep(store, default, now, limits)
    prune_log_dirs(state, runs_dir)
    prune_samples(state)
    if events_dir is not None:
        prune_payload_files(state, events_dir)
    return {name: d for name, d in state.deleted.items() if d != Deleted()}


def prune_log_dirs(state: Sweep, runs_dir: Path) -> None:
    """``<logs>/runs/<run id>/`` of runs past their limit."""
    if not runs_dir.is_dir():
        return
    dirs = [path for path in runs_dir.iterdir() if path.is_dir()]
    runs = state.store.runs([path.name for path in dirs])
    for path in dirs:
        run = runs.get(path.name)
        if run is None:
            if not state.untouched_long(path):
                continue
            job_name = UNKNOWN_JOB
        elif state.expired(run):
            job_name = run.job_name
        else:
            continue
        shutil.rmtree(path, ignore_errors=True)
        state.of(job_name).log_dirs += 1


def prune_samples(state: Sweep) -> None:
    """The metrics samples of runs past their limit: one query per distinct limit."""
    by_limit: dict[LogRetention, list[str]] = {}
    for name, limit in state.limits.items():
        if limit != state.default:
            by_limit.setdefault(limit, []).append(name)
    groups: list[tuple[LogRetention, list[str] | None, list[str]]] = [
        (limit, names, []) for limit, names in by_limit.items()
    ]
    # The default's group: every other job, deleted ones included.
    groups.append((state.default, None, [n for names in by_limit.values() for n in names]))
    for limit, names, not_in in groups:
        ended_by = cutoff(limit, state.now)
        if ended_by is None:
            continue
        for page in state.store.runs_with_samples(names, not_in, ended_by):
            job_of = dict(page)
            for run_id, count in state.store.delete_samples(list(job_of)).items():
                state.of(job_of[run_id]).metrics_samples += count


def prune_payload_files(state: Sweep, events_dir: Path) -> None:
    """``<data_dir>/events/<trigger>/<batch>.json`` once every run that consumed it is
    past its limit (counted under the job whose limit passed last)."""
    if not events_dir.is_dir():
        return
    shortest = _shortest(state)
    if shortest is None:
        return
    for trigger_dir in events_dir.iterdir():
        if not trigger_dir.is_dir():
            continue
        # A file is written just before the runs that consume it are created, so none of
        # them ended before it was written: a file younger than the shortest limit stays.
        files = {
            str(path.absolute()): path
            for path in trigger_dir.iterdir()
            if path.is_file() and _mtime(path) <= shortest.timestamp()
        }
        consumers = state.store.consumers(trigger_dir.name, list(files))
        for name, path in files.items():
            runs = consumers.get(name)
            if runs is None:
                if not state.untouched_long(path):
                    continue
                job_name = UNKNOWN_JOB
            elif all(state.expired(run) for run in runs):
                job_name = max(runs, key=lambda r: _expiry(state, r)).job_name
            else:
                continue
            path.unlink(missing_ok=True)
            state.of(job_name).payload_files += 1


def _mtime(path: Path) -> float:
    """When ``path`` last changed; +inf (never old) when it is gone meanwhile, e.g. a batch
    file's partial copy renamed into place as the sweep looked."""
    try:
        return path.stat().st_mtime
    except FileNotFoundError:
        return math.inf


def _shortest(state: Sweep) -> datetime | None:
    """The latest cutoff of any limit in use (None: every limit is never)."""
    cutoffs = [cutoff(limit, state.now) for limit in {state.default, *state.limits.values()}]
    found = [c for c in cutoffs if c is not None]
    return max(found) if found else None


def _expiry(state: Sweep, run: RunAge) -> datetime:
    limit = state.limit(run.job_name)
    assert limit != NEVER  # only runs already past their limit are compared
    return run.ended_on + timedelta(days=limit)


def _report(deleted: dict[str, Deleted]) -> None:
    """One line per sweep that deleted anything: per job, and the totals."""
    total = Deleted()
    for d in deleted.values():
        total.log_dirs += d.log_dirs
        total.metrics_samples += d.metrics_samples
        total.payload_files += d.payload_files
    log.info(
        "retention deleted %d run log dirs, %d metrics samples, %d event payload files",
        total.log_dirs, total.metrics_samples, total.payload_files,
        extra={
            "action": "logs.pruned",
            "jobs": {name or "(no run)": d.as_dict() for name, d in sorted(deleted.items())},
            **total.as_dict(),
        },
    )  # fmt: skip


async def retention_loop(
    store: RetentionStore,
    runs_dir: Path,
    io: Blocking,
    default: LogRetention,
    stop: asyncio.Event,
    events_dir: Path | None = None,
    clock: Callable[[], float] = time.time,
) -> None:
    """Sweep at start and then hourly until ``stop`` is set."""
    while not stop.is_set():
        now = datetime.fromtimestamp(clock(), UTC)
        deleted = await io(sweep, store, default, now, runs_dir, events_dir)
        if deleted:
            _report(deleted)
        await wait_any(stop, timeout=SWEEP_INTERVAL_SECONDS)
