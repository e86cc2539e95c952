"""POST /jobs/generate: Glue's "Add job" with a generated script (source, mapping, target)."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from stoker.api.deps import Services
from stoker.api.schemas.catalog import GenerateIn, GenerateOut, MappingOut, columns_io
from stoker.api.schemas.common import ErrorOut
from stoker.api.schemas.jobs import job_out
from stoker.domain.jobs import ExecutorKind, Job, validate_job, validate_job_name

router = APIRouter(prefix="/jobs", tags=["jobs"], responses={
    400: {"model": ErrorOut}, 404: {"model": ErrorOut}, 409: {"model": ErrorOut}})  # fmt: skip


@router.post("/generate", status_code=status.HTTP_201_CREATED)
async def generate_job(body: GenerateIn, services: Services, response: Response) -> GenerateOut:
    """Infer the source's columns, map them (kept, renamed, retyped or dropped by
    ``mappings``), write a Glue-style script and create the job with it; ``dry_run`` only
    answers what would be created (200)."""
    validate_job_name(body.name)
    generated = await services.catalog.generate(
        body.source, body.target, body.mappings, source_format=body.source_format,
        source_options=body.source_format_options, target_format=body.target_format,
        partition_keys=body.partition_keys,
    )  # fmt: skip
    description = body.description or (
        f"generated: {generated.source.describe()} -> {generated.target.describe()}")
    job = Job(name=body.name, script_location="<generated script>",
              description=description[:2048], executor=ExecutorKind(body.executor))
    validate_job(job)
    created = None
    if body.dry_run:
        response.status_code = status.HTTP_200_OK
    else:
        created = job_out(await services.jobs.create_job(
            Job(name=job.name, script_location="", description=job.description,
                executor=job.executor), generated.script))  # fmt: skip
    return GenerateOut(
        job=created, script=generated.script, columns=columns_io(generated.columns),
        mappings=[MappingOut(**m.to_dict()) for m in generated.mappings],
    )  # fmt: skip
