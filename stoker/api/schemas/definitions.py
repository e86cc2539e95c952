"""Wire models of jobs as code: /apply and /export."""

from __future__ import annotations

from pydantic import BaseModel, Field

from stoker.api.schemas.common import StrictModel
from stoker.api.schemas.jobs import JobIn, JobOut
from stoker.api.schemas.triggers import TriggerCreateIn, TriggerOut


class ApplyIn(StrictModel):
    """Definitions to make true, all or nothing. Jobs are JobIn bodies with a name."""

    jobs: list[JobIn] = Field(default_factory=list)
    triggers: list[TriggerCreateIn] = Field(default_factory=list)
    #: Delete the jobs and triggers this request does not name.
    prune: bool = False
    #: Report what would change, change nothing.
    dry_run: bool = False


class ApplyReportOut(BaseModel):
    """Names by kind ("jobs", "triggers") under what apply did, or would do on a dry run."""

    dry_run: bool
    created: dict[str, list[str]]
    updated: dict[str, list[str]]
    unchanged: dict[str, list[str]]
    deleted: dict[str, list[str]]


class ExportOut(BaseModel):
    jobs: list[JobOut]
    triggers: list[TriggerOut]
