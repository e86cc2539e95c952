"""Settles runs a previous daemon left live, so no run stays live with nobody running it.

What each state becomes is the state table's ``AFTER_RESTART``; the run service writes it
(RunService.settle, a guarded transition). At start a daemon settles what its own previous
incarnation left (on SQLite every live run: there is one daemon); in a cluster the lease
holder also settles the runs of members whose heartbeat expired (``settle_orphans``).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from stoker.aio import Blocking
from stoker.domain.states import AFTER_RESTART, RunState
from stoker.errors import InvalidTransition
from stoker.runs.service import RunService
from stoker.store.cluster import ClusterStore
from stoker.store.runs import Fence, RunStore

log = logging.getLogger(__name__)

#: Why a run ended, by the state recovery moves it to.
DETAILS = {
    RunState.ERROR: "lost when the daemon stopped: the process running it is gone",
    RunState.STOPPED: "the daemon stopped while the run was stopping",
}
_COUNTED = {RunState.ERROR: "errored", RunState.STOPPED: "stopped"}


async def recover(
    runs: RunStore, service: RunService, io: Blocking, *, reap: Callable[[], Awaitable[object]],
    member_id: str | None = None,
) -> dict[str, int]:  # fmt: skip
    """At start, before any new run: first ``reap`` (kill every process an earlier daemon
    left, and return once none is alive: a retry must never run beside its lost attempt),
    then STARTING/RUNNING → ERROR (retried if attempts are left), STOPPING → STOPPED.
    WAITING runs stay queued for the dispatcher. With ``member_id`` (a cluster) only that
    member's runs are settled: the others' are theirs, or the lease holder's to settle."""
    await reap()
    counts = {"errored": 0, "stopped": 0, "waiting": 0}
    for run in await io(runs.live):
        target = AFTER_RESTART.get(run.state)
        if target is None:
            counts["waiting"] += 1
            continue
        if member_id is not None and run.member_id != member_id:
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


async def settle_orphans(
    store: ClusterStore, service: RunService, io: Blocking, *, alive_within: float,
    fence: Fence,
) -> int:  # fmt: skip
    """The lease holder's duty: end the live runs no live member executes (their member's
    heartbeat is older than ``alive_within`` seconds) — ERROR "lost with daemon <member>",
    retried as attempts allow; STOPPING → STOPPED. Each write is ``fence``d by the lease's
    token: once another member holds the lease it raises LeaseLost and nothing is written.
    How many runs were settled."""
    settled = 0
    for run in await io(store.orphaned, alive_within):
        target = AFTER_RESTART[run.state]
        member = run.member_id or "unknown (it predates cluster membership)"
        detail = (
            f"lost with daemon {member}: its heartbeat stopped"
            if target is RunState.ERROR
            else f"daemon {member} was lost while the run was stopping"
        )
        try:
            await service.settle(run, target, detail, fence=fence)
        except InvalidTransition:
            continue  # it ended meanwhile
        settled += 1
        log.warning(
            "settled run of a lost daemon",
            extra={"action": "cluster.settled", "run_id": run.id, "job": run.job_name,
                   "was": run.state.value, "member": run.member_id},
        )  # fmt: skip
    return settled
