"""Table definitions (SQLAlchemy Core); Alembic migrations must produce exactly these."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Dialect,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
)

metadata = MetaData()


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in and out, whatever the backend keeps (SQLite keeps naive text)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store; stoker stores UTC only")
        return value.astimezone(UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)  # type: ignore[no-any-return]
        return value.astimezone(UTC)  # type: ignore[no-any-return]


class Unreadable:
    """Stands for a stored JSON value that does not decode (written by hand or by a bug),
    so one bad row reaches its codec as a value instead of failing the whole query."""

    def __init__(self, error: str) -> None:
        self.error = error

    def __repr__(self) -> str:
        return f"Unreadable({self.error!r})"


class DefinitionJSON(TypeDecorator[Any]):
    """JSON whose undecodable values read as Unreadable (PostgreSQL refuses bad JSON on
    write; SQLite keeps any text)."""

    impl = JSON
    cache_ok = True

    def result_processor(self, dialect: Dialect, coltype: Any) -> Any:
        inner = super().result_processor(dialect, coltype)

        def process(value: Any) -> Any:
            try:
                return inner(value) if inner is not None else value
            except (ValueError, TypeError, RecursionError) as exc:
                return Unreadable(f"{type(exc).__name__}: {str(exc)[:200]}")

        return process


jobs = Table(
    "jobs",
    metadata,
    Column("name", String(255), primary_key=True),
    #: The whole definition (domain Job fields) as JSON; columns below are what SQL filters on.
    Column("definition", DefinitionJSON(), nullable=False),
    Column("max_concurrent_runs", Integer, nullable=False),
    Column("created_on", UTCDateTime(), nullable=False),
    Column("last_modified_on", UTCDateTime(), nullable=False),
    #: The job's newest run (its seq) and that run's state, written by store/runs.py in the
    #: transaction of each insert and state change: the last-run-state filter reads them.
    Column("last_run_seq", Integer, nullable=False, server_default="0"),  # 0: never ran
    Column("last_run_state", String(16)),
    #: The latest ten runs' seqs and states, newest first, kept alike (store/last_runs.py):
    #: what the jobs list shows of each job (migration 0010).
    Column("recent_runs", String(190), nullable=False, server_default=""),
    Index("ix_jobs_last_run_state_name", "last_run_state", "name"),
    # The jobs list's other orders, as keyset pages (then by name).
    Index("ix_jobs_last_modified_name", "last_modified_on", "name"),
    Index("ix_jobs_last_run_seq_name", "last_run_seq", "name"),
)

#: Each job's tags, written with its definition: the tag filter is an index range.
job_tags = Table(
    "job_tags",
    metadata,
    Column("job_name", String(255), primary_key=True),
    Column("key", String(128), primary_key=True),
    Column("value", String(256), nullable=False),
    Index("ix_job_tags_key_value", "key", "value", "job_name"),
)

job_runs = Table(
    "job_runs",
    metadata,
    #: Creation order: FIFO of the WAITING queue and newest-first listing.
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("id", String(80), nullable=False, unique=True),
    Column("job_name", String(255), nullable=False),
    Column("state", String(16), nullable=False),
    Column("attempt", Integer, nullable=False),
    Column("previous_run_id", String(80)),
    Column("triggered_by", String(255), nullable=False),
    Column("arguments", JSON, nullable=False),
    Column("resolved_arguments", JSON, nullable=False),
    Column("timeout", Integer, nullable=False),
    Column("notify_delay_after", Integer),
    Column("executor", String(16), nullable=False),
    Column("max_retries", Integer, nullable=False),
    Column("queuing_enabled", Boolean, nullable=False),
    #: The job definition as it was when the run was created (the run's own copy).
    Column("job_snapshot", JSON, nullable=False),
    Column("started_on", UTCDateTime(), nullable=False),
    Column("last_modified_on", UTCDateTime(), nullable=False),
    Column("running_on", UTCDateTime()),
    Column("completed_on", UTCDateTime()),
    Column("execution_time", Integer, nullable=False, default=0),
    Column("error_message", Text),
    Column("state_detail", Text),
    Column("predecessor_runs", JSON, nullable=False),
    #: Set, with its "Job Run Status" event, when the run outlived notify_delay_after.
    Column("delay_notified", Boolean, nullable=False, server_default=false()),
    #: The cluster member executing the run (migration 0014): a dead member's runs are
    #: settled by the lease holder.
    Column("member_id", String(255)),
    # Each list filter's runs in seq order (keyset pages, newest first, never a sort);
    # started_on for time ranges and the counts by day (migration 0007).
    Index("ix_job_runs_job_state_seq", "job_name", "state", "seq"),
    Index("ix_job_runs_state_seq", "state", "seq"),
    Index("ix_job_runs_job_seq", "job_name", "seq"),
    Index("ix_job_runs_trigger_seq", "triggered_by", "seq"),
    Index("ix_job_runs_started_state", "started_on", "state"),
    Index("ix_job_runs_job_started_state", "job_name", "started_on", "state"),
)

#: Ended runs by the UTC day they started, their end state and job (store/run_counts.py):
#: added to in the transaction a run ends in, so a summary reads days, not runs. Ended
#: states are final, so a run is counted once and never moved between rows.
job_run_day_counts = Table(
    "job_run_day_counts",
    metadata,
    Column("job_name", String(255), primary_key=True),
    Column("day", Date, primary_key=True),
    Column("state", String(16), primary_key=True),
    Column("runs", Integer, nullable=False),
)

#: The same counts over all jobs (a year is 365 x 5 rows whatever the number of jobs).
run_day_counts = Table(
    "run_day_counts",
    metadata,
    Column("day", Date, primary_key=True),
    Column("state", String(16), primary_key=True),
    Column("runs", Integer, nullable=False),
)

outbox = Table(
    "outbox",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("id", String(36), nullable=False, unique=True),
    Column("run_id", String(80)),
    Column("job_name", String(255), nullable=False),
    Column("detail_type", String(64), nullable=False),
    Column("payload", JSON, nullable=False),
    Column("created_on", UTCDateTime(), nullable=False),
    Column("sent_on", UTCDateTime()),
    Index("ix_outbox_sent_on", "sent_on"),
)

triggers = Table(
    "triggers",
    metadata,
    Column("name", String(255), primary_key=True),
    Column("type", String(16), nullable=False),
    Column("state", String(16), nullable=False),
    #: The whole definition (domain Trigger fields) as JSON.
    Column("definition", DefinitionJSON(), nullable=False),
    Column("created_on", UTCDateTime(), nullable=False),
    Column("last_modified_on", UTCDateTime(), nullable=False),
    Column("last_fire_time", UTCDateTime()),
    Column("missed_fires", Integer, nullable=False),
)

#: Which conditional triggers watch which job, for the lookup on every run completion.
trigger_watches = Table(
    "trigger_watches",
    metadata,
    Column("trigger_name", String(255), primary_key=True),
    Column("job_name", String(255), primary_key=True),
    Column("state", String(16), nullable=False),
    Index("ix_trigger_watches_job", "job_name"),
)

#: One row per firing; the unique key is what makes a fire happen at most once.
trigger_fires = Table(
    "trigger_fires",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("trigger_name", String(255), nullable=False),
    Column("fire_key", String(200), nullable=False),
    Column("fired_on", UTCDateTime(), nullable=False),
    Column("run_ids", JSON, nullable=False),
    UniqueConstraint("trigger_name", "fire_key", name="uq_trigger_fires_key"),
)

#: Completions a conditional trigger has seen; consumed when the trigger fires.
trigger_matches = Table(
    "trigger_matches",
    metadata,
    Column("trigger_name", String(255), primary_key=True),
    Column("run_id", String(80), primary_key=True),
    Column("job_name", String(255), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("consumed", Boolean, nullable=False),
)

#: Messages an EVENT trigger matched; the key makes a redelivered message count once.
#: fire_seq is the trigger_fires row that consumed the event (NULL while pending).
trigger_events = Table(
    "trigger_events",
    metadata,
    Column("trigger_name", String(255), primary_key=True),
    Column("topic", String(249), primary_key=True),
    Column("partition", Integer, primary_key=True),
    Column("offset", BigInteger, primary_key=True),
    Column("event_id", String(255), nullable=False),
    Column("payload", JSON, nullable=False),
    Column("received_on", UTCDateTime(), nullable=False),
    Column("fire_seq", Integer),
    Index("ix_trigger_events_pending", "trigger_name", "fire_seq"),
)

#: A run's Spark samples (SparkSample.to_dict() as JSON text), kept after Prometheus forgets.
#: Runs are never deleted, so neither are these; no foreign key: the recorder may write a
#: sample in a transaction of its own, after or apart from the run's.
run_metrics = Table(
    "run_metrics",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("run_id", String(80), nullable=False),
    Column("sampled_at", UTCDateTime(), nullable=False),
    Column("final", Boolean, nullable=False),
    Column("sample", Text, nullable=False),
    Index("ix_run_metrics_run_sampled", "run_id", "sampled_at"),
)

#: Every version of every job's bookmark; the newest per job is its current state. The key
#: (job, version) is what makes a commit compare-and-set. ``elements`` is JSON text: the
#: state of each source by transformation_ctx.
job_bookmarks = Table(
    "job_bookmarks",
    metadata,
    Column("job_name", String(255), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("run", Integer, nullable=False),
    Column("attempt", Integer, nullable=False),
    Column("run_id", String(80)),
    Column("previous_run_id", String(80)),
    Column("action", String(16), nullable=False),
    Column("elements", Text, nullable=False),
    Column("created_on", UTCDateTime(), nullable=False),
    Index("ix_job_bookmarks_run", "job_name", "run_id"),
)

#: The Data Catalog (stoker/datacatalog). Names are lower case; a table's other fields are
#: one JSON text (CatalogTable.fields()), read and written whole like a job's definition.
catalog_databases = Table(
    "catalog_databases",
    metadata,
    Column("name", String(255), primary_key=True),
    Column("description", Text, nullable=False),
    Column("location", Text),
    Column("parameters", Text, nullable=False),
    Column("created_on", UTCDateTime(), nullable=False),
)

catalog_tables = Table(
    "catalog_tables",
    metadata,
    Column("database_name", String(255), primary_key=True),
    Column("name", String(255), primary_key=True),
    Column("definition", Text, nullable=False),
    Column("created_on", UTCDateTime(), nullable=False),
    Column("updated_on", UTCDateTime(), nullable=False),
)

#: A partition is keyed by the sha256 of its values' JSON (values may be long; an index
#: entry may not).
catalog_partitions = Table(
    "catalog_partitions",
    metadata,
    Column("database_name", String(255), primary_key=True),
    Column("table_name", String(255), primary_key=True),
    Column("values_key", String(64), primary_key=True),
    Column("partition_values", Text, nullable=False),
    Column("location", Text),
    Column("created_on", UTCDateTime(), nullable=False),
)

#: Named JDBC connections. The password is read only to hand it to runs.
catalog_connections = Table(
    "catalog_connections",
    metadata,
    Column("name", String(255), primary_key=True),
    Column("url", Text, nullable=False),
    Column("user_name", String(255)),
    Column("password", Text),
    Column("properties", Text, nullable=False),
    Column("description", Text, nullable=False),
    Column("created_on", UTCDateTime(), nullable=False),
)

#: Interactive sessions (docs/sessions.md); their statements live with the session's driver.
interactive_sessions = Table(
    "interactive_sessions",
    metadata,
    Column("id", String(255), primary_key=True),
    Column("state", String(16), nullable=False),
    Column("spec", Text, nullable=False),
    Column("error_message", Text),
    Column("created_on", UTCDateTime(), nullable=False),
    Column("completed_on", UTCDateTime()),
)

#: Roles (docs/security.md): names, URLs and users in ``public``; every secret value in
#: ``secrets``, an AES-256-GCM envelope (base64) sealed by key ``key_id`` of the key ring.
roles = Table(
    "roles",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("description", Text, nullable=False),
    Column("public", Text, nullable=False),
    Column("secrets", Text, nullable=False),
    Column("key_id", String(64), nullable=False),
    Column("created_on", UTCDateTime(), nullable=False),
    Column("last_modified_on", UTCDateTime(), nullable=False),
)

#: Security configurations (Glue's CreateSecurityConfiguration): their settings as JSON.
security_configurations = Table(
    "security_configurations",
    metadata,
    Column("name", String(255), primary_key=True),
    Column("settings", Text, nullable=False),
    Column("created_on", UTCDateTime(), nullable=False),
)

#: The daemons of the installation (PostgreSQL only; migration 0014): each rewrites its row
#: every ``cluster.heartbeat_seconds`` (database clock).
cluster_members = Table(
    "cluster_members",
    metadata,
    Column("member_id", String(255), primary_key=True),
    Column("host", String(255), nullable=False),
    Column("pid", Integer, nullable=False),
    Column("api_url", String(1024), nullable=False),
    Column("started_on", UTCDateTime(), nullable=False),
    Column("heartbeat_on", UTCDateTime(), nullable=False),
    Column("pool_capacity", Integer, nullable=False),
)

#: Leases with fencing: ``token`` grows by one at each acquisition, so a write guarded by
#: (holder, token) fails once another member has taken the lease.
leases = Table(
    "leases",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("holder", String(255), nullable=False),
    Column("token", BigInteger, nullable=False),
    Column("expires_on", UTCDateTime(), nullable=False),
)

#: The audit log (migration 0015): append-only; rows leave only by ``[audit]
#: retention_days``. ``detail`` is small JSON and never holds a secret.
audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", UTCDateTime(), nullable=False),
    Column("principal", String(255), nullable=False),
    Column("role", String(32), nullable=False),
    Column("address", String(255)),
    Column("action", String(64), nullable=False),
    Column("target_kind", String(32), nullable=False),
    Column("target", String(1024)),
    Column("outcome", String(64), nullable=False),
    Column("detail", Text, nullable=False),
    Index("ix_audit_log_at", "at"),
)
