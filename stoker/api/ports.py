"""The services the HTTP API needs from the daemon, as structural Protocols."""

from __future__ import annotations

from pathlib import Path
from typing import Literal, Protocol

from stoker.domain.events import OutboxEvent
from stoker.domain.jobs import Job
from stoker.domain.runs import JobRun
from stoker.domain.states import RunState

LogStream = Literal["stdout", "stderr"]


class JobCatalog(Protocol):
    """Job definitions and their scripts."""

    async def create_job(self, job: Job, script: str | None) -> Job:
        """Store a new job. When ``script`` is given it goes to the daemon's script store and
        the service sets ``script_location`` (the API then passes ``script_location=""``).

        Raises Conflict if the name exists, InvalidInput on a bad definition or an
        unreadable ``script_location``.
        """
        ...

    async def update_job(self, job: Job, script: str | None) -> Job:
        """Replace the whole definition (Glue UpdateJob); NotFound if missing."""
        ...

    async def get_job(self, name: str) -> Job:
        """NotFound if missing."""
        ...

    async def list_jobs(self, limit: int, after: str | None) -> list[Job]:
        """Jobs ordered by name with names > ``after``, at most ``limit``."""
        ...

    async def delete_job(self, name: str) -> None:
        """NotFound if missing; the job's run history stays readable."""
        ...

    async def get_script(self, name: str) -> str:
        """The script's content; NotFound if the job is missing."""
        ...

    async def put_script(self, name: str, script: str) -> Job:
        """Store new script content for the job; returns the updated job."""
        ...


class RunService(Protocol):
    """Starting, stopping and reading job runs."""

    async def start_run(
        self,
        job_name: str,
        arguments: dict[str, str],
        *,
        timeout: int | None = None,
        notify_delay_after: int | None = None,
        queuing: bool | None = None,
        triggered_by: str = "manual",
    ) -> JobRun:
        """Raises NotFound, InvalidInput, ConcurrentRunsExceeded, ShuttingDown."""
        ...

    async def stop_run(self, run_id: str) -> JobRun:
        """NotFound; InvalidTransition if the run is already terminal."""
        ...

    async def get_run(self, run_id: str) -> JobRun:
        """NotFound if missing."""
        ...

    async def list_runs(
        self,
        *,
        job_name: str | None,
        state: RunState | None,
        limit: int,
        before_seq: int | None,
    ) -> list[JobRun]:
        """Newest first (seq descending), seq < ``before_seq``."""
        ...

    def log_path(self, run_id: str, stream: LogStream) -> Path:
        """Where the run's stream is (or will be) written; the file may not exist yet."""
        ...


class EventLog(Protocol):
    """The event outbox, read-only."""

    async def list_events(
        self, *, pending: bool | None, limit: int, after_seq: int | None
    ) -> list[OutboxEvent]:
        """Oldest first (seq ascending), seq > ``after_seq``; ``pending`` filters on sent_on."""
        ...


class ApiServices(Protocol):
    """Everything the API reaches; the daemon's composition root provides it.

    Members are read-only properties so that a plain attribute holding any concrete
    implementation satisfies the Protocol (a settable member would be invariant).
    """

    @property
    def jobs(self) -> JobCatalog: ...

    @property
    def runs(self) -> RunService: ...

    @property
    def events(self) -> EventLog: ...

    @property
    def accepting_runs(self) -> bool:
        """False while the daemon shuts down: new runs are refused with ShuttingDown."""
        ...
