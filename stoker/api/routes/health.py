"""The unauthenticated liveness route: /health."""

from __future__ import annotations

from fastapi import APIRouter, Request

from stoker.api.deps import Services
from stoker.api.schemas.health import HealthOut, PoolHealthOut

router = APIRouter(tags=["health"])


@router.get("/health")
async def health(request: Request, services: Services) -> HealthOut:
    """Is the daemon up, which version, does it accept new runs, and can the warm pool
    start its drivers (``pool.healthy``; ``pool.last_failure`` says why not)."""
    pool = services.pool_health()
    return HealthOut(
        version=request.app.version,
        accepting_runs=services.accepting_runs,
        pool=PoolHealthOut.of(pool) if pool is not None else None,
    )
