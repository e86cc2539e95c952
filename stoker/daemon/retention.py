"""Log retention: removes run log directories older than ``logs.retention_days``."""

from __future__ import annotations

import asyncio
import logging
import shutil
import time
from pathlib import Path

from stoker.aio import Blocking
from stoker.errors import NotFound
from stoker.store.runs import RunStore
from stoker.tasks import wait_any

log = logging.getLogger(__name__)
SWEEP_INTERVAL_SECONDS = 3600.0


def prune(runs_dir: Path, runs: RunStore, retention_days: int, now: float) -> int:
    """Delete log dirs untouched for ``retention_days`` whose run has ended (or is unknown).

    A live run's logs are never removed, however old: a run may be quiet for days.
    """
    if not runs_dir.is_dir():
        return 0
    cutoff = now - retention_days * 86400
    removed = 0
    for path in runs_dir.iterdir():
        if not path.is_dir() or path.stat().st_mtime > cutoff:
            continue
        try:
            if runs.get(path.name).state.live:
                continue
        except NotFound:
            pass
        shutil.rmtree(path, ignore_errors=True)
        removed += 1
    return removed


def prune_files(root: Path, retention_days: int, now: float) -> int:
    """Delete files under ``root`` (one level of folders, e.g. an EVENT trigger's batch
    payload files) untouched for ``retention_days``; their runs have long started."""
    if not root.is_dir():
        return 0
    cutoff = now - retention_days * 86400
    removed = 0
    for path in root.glob("*/*"):
        if path.is_file() and path.stat().st_mtime <= cutoff:
            path.unlink(missing_ok=True)
            removed += 1
    return removed


async def retention_loop(
    runs_dir: Path,
    runs: RunStore,
    io: Blocking,
    retention_days: int,
    stop: asyncio.Event,
    events_dir: Path | None = None,
) -> None:
    """Sweep at start and then hourly until ``stop`` is set."""
    while not stop.is_set():
        removed = await io(prune, runs_dir, runs, retention_days, time.time())
        if events_dir is not None:
            removed += await io(prune_files, events_dir, retention_days, time.time())
        if removed:
            log.info(
                "old run logs removed",
                extra={"action": "logs.pruned", "count": removed, "days": retention_days},
            )
        await wait_any(stop, timeout=SWEEP_INTERVAL_SECONDS)
