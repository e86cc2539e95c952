"""The unauthenticated liveness route: /health."""

from __future__ import annotations

from fastapi import APIRouter, Request

from stoker.api.deps import Services
from stoker.api.schemas.health import HealthOut

router = APIRouter(tags=["health"])


@router.get("/health")
async def health(request: Request, services: Services) -> HealthOut:
    """Is the daemon up, which version, and does it accept new runs."""
    return HealthOut(version=request.app.version, accepting_runs=services.accepting_runs)
