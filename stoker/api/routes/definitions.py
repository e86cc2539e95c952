"""Jobs as code: POST /apply makes a set of definitions true, GET /export reads them all."""

from __future__ import annotations

from dataclasses import replace

from fastapi import APIRouter

from stoker.api.deps import Services
from stoker.api.ports import ApiServices
from stoker.api.routes.jobs import checked_job
from stoker.api.routes.triggers import unmask_actions
from stoker.api.schemas.common import ErrorOut
from stoker.api.schemas.definitions import ApplyIn, ApplyReportOut, ExportOut
from stoker.api.schemas.jobs import JobIn, job_out
from stoker.api.schemas.triggers import (
    TriggerCreateIn,
    check_start_on_creation,
    trigger_from_in,
    trigger_out,
)
from stoker.api.secrets import located, refuse_mask, unmask
from stoker.domain.definitions import ApplyReport
from stoker.domain.jobs import Job
from stoker.domain.triggers import Trigger
from stoker.errors import InvalidInput

router = APIRouter(tags=["definitions"], responses={400: {"model": ErrorOut}})

_MAPS = ("default_arguments", "non_overridable_arguments", "spark_conf")


def _job(body: JobIn, current: dict[str, Job]) -> Job:
    if body.name is None:
        raise InvalidInput("name is required", field="name")
    job = checked_job(body, body.name)
    stored = current.get(job.name)
    changes: dict[str, dict[str, str]] = {}
    for name in _MAPS:
        values: dict[str, str] = getattr(job, name)
        if stored is not None:
            values = unmask(values, getattr(stored, name))
        refuse_mask(values, name)
        changes[name] = values
    return replace(job, **changes)  # type: ignore[arg-type]


def _trigger(body: TriggerCreateIn, current: dict[str, Trigger]) -> Trigger:
    if body.name is None:
        raise InvalidInput("name is required", field="name")
    trigger = trigger_from_in(body, body.name)
    check_start_on_creation(trigger, body.start_on_creation)
    stored = current.get(trigger.name)
    if stored is not None:
        trigger = unmask_actions(trigger, stored)
    for i, action in enumerate(trigger.actions):
        refuse_mask(action.arguments, f"actions[{i}].arguments")
    return trigger


def _unique(names: list[str], kind: str) -> None:
    first: dict[str, int] = {}
    for i, name in enumerate(names):
        if name in first:
            raise InvalidInput(
                f"{kind} {name!r} is defined twice ({kind}s[{first[name]}] and {kind}s[{i}])",
                field=f"{kind}s[{i}].name",
                value=name,
            )
        first[name] = i


@router.post("/apply")
async def apply(body: ApplyIn, services: Services) -> ApplyReportOut:
    """Create or update the jobs and triggers given, all or nothing; with ``prune``, delete
    the ones not given. Secrets sent as '****' keep their stored values; a new secret
    must be sent in full. A ``field`` in an error indexes the lists sent: "jobs[2].timeout"."""
    report = await apply_document(body, services)
    return ApplyReportOut(
        dry_run=body.dry_run,
        created=report.created,
        updated=report.updated,
        unchanged=report.unchanged,
        deleted=report.deleted,
    )


async def apply_document(body: ApplyIn, services: ApiServices) -> ApplyReport:
    """What POST /apply does with its body; the daemon registers its examples through it."""
    stored_jobs, stored_triggers = await services.definitions.export()
    jobs_now = {j.name: j for j in stored_jobs}
    triggers_now = {t.name: t for t in stored_triggers}
    jobs: list[tuple[Job, str | None]] = []
    for i, job_body in enumerate(body.jobs):
        with located(f"jobs[{i}]"):
            jobs.append((_job(job_body, jobs_now), job_body.script))
    triggers: list[tuple[Trigger, bool]] = []
    for i, trigger_body in enumerate(body.triggers):
        with located(f"triggers[{i}]"):
            triggers.append((_trigger(trigger_body, triggers_now), trigger_body.start_on_creation))
    _unique([j.name for j, _ in jobs], "job")
    _unique([t.name for t, _ in triggers], "trigger")
    return await services.definitions.apply(jobs, triggers, prune=body.prune, dry_run=body.dry_run)


@router.get("/export")
async def export(services: Services) -> ExportOut:
    """Every job and trigger as stored (secret-looking values masked, as everywhere)."""
    jobs, triggers = await services.definitions.export()
    return ExportOut(jobs=[job_out(j) for j in jobs], triggers=[trigger_out(t) for t in triggers])
