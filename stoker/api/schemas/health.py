"""Wire model of /health."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from stoker.executors.pool.health import PoolHealth, PoolState
from stoker.tasks import TaskState


class TaskOut(BaseModel):
    state: TaskState
    #: Down (restarting or failed) makes the daemon unhealthy: 503.
    critical: bool
    #: Crashes since the daemon started.
    crashes: int


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
    #: "down": a critical task is restarting or failed (answered with 503); "degraded": a
    #: task that is not critical is.
    status: Literal["ok", "degraded", "down"] = "ok"
    version: str
    accepting_runs: bool
    #: Each supervised background task of the daemon, by name.
    tasks: dict[str, TaskOut] = Field(default_factory=dict)
    pool: PoolHealthOut | None = None
    #: This daemon's cluster member id, and the leases it holds (on SQLite: "singleton").
    member_id: str | None = None
    leases: list[str] = Field(default_factory=list)
