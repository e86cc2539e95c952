"""The cluster route: /cluster, the members of the installation and who holds which lease."""

from __future__ import annotations

from fastapi import APIRouter

from stoker.api.deps import Services
from stoker.api.schemas.cluster import ClusterOut

router = APIRouter(tags=["cluster"])


@router.get("/cluster")
async def cluster_status(services: Services) -> ClusterOut:
    """The daemons sharing this installation's database: each one's heartbeat age (database
    clock), whether it is alive, its pool capacity and busy drivers, its live runs; and each
    lease's holder, fencing token and expiry. On SQLite: this daemon alone, holding the lease."""
    return ClusterOut.of(await services.cluster.status())
