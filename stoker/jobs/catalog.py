"""The job catalog: job definitions and their scripts (a content-addressed script store)."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from pathlib import Path

from stoker.aio import Blocking
from stoker.domain.jobs import Job, JobCursor, JobFilter, validate_job, validate_job_name
from stoker.domain.limits import script_bytes
from stoker.domain.retention import LogRetention
from stoker.domain.runs import JobActivity
from stoker.errors import InvalidInput, NotFound
from stoker.jobs.s3scripts import is_s3, read_s3_script
from stoker.jobs.scripts import ScriptRoots
from stoker.store.jobs import JobStore

_EVERY_JOB = JobFilter()


class JobCatalog:
    """Validates definitions, keeps scripts under ``<data_dir>/scripts/<job>/<sha>.py``.

    A script is never overwritten: each new content gets its own file and the job points at
    it, so a run always executes the script as it was when the run was created.
    """

    def __init__(
        self,
        *,
        jobs: JobStore,
        io: Blocking,
        scripts_dir: Path,
        clock: Callable[[], datetime],
        roots: ScriptRoots | None = None,
        s3_buckets: Mapping[str, str] | None = None,
        default_log_retention: LogRetention,
    ) -> None:
        self._jobs = jobs
        #: logs.retention_days, shown with each job that sets no log_retention_days.
        self.default_log_retention = default_log_retention
        #: [glue] s3_buckets: where an ``s3://`` script_location is read when a job is defined.
        self._s3 = dict(s3_buckets or {})
        self._io = io
        self._scripts = scripts_dir
        self._clock = clock
        #: Where script_location may point: the script store, plus daemon.script_roots.
        self.roots = roots or ScriptRoots(scripts_dir)

    async def create_job(self, job: Job, script: str | None) -> Job:
        job = self.prepare(job, script)
        return await self._io(self._jobs.create, job, self._clock())

    async def update_job(self, job: Job, script: str | None) -> Job:
        await self.get_job(job.name)
        job = self.prepare(job, script)
        return await self._io(self._jobs.replace, job, self._clock())

    async def get_job(self, name: str) -> Job:
        validate_job_name(name)
        return await self._io(self._jobs.get, name)

    async def list_jobs(
        self, limit: int, after: str | JobCursor | None, where: JobFilter = _EVERY_JOB
    ) -> list[Job]:
        return await self._io(self._jobs.list_jobs, limit, after, where)

    async def activity(self, names: Sequence[str]) -> dict[str, JobActivity]:
        return await self._io(self._jobs.activity, names)

    async def delete_job(self, name: str) -> None:
        validate_job_name(name)
        await self._io(self._jobs.delete, name)

    async def get_script(self, name: str) -> str:
        job = await self.get_job(name)
        self.roots.check(job.script_location)
        try:
            return Path(job.script_location).read_text(encoding="utf-8")
        except OSError as exc:
            raise NotFound(
                f"script of job {name!r} at {job.script_location} cannot be read: {exc.strerror}",
                field="command.script_location",
                value=job.script_location,
            ) from exc

    async def put_script(self, name: str, script: str) -> Job:
        job = await self.get_job(name)
        location = self._store_script(name, script)
        return await self._io(
            self._jobs.replace, replace(job, script_location=location), self._clock()
        )

    def prepare(self, job: Job, script: str | None) -> Job:
        """Validate a definition and store its script; the job is not written."""
        validate_job_name(job.name)
        if script is None and is_s3(job.script_location):
            script = read_s3_script(job.script_location, self._s3)
        if script is not None:
            job = replace(job, script_location=self._store_script(job.name, script))
        validate_job(job)
        _check_readable(job.script_location, self.roots)
        return job

    def _store_script(self, job_name: str, script: str) -> str:
        data = script_bytes(script)
        digest = hashlib.sha256(data).hexdigest()[:16]
        path = self._scripts / job_name / f"{digest}.py"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".tmp{os.getpid()}")
            tmp.write_bytes(data)
            tmp.replace(path)
        return str(path)


def _check_readable(location: str, roots: ScriptRoots) -> None:
    path = Path(location)
    if not path.is_absolute():
        raise InvalidInput(
            f"command.script_location {location[:300]!r} must be an absolute path on the "
            "daemon's machine (or send the script's content instead)",
            field="command.script_location",
            value=location,
        )
    roots.check(location)
    if not path.is_file() or not os.access(path, os.R_OK):
        raise InvalidInput(
            f"command.script_location {location} does not exist or is not a readable file "
            "on the daemon's machine",
            field="command.script_location",
            value=location,
        )
