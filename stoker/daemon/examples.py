"""Registers the example jobs shipped in examples/ (what `make run` starts with)."""

from __future__ import annotations

import logging
import tomllib
from pathlib import Path

from stoker.domain.jobspec import job_from_dict
from stoker.errors import NotFound, StokerError
from stoker.jobs.catalog import JobCatalog

log = logging.getLogger(__name__)


async def register_examples(catalog: JobCatalog, directory: Path) -> list[str]:
    """Create or update every ``*.toml`` job file in ``directory``; ``script_file`` is read
    relative to the job file. A bad file is logged and skipped, never half-applied."""
    names: list[str] = []
    for path in sorted(directory.glob("*.toml")):
        try:
            names.append(await _register(catalog, path))
        except (OSError, tomllib.TOMLDecodeError, StokerError) as exc:
            log.error(
                "example job file skipped: %s",
                exc,
                extra={"action": "examples.skipped", "file": str(path)},
            )
    return names


async def _register(catalog: JobCatalog, path: Path) -> str:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    script_file = data.pop("script_file", None)
    script = (path.parent / script_file).read_text(encoding="utf-8") if script_file else None
    if script is None and "command" not in data:
        data["command"] = {}
    job = job_from_dict(data)
    try:
        await catalog.get_job(job.name)
    except NotFound:
        await catalog.create_job(job, script)
        log.info("example job registered", extra={"action": "examples.created", "job": job.name})
    else:
        await catalog.update_job(job, script)
        log.info("example job updated", extra={"action": "examples.updated", "job": job.name})
    return job.name
