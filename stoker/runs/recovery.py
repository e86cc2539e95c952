"""Settles runs a previous daemon left live, so no run stays live with nobody running it."""

from __future__ import annotations

import logging

from stoker.aio import Blocking
from stoker.domain.states import RunState
from stoker.runs.service import RunService
from stoker.store.runs import RunStore

log = logging.getLogger(__name__)

LOST = "lost when the daemon stopped: the process running it is gone"
STOPPED_WHILE_DOWN = "the daemon stopped while the run was stopping"


async def recover(runs: RunStore, service: RunService, io: Blocking) -> dict[str, int]:
    """At start, before any new run: STARTING/RUNNING → ERROR (retried if attempts are
    left), STOPPING → STOPPED. WAITING runs stay queued for the dispatcher."""
    counts = {"errored": 0, "stopped": 0, "waiting": 0}
    for run in await io(runs.live):
        if run.state is RunState.WAITING:
            counts["waiting"] += 1
            continue
        if run.state is RunState.STOPPING:
            await service.settle(run, RunState.STOPPED, STOPPED_WHILE_DOWN)
            counts["stopped"] += 1
        else:
            await service.settle(run, RunState.ERROR, LOST)
            counts["errored"] += 1
        log.warning(
            "settled run left by a previous daemon",
            extra={
                "action": "recovery.settled",
                "run_id": run.id,
                "job": run.job_name,
                "was": run.state.value,
            },
        )
    return counts
