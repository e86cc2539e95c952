"""The unauthenticated liveness route: /health."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from stoker.api.deps import Services
from stoker.api.schemas.health import HealthOut, PoolHealthOut, TaskOut
from stoker.tasks import TaskState

router = APIRouter(tags=["health"])
_DOWN = (TaskState.RESTARTING, TaskState.FAILED)


@router.get("/health", responses={503: {"model": HealthOut, "description": "A critical "
                                        "background task is down."}})  # fmt: skip
async def health(request: Request, response: Response, services: Services) -> HealthOut:
    """Is the daemon up, which version, does it accept new runs, how its background tasks
    are, and can the warm pool start its drivers (``pool.healthy``; ``pool.last_failure``
    says why not). 503 while a critical task is down; "degraded" while a task that is not
    critical is down or the pool cannot start drivers (python shell runs still work)."""
    tasks = {t.name: TaskOut(state=t.state, critical=t.critical, crashes=t.crashes)
             for t in services.tasks}  # fmt: skip
    pool = services.pool_health()
    down = [t for t in tasks.values() if t.state in _DOWN]
    status = "ok"
    if any(t.critical for t in down):
        status = "down"
        response.status_code = 503
    elif down or (pool is not None and not pool.healthy):
        status = "degraded"
    return HealthOut(
        status=status, version=request.app.version, accepting_runs=services.accepting_runs,
        tasks=tasks, pool=PoolHealthOut.of(pool) if pool is not None else None,
        member_id=services.cluster.member_id, leases=services.cluster.leases_held(),
    )  # fmt: skip
