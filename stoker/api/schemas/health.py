"""Wire model of /health."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from stoker.tasks import TaskState


class TaskOut(BaseModel):
    state: TaskState
    #: Down (restarting or failed) makes the daemon unhealthy: 503.
    critical: bool
    #: Crashes since the daemon started.
    crashes: int


class HealthOut(BaseModel):
    #: "down": a critical task is restarting or failed (answered with 503); "degraded": a
    #: task that is not critical is.
    status: Literal["ok", "degraded", "down"] = "ok"
    version: str
    accepting_runs: bool
    #: Each supervised background task of the daemon, by name.
    tasks: dict[str, TaskOut] = Field(default_factory=dict)
