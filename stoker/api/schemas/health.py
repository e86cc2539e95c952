"""Wire model of /health."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

from stoker.executors.pool.health import PoolHealth, PoolState


class PoolHealthOut(BaseModel):
    """The warm pool: ``healthy`` is false while it is degraded or failing."""

    state: PoolState
    healthy: bool
    size: int
    idle: int
    busy: int
    starting: int
    #: Driver starts that failed since the last one that succeeded.
    failures: int
    #: Why the last driver start failed (e.g. Java is missing, and how to get it).
    last_failure: str | None

    @classmethod
    def of(cls, health: PoolHealth) -> PoolHealthOut:
        return cls(
            state=health.state, healthy=health.healthy, size=health.size, idle=health.idle,
            busy=health.busy, starting=health.starting, failures=health.failures,
            last_failure=health.last_failure,
        )  # fmt: skip


class HealthOut(BaseModel):
    status: Literal["ok"] = "ok"
    version: str
    accepting_runs: bool
    pool: PoolHealthOut | None = None
