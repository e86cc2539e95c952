"""What a run gets beyond its job's definition, prepared before each launch and settled
after it: its bookmark and catalog files (in its run directory), its role's credentials,
its attempt's Glue keys, and the sealing of its logs by the job's security configuration.

The run service asks for these; it never reads the stores behind them itself.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from stoker.aio import Blocking
from stoker.bookmarks.runs import RunBookmarks
from stoker.datacatalog.runs import RunCatalog
from stoker.domain.bookmarks import BookmarkCommit, bookmark_request
from stoker.domain.jobs import Job
from stoker.domain.runs import JobRun
from stoker.domain.security_configs import SecurityConfiguration
from stoker.errors import StokerError
from stoker.roles.runlogs import RunSecurity
from stoker.roles.runs import RoleGrant, RunRoles
from stoker.runs.credentials import RunCredentials
from stoker.store.runs import RunStore

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Prepared:
    """A launch's share of the context: arguments to add, environment and Hadoop settings
    (secret values: never repr'd), and the job's security configuration."""

    arguments: dict[str, str]
    env: dict[str, str] = field(repr=False)
    hadoop_conf: dict[str, str] = field(repr=False)
    config: SecurityConfiguration | None


@dataclass(frozen=True)
class CannotLaunch:
    """Why the run cannot be launched (it ends LOST with this message)."""

    message: str


class RunContext:
    def __init__(
        self,
        *,
        runs: RunStore,
        io: Blocking,
        logs_dir: Path,
        bookmarks: RunBookmarks | None = None,
        catalog: RunCatalog | None = None,
        credentials: RunCredentials | None = None,
        roles: RunRoles | None = None,
        security: RunSecurity | None = None,
    ) -> None:
        self._runs = runs
        self._io = io
        self._logs_dir = logs_dir
        self._bookmarks = bookmarks
        self._catalog = catalog
        #: Each attempt's AWS credentials for the Glue endpoint, revoked when it ends.
        self._credentials = credentials
        #: The job's role, read at each launch (a role's change reaches later runs only).
        self._roles = roles
        #: The job's security configuration, read at each launch: it seals the run's logs.
        self._security = security

    async def check_bookmark_window(self, job_name: str, run: JobRun) -> None:
        """Before a run is created: its bookmark arguments name a valid window."""
        if self._bookmarks is not None:
            request = bookmark_request(run.resolved_arguments)
            await self._io(self._bookmarks.check_window, job_name, request)

    async def prepare(self, run: JobRun, job: Job) -> Prepared | CannotLaunch:
        run_dir = self.run_dir(run.id)
        try:
            extra = {}
            if self._bookmarks is not None:
                extra.update(await self._io(self._bookmarks.prepare, run, run_dir))
            if self._catalog is not None:
                extra.update(await self._io(self._catalog.prepare, run, run_dir))
        except StokerError as exc:
            return CannotLaunch(f"the run's bookmark or catalog cannot be read: {exc.message}")
        try:
            grant = await self._io(self._roles.grant, job.role) if self._roles else RoleGrant()
            config = await self._security_config(job)
        except StokerError as exc:
            return CannotLaunch(f"the job's role or security configuration cannot be "
                                f"read: {exc.message}")  # fmt: skip
        env = grant.env
        if self._credentials is not None:
            env = {**env, **self._credentials.environment(run.id)}
        return Prepared(extra, env, grant.hadoop_conf, config)

    def attempt_ended(self, run_id: str) -> None:
        """The attempt's Glue keys stop working."""
        if self._credentials is not None:
            self._credentials.revoke(run_id)

    async def seal_logs(self, run_id: str) -> None:
        """Before the end is recorded: a terminal run's logs are sealed. A failure leaves
        them as they are (0600, private) and is logged; the run's outcome stands."""
        if self._security is None:
            return
        try:
            await self._io(self._security.seal_logs, run_id)
        except Exception:
            log.exception("sealing the logs of run %s failed", run_id,
                          extra={"action": "run.logs_seal_failed", "run_id": run_id})  # fmt: skip

    async def sealed_log(self, run_id: str, stream: Literal["stdout", "stderr"]) -> bytes | None:
        """A sealed log decrypted (DecryptionFailed naming the run's security
        configuration); None when it is a plain file."""
        if self._security is None:
            return None
        _, job = await self._io(self._runs.snapshot, run_id)
        found: bytes | None = await self._io(self._security.read, run_id, stream,
                                             job.security_configuration)  # fmt: skip
        return found

    async def apply_catalog(self, run_id: str) -> None:
        """The catalog writes of a run that ended, whatever its outcome (Glue writes the
        catalog with the data, not at commit), before its end is recorded."""
        if self._catalog is not None:
            await self._io(self._catalog.apply_updates, run_id, self.run_dir(run_id))

    async def take_commit(self, run: JobRun) -> BookmarkCommit | None:
        """The bookmark commit a SUCCEEDED run hands over, or None; InvalidInput when the
        script left one that cannot be written."""
        if self._bookmarks is None:
            return None
        found: BookmarkCommit | None = await self._io(
            self._bookmarks.take_commit, run, self.run_dir(run.id)
        )
        return found

    def run_dir(self, run_id: str) -> Path:
        return self._logs_dir / "runs" / run_id

    async def _security_config(self, job: Job) -> SecurityConfiguration | None:
        if self._security is None or job.security_configuration is None:
            return None
        found: SecurityConfiguration | None = await self._io(
            self._security.config_for, job.security_configuration
        )
        return found
