"""Settles runs a previous daemon left live, so no run stays live with nobody running it.

What each state becomes is the state table's ``AFTER_RESTART``; the run service writes it
(RunService.settle, a guarded transition).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from stoker.aio import Blocking
from stoker.domain.states import AFTER_RESTART, RunState
from stoker.runs.service import RunService
from stoker.store.runs import RunStore

log = logging.getLogger(__name__)

#: Why a run ended, by the state recovery moves it to.
DETAILS = {
    RunState.ERROR: "lost when the daemon stopped: the process running it is gone",
    RunState.STOPPED: "the daemon stopped while the run was stopping",
}
_COUNTED = {RunState.ERROR: "errored", RunState.STOPPED: "stopped"}


async def recover(
    runs: RunStore, service: RunService, io: Blocking, *, reap: Callable[[], Awaitable[object]]
) -> dict[str, int]:
    """At start, before any new run: first ``reap`` (kill every process an earlier daemon
    left, and return once none is alive: a retry must never run beside its lost attempt),
    then STARTING/RUNNING → ERROR (retried if attempts are left), STOPPING → STOPPED.
    WAITING runs stay queued for the dispatcher."""
    await reap()
    counts = {"errored": 0, "stopped": 0, "waiting": 0}
    for run in await io(runs.live):
        target = AFTER_RESTART.get(run.state)
        if target is None:
            counts["waiting"] += 1
            continue
        await service.settle(run, target, DETAILS[target])
        counts[_COUNTED[target]] += 1
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
