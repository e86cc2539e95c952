"""The services the HTTP API needs from the daemon, as structural Protocols."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, Literal, Protocol

from stoker.bus import RunChanged
from stoker.datacatalog.infer import Inferred
from stoker.datacatalog.scriptgen import GeneratedScript
from stoker.domain.audit import AuditEntry, AuditFilter
from stoker.domain.bookmarks import BookmarkVersion
from stoker.domain.cluster import ClusterStatus
from stoker.domain.datacatalog import CatalogDatabase, CatalogTable, Connection, Partition
from stoker.domain.definitions import ApplyReport
from stoker.domain.events import OutboxEvent
from stoker.domain.jobs import Job, JobCursor, JobFilter
from stoker.domain.metricsrange import JobMetricsRange
from stoker.domain.retention import LogRetention
from stoker.domain.roles import Role
from stoker.domain.runs import JobActivity, JobRun, RunFilter
from stoker.domain.security_configs import SecurityConfiguration
from stoker.domain.sessions import Session, SessionSpec, Statement
from stoker.domain.sparkmetrics import RunMetricsHistory
from stoker.domain.summary import RunSummary
from stoker.domain.triggers import Trigger
from stoker.executors.pool.health import PoolHealth
from stoker.roles.keys import KeyInfo, Reencrypted
from stoker.tasks import TaskStatus

LogStream = Literal["stdout", "stderr"]


class JobCatalog(Protocol):
    """Job definitions and their scripts."""

    @property
    def default_log_retention(self) -> LogRetention:
        """The daemon's logs.retention_days: what a job without log_retention_days follows."""
        ...

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

    async def list_jobs(
        self, limit: int, after: str | JobCursor | None, where: JobFilter
    ) -> list[Job]:
        """Jobs matching ``where`` in its order after ``after`` (a name, or where the
        previous page ended), at most ``limit``."""
        ...

    async def activity(self, names: Sequence[str]) -> dict[str, JobActivity]:
        """Each named job's newest run and its latest runs' states (up to 10), read in one go."""
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
        retry_of: str | None = None,
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
        self, where: RunFilter, *, limit: int, before_seq: int | None
    ) -> list[JobRun]:
        """Those matching ``where``, newest first (seq descending), seq < ``before_seq``."""
        ...

    async def summary(
        self, since: datetime, until: datetime, job_name: str | None = None
    ) -> RunSummary:
        """Runs started in [since, until) by state and UTC day; InvalidInput for a range
        that is empty or longer than MAX_SUMMARY_DAYS."""
        ...

    def log_path(self, run_id: str, stream: LogStream) -> Path:
        """Where the run's stream is (or will be) written; the file may not exist yet."""
        ...

    async def sealed_log(self, run_id: str, stream: LogStream) -> bytes | None:
        """The stream decrypted when its job's security configuration sealed it (then
        ``log_path`` holds ciphertext); None for a plain file. DecryptionFailed names the
        configuration when the key ring cannot open it."""
        ...


class Bookmarks(Protocol):
    """Jobs' bookmarks: read, and a person's changes. NotFound for a missing job."""

    async def get(self, job_name: str) -> BookmarkVersion: ...

    async def history(
        self, job_name: str, *, limit: int, before_version: int | None
    ) -> list[BookmarkVersion]:
        """Newest first, versions < ``before_version``."""
        ...

    async def reset(self, job_name: str, run_id: str | None = None) -> BookmarkVersion:
        """Reset, or rewind to ``run_id``'s commit (NotFound if it never committed);
        Conflict while a run with job-bookmark-enable is live."""
        ...

    async def set_now(self, job_name: str) -> BookmarkVersion:
        """Conflict while a run with job-bookmark-enable is live."""
        ...


class DataCatalog(Protocol):
    """The Data Catalog. NotFound names the missing database, table or connection (field
    database, table, connection); Conflict an existing name; InvalidInput a bad field.
    Connections come back masked."""

    async def create_database(self, database: CatalogDatabase) -> CatalogDatabase: ...

    async def get_database(self, name: str) -> CatalogDatabase: ...

    async def list_databases(self, limit: int, after: str | None) -> list[CatalogDatabase]: ...

    async def update_database(self, database: CatalogDatabase) -> CatalogDatabase:
        """Replace a database's description, location and parameters; NotFound if missing."""
        ...

    async def delete_database(self, name: str) -> None: ...

    async def create_table(self, table: CatalogTable) -> CatalogTable: ...

    async def put_table(self, table: CatalogTable) -> tuple[CatalogTable, bool]:
        """Create or replace; True when created."""
        ...

    async def get_table(self, database: str, name: str) -> CatalogTable: ...

    async def list_tables(
        self, database: str, limit: int, after: str | None
    ) -> list[CatalogTable]: ...

    async def delete_table(self, database: str, name: str) -> None: ...

    async def add_partitions(
        self, database: str, name: str, partitions: Sequence[Partition]
    ) -> int: ...

    async def list_partitions(
        self, database: str, name: str, limit: int, after: str | None
    ) -> list[tuple[str, Partition]]:
        """(page key, partition) pairs; the key of the last one is the next page's start."""
        ...

    async def create_connection(self, connection: Connection) -> Connection: ...

    async def get_connection(self, name: str) -> Connection: ...

    async def reveal_connection(self, name: str) -> Connection:
        """The connection unmasked (its password included): Glue's GetConnection only."""
        ...

    async def list_connections(self, limit: int, after: str | None) -> list[Connection]: ...

    async def delete_connection(self, name: str) -> None: ...

    async def infer(
        self, path: str, fmt: str | None, options: Mapping[str, Any] | None = None
    ) -> Inferred: ...

    async def infer_into(
        self, path: str, fmt: str | None, database: str, name: str,
        options: Mapping[str, Any] | None = None,
    ) -> tuple[Inferred, CatalogTable]: ...  # fmt: skip

    async def generate(
        self, source: str, target: str, rules: Sequence[str], *,
        source_format: str | None = None, source_options: Mapping[str, Any] | None = None,
        target_format: str | None = None, partition_keys: Sequence[str] = (),
    ) -> GeneratedScript: ...  # fmt: skip


class RunMetricsReader(Protocol):
    """A run's stored Spark samples (its metrics history)."""

    async def get(self, run_id: str) -> RunMetricsHistory:
        """Samples oldest first, including any not yet written; NotFound if no such run."""
        ...

    async def over_range(
        self, job_name: str, since: datetime, until: datetime, count: int
    ) -> JobMetricsRange:
        """The job's runs started in [since, until) as ``count`` points; InvalidInput for a
        bad range or count."""
        ...


class EventLog(Protocol):
    """The event outbox, read-only."""

    async def list_events(
        self, *, pending: bool | None, limit: int, after_seq: int | None
    ) -> list[OutboxEvent]:
        """Oldest first (seq ascending), seq > ``after_seq``; ``pending`` filters on sent_on."""
        ...


class TriggerService(Protocol):
    """Glue's trigger operations. Triggers reach the service validated (validate_trigger)."""

    async def create_trigger(self, trigger: Trigger, *, start_on_creation: bool = False) -> Trigger:
        """Conflict if the name exists; InvalidInput for a bad schedule (field "schedule"),
        a cycle (field "predicate", the cycle's job names in the message), or
        ``start_on_creation`` with an ON_DEMAND trigger (refused, as in Glue)."""
        ...

    async def update_trigger(self, trigger: Trigger) -> Trigger:
        """Replace the definition (Glue UpdateTrigger), keeping its state; NotFound."""
        ...

    async def get_trigger(self, name: str) -> Trigger:
        """NotFound if missing."""
        ...

    async def list_triggers(
        self, *, limit: int, after: str | None, job_name: str | None = None
    ) -> list[Trigger]:
        """Ordered by name, names > ``after``, at most ``limit``; ``job_name`` keeps the
        triggers that start that job or watch it."""
        ...

    async def delete_trigger(self, name: str) -> None:
        """NotFound if missing."""
        ...

    async def set_tags(self, name: str, tags: dict[str, str]) -> Trigger:
        """Replace the trigger's tags and nothing else; NotFound, InvalidInput (field
        "tags") beyond Glue's limits."""
        ...

    async def start_trigger(self, name: str) -> list[JobRun]:
        """Glue StartTrigger: ON_DEMAND fires now and returns the runs started;
        SCHEDULED/CONDITIONAL/EVENT are activated and [] is returned."""
        ...

    async def activate_trigger(self, name: str) -> Trigger: ...

    async def deactivate_trigger(self, name: str) -> Trigger: ...


class Definitions(Protocol):
    """Jobs as code: apply a whole set of definitions at once, and read them all back."""

    async def apply(
        self,
        jobs: list[tuple[Job, str | None]],
        triggers: list[tuple[Trigger, bool]],
        *,
        prune: bool,
        dry_run: bool,
    ) -> ApplyReport:
        """Make the stored jobs and triggers match: all or nothing.

        ``jobs`` are (job, script content or None); with content, ``script_location`` is ""
        as for create_job. ``triggers`` are (trigger, start_on_creation). Secret values the
        client sent back masked were already replaced by the stored ones. InvalidInput's
        field indexes the lists given, e.g. "jobs[2].timeout", "triggers[0].schedule".
        """
        ...

    async def export(self) -> tuple[list[Job], list[Trigger]]:
        """Every job and trigger, each list ordered by name."""
        ...


class RunFeed(Protocol):
    """Where every run creation and change is published in-process (stoker.bus.Bus)."""

    def subscribe(self, listener: Callable[[RunChanged], None]) -> Callable[[], None]:
        """Call ``listener`` on the event loop for each change until the returned function
        is called; the listener must not block."""
        ...


class Sessions(Protocol):
    """Interactive sessions and their statements (stoker.sessions.service). NotFound for an
    unknown session or statement; IllegalSessionState when the session's state forbids the
    request; SessionLimitExceeded when no warm driver is left for a new one."""

    async def create(self, spec: SessionSpec) -> Session: ...

    async def get(self, session_id: str) -> Session: ...

    async def list_sessions(self, limit: int, after: str | None) -> list[Session]:
        """By id, after ``after``."""
        ...

    async def stop(self, session_id: str) -> Session: ...

    async def delete(self, session_id: str) -> None: ...

    async def run_statement(self, session_id: str, code: str) -> int: ...

    async def get_statement(self, session_id: str, statement_id: int) -> Statement: ...

    async def wait_statement(self, session_id: str, statement_id: int, timeout: float) -> Statement:
        """Once it has ended, or as it is after ``timeout`` seconds."""
        ...

    async def list_statements(self, session_id: str) -> list[Statement]: ...

    async def cancel_statement(self, session_id: str, statement_id: int) -> Statement: ...


class Roles(Protocol):
    """Roles (stoker.roles.service): every role comes back masked. NotFound (field
    "role"), Conflict for an existing name, InvalidInput naming the bad field."""

    async def create_role(self, role: Role) -> Role: ...

    async def update_role(self, role: Role) -> Role:
        """Replace it; values given as '****' keep the stored ones."""
        ...

    async def get_role(self, name: str) -> Role: ...

    async def list_roles(self, limit: int, after: str | None) -> list[Role]: ...

    async def delete_role(self, name: str) -> None: ...


class Keys(Protocol):
    """The key ring (stoker.roles.keys): never any key material, ids only."""

    async def list_keys(self) -> list[KeyInfo]: ...

    async def rotate(self) -> str:
        """The new primary key's id; InvalidInput when the ring comes from the environment."""
        ...

    async def reencrypt(self) -> Reencrypted:
        """Everything under the primary key, older keys retired; DecryptionFailed (nothing
        retired) when some item cannot be opened."""
        ...


class SecurityConfigurations(Protocol):
    """Security configurations (stoker.roles.configurations): NotFound (field
    "security_configuration"), Conflict, InvalidInput naming the bad field."""

    async def create(self, config: SecurityConfiguration) -> SecurityConfiguration: ...

    async def get(self, name: str) -> SecurityConfiguration: ...

    async def list_configs(self, limit: int, after: str | None) -> list[SecurityConfiguration]:
        ...

    async def delete(self, name: str) -> None: ...


class ClusterView(Protocol):
    """This daemon among the members of the installation (alone on SQLite)."""

    @property
    def member_id(self) -> str: ...

    def leases_held(self) -> list[str]:
        """The leases this member holds now."""
        ...

    async def status(self) -> ClusterStatus:
        """The members, their heartbeats and runs, and who holds which lease."""
        ...


class AuditLog(Protocol):
    """The append-only record of changes (docs/security.md)."""

    async def record(self, entry: AuditEntry) -> None:
        """Append ``entry``, stamped now (its ``at`` is the service's clock)."""
        ...

    async def list_entries(
        self, where: AuditFilter, *, limit: int, before_id: int | None
    ) -> list[AuditEntry]:
        """Newest first, ids < ``before_id``."""
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
    def triggers(self) -> TriggerService: ...

    @property
    def definitions(self) -> Definitions: ...

    @property
    def metrics_history(self) -> RunMetricsReader: ...

    @property
    def bookmarks(self) -> Bookmarks: ...

    @property
    def catalog(self) -> DataCatalog: ...

    @property
    def run_feed(self) -> RunFeed: ...

    @property
    def sessions(self) -> Sessions: ...

    @property
    def roles(self) -> Roles: ...

    @property
    def keys(self) -> Keys: ...

    @property
    def security_configurations(self) -> SecurityConfigurations: ...

    @property
    def audit(self) -> AuditLog: ...

    @property
    def accepting_runs(self) -> bool:
        """False while the daemon shuts down: new runs are refused with ShuttingDown."""
        ...

    @property
    def tasks(self) -> Sequence[TaskStatus]:
        """The daemon's supervised background tasks and their state (for /health)."""
        ...

    def pool_health(self) -> PoolHealth | None:
        """The warm pool's state and why its last driver failed to start (None: no pool)."""
        ...

    @property
    def cluster(self) -> ClusterView: ...
