"""Wire model of /health."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel


class HealthOut(BaseModel):
    status: Literal["ok"] = "ok"
    version: str
    accepting_runs: bool
