"""The composition root's wiring: builds every component explicitly, nothing started but the pool.

Each component that runs background work gets the daemon's one Supervisor as its Spawner;
every teardown is pushed on the AsyncExitStack, so shutdown runs in reverse order.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AsyncExitStack
from dataclasses import dataclass
from datetime import UTC, datetime

from stoker import __version__
from stoker.aio import Blocking
from stoker.bookmarks.runs import RunBookmarks
from stoker.bookmarks.service import BookmarkService
from stoker.bus import Bus
from stoker.config.glue import run_endpoint_url
from stoker.config.settings import Settings
from stoker.daemon.cluster import AnyMembership, LocalMembership, Membership, member_info
from stoker.daemon.executors import build_executors, private_files
from stoker.daemon.supervisor import Supervisor
from stoker.datacatalog.runs import RunCatalog
from stoker.datacatalog.service import CatalogService
from stoker.definitions.service import Definitions
from stoker.domain.events import EventIdentity
from stoker.domain.jobs import ExecutorKind
from stoker.domain.sparkmetrics import SparkSample
from stoker.executors.base import SampleSink
from stoker.executors.lineage import Lineage
from stoker.executors.pool.health import PoolHealth
from stoker.executors.pool.supervisor import WarmPool
from stoker.jobs.catalog import JobCatalog
from stoker.jobs.scripts import RootedExecutor, ScriptRoots
from stoker.metrics.collector import RunMetrics, TriggerMetrics
from stoker.metrics.collector import install as install_metrics
from stoker.metrics.history import MetricsHistory
from stoker.metrics.registry import Metrics
from stoker.metrics.spark import SparkMetrics
from stoker.notifications.kafka import KafkaPublisher, make_consumer, make_producer
from stoker.notifications.outbox import EventLog
from stoker.notifications.relay import OutboxRelay
from stoker.roles.audit import AuditService
from stoker.roles.configurations import SecurityConfigService
from stoker.roles.keys import KeyService
from stoker.roles.runlogs import RunSecurity
from stoker.roles.runs import RunRoles
from stoker.roles.service import RoleService
from stoker.runs.credentials import RunCredentials
from stoker.runs.dispatcher import Dispatcher
from stoker.runs.service import RunService
from stoker.security.keyring import load_keyring
from stoker.sessions.service import SessionService
from stoker.store.audit import AuditStore
from stoker.store.bookmarks import BookmarkStore
from stoker.store.cluster import ClusterStore
from stoker.store.datacatalog import CatalogStore
from stoker.store.definitions import DefinitionsStore
from stoker.store.engine import Database, upgrade
from stoker.store.event_batches import EventBatchStore
from stoker.store.firing import Firing
from stoker.store.jobs import JobStore
from stoker.store.outbox import OutboxStore
from stoker.store.retention import RetentionStore
from stoker.store.roles import RoleStore
from stoker.store.run_metrics import RunMetricsStore
from stoker.store.runs import RunStore
from stoker.store.security_configs import SecurityConfigStore
from stoker.store.sessions import SessionStore
from stoker.store.triggers import TriggerStore
from stoker.tasks import TaskStatus
from stoker.triggers.event import EventTriggers
from stoker.triggers.service import TriggerService


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class Services:
    """What the API reaches (satisfies stoker.api.ports.ApiServices)."""

    jobs: JobCatalog
    runs: RunService
    events: EventLog
    triggers: TriggerService
    definitions: Definitions
    metrics_history: MetricsHistory
    supervisor: Supervisor
    bookmarks: BookmarkService
    catalog: CatalogService
    #: Run changes as they happen, for the API's streams.
    run_feed: Bus
    sessions: SessionService
    roles: RoleService
    keys: KeyService
    security_configurations: SecurityConfigService
    #: The cluster as this member sees it (alone, on SQLite).
    cluster: AnyMembership
    #: The append-only record of changes made through the API and the Glue endpoint.
    audit: AuditService
    #: None when the pool is not a WarmPool (never in the daemon; tests may swap it).
    pool: WarmPool | None = None

    @property
    def accepting_runs(self) -> bool:
        return self.runs.accepting_runs

    @property
    def tasks(self) -> Sequence[TaskStatus]:
        return self.supervisor.statuses()

    def pool_health(self) -> PoolHealth | None:
        return self.pool.health() if self.pool is not None else None


@dataclass
class Components:
    """The built daemon, before it starts serving."""

    services: Services
    dispatcher: Dispatcher
    runs: RunStore
    io: Blocking
    triggers: TriggerService
    metrics: Metrics
    #: Keeps the live-state gauges; seeded from the store once recovery has settled the runs.
    run_metrics: RunMetrics
    #: This daemon's tags on its child processes: recovery kills what earlier ones left.
    lineage: Lineage
    #: This daemon among the members (PostgreSQL) or alone (SQLite), and the lease.
    membership: AnyMembership
    #: Members and leases in PostgreSQL (None on SQLite).
    cluster_store: ClusterStore | None
    #: What log retention reads and deletes (daemon/retention.py).
    retention: RetentionStore
    #: None when no Kafka is configured: events then stay in the outbox.
    relay: OutboxRelay | None = None
    #: None when no Kafka is configured: EVENT triggers then never fire.
    events_in: EventTriggers | None = None
    #: The live runs' credentials, which the Glue endpoint accepts.
    credentials: RunCredentials | None = None


async def build(cfg: Settings, stack: AsyncExitStack, supervisor: Supervisor) -> Components:
    """Every component, wired; the database upgraded and the warm pool opened."""
    lineage = private_files(cfg, stack)
    io, db = await _database(cfg, stack)
    # Before anything reads a secret: a missing or too open key file stops the start here.
    ring = load_keyring(cfg.security, cfg.data_dir)
    role_store = RoleStore(db, ring)
    config_store = SecurityConfigStore(db)
    run_security = RunSecurity(config_store, ring, cfg.logs_dir)
    # Runs after every component has stopped its own tasks, before the database closes.
    stack.push_async_callback(supervisor.aclose)
    identity = EventIdentity(
        source=cfg.events.source, account=cfg.events.account, region=cfg.events.region,
        glue_compatible=cfg.events.glue_compatible,
    )  # fmt: skip
    jobs = JobStore(db)
    # On PostgreSQL each run records the member executing it; SQLite has one daemon.
    member_id = None if db.is_sqlite else cfg.cluster.member
    runs = RunStore(db, identity, pool_capacity=cfg.spark.pool_size, member_id=member_id)
    # Metrics listen on the bus, observe the triggers through a callback passed in here,
    # take the drivers' Spark samples through the executors' sink, and read the
    # components at scrape time (STYLE rule 9).
    metrics = Metrics(__version__)
    observed = TriggerMetrics(metrics)
    history, on_sample = _history(cfg, stack, db, runs, io, metrics, supervisor)
    executors = await build_executors(cfg, stack, on_sample, supervisor, lineage)
    bus = Bus()
    roots = ScriptRoots(cfg.data_dir / "scripts", cfg.daemon.script_roots)
    credentials = RunCredentials(
        run_endpoint_url(cfg.api.host, cfg.api.port, cfg.glue_api), cfg.events.region
    )
    service = RunService(
        runs=runs, jobs=jobs, bus=bus, io=io, logs_dir=cfg.logs_dir,
        executors={kind: RootedExecutor(e, roots) for kind, e in executors.items()},
        clock=utcnow, on_delayed=observed.delayed, tasks=supervisor,
        stop_grace_seconds=cfg.spark.stop_grace_seconds,
        bookmarks=RunBookmarks(BookmarkStore(db, identity), utcnow),
        catalog=RunCatalog(CatalogStore(db), cfg.glue.s3_buckets, utcnow),
        credentials=credentials, roles=RunRoles(role_store), security=run_security,
    )  # fmt: skip
    catalog = JobCatalog(
        jobs=jobs,
        io=io,
        scripts_dir=cfg.data_dir / "scripts",
        clock=utcnow,
        roots=roots,
        s3_buckets=cfg.glue.s3_buckets,
        default_log_retention=cfg.logs.retention_days,
    )
    dispatcher = Dispatcher(
        service=service,
        bus=bus,
        poll_interval=cfg.daemon.poll_interval_seconds,
        tasks=supervisor,
    )
    trigger_store = TriggerStore(db)
    firing = Firing(db, runs, trigger_store, utcnow, observer=observed)
    # Conditional triggers are evaluated inside the transaction that ends a run.
    runs.on_completion = firing.on_completion
    triggers = TriggerService(
        store=trigger_store, firing=firing, runs=service, io=io, clock=utcnow, tasks=supervisor
    )
    definitions = Definitions(
        store=DefinitionsStore(db, jobs, trigger_store), catalog=catalog,
        trigger_service=triggers, io=io, clock=utcnow,
        on_unloadable=lambda kind: metrics.definitions_unloadable.labels(kind).inc(),
    )  # fmt: skip
    events = EventLog(OutboxStore(db), io)
    pool = executors[ExecutorKind.POOL]
    warm = pool if isinstance(pool, WarmPool) else None
    bookmarks = BookmarkService(store=BookmarkStore(db, identity), jobs=jobs, io=io, clock=utcnow)
    data_catalog = CatalogService(CatalogStore(db), io, utcnow, cfg.glue.s3_buckets)
    sessions = SessionService(
        store=SessionStore(db), jobs=jobs, pool=warm, io=io, clock=utcnow, tasks=supervisor,
        settings=cfg.sessions, credentials=credentials,
    )  # fmt: skip
    # Before the pool closes (the stack unwinds in reverse): sessions end STOPPED first.
    stack.push_async_callback(sessions.aclose)
    runs.pool_reserved = lambda: sessions.held
    cluster_store = None if db.is_sqlite else ClusterStore(db)
    membership = _membership(cfg, cluster_store, io, service, supervisor)
    metrics.cluster_leases_held.set_function(lambda: len(membership.leases_held()))
    services = Services(
        catalog, service, events, triggers, definitions, history, supervisor, bookmarks,
        data_catalog, bus, sessions, RoleService(role_store, io, utcnow),
        KeyService(ring, [role_store, run_security], io),
        SecurityConfigService(config_store, io, utcnow), membership,
        AuditService(AuditStore(db), io, utcnow), warm,
    )  # fmt: skip
    relay = _relay(cfg, db, io, bus, supervisor, holds=lambda: membership.holds)
    events_in = _events_in(cfg, db, io, trigger_store, firing, service, supervisor)
    run_metrics = install_metrics(
        metrics, bus, pool=warm,
        relay=relay, consumer=events_in.consumer if events_in is not None else None,
        outbox=OutboxStore(db) if relay is not None else None, clock=utcnow,
        tasks=supervisor,
    )  # fmt: skip
    return Components(
        services, dispatcher, runs, io, triggers, metrics, run_metrics, lineage, membership,
        cluster_store, RetentionStore(db), relay, events_in, credentials,
    )  # fmt: skip


async def _database(cfg: Settings, stack: AsyncExitStack) -> tuple[Blocking, Database]:
    """The thread boundary and the database, upgraded; both closed last."""
    io = Blocking()
    stack.callback(io.close)
    db = Database(cfg.database_url, busy_timeout_ms=cfg.database.busy_timeout_ms)
    stack.callback(db.dispose)
    await io(upgrade, db)
    return io, db


def _history(
    cfg: Settings,
    stack: AsyncExitStack,
    db: Database,
    runs: RunStore,
    io: Blocking,
    metrics: Metrics,
    supervisor: Supervisor,
) -> tuple[MetricsHistory, SampleSink]:
    """The runs' metrics history (started), and the sink of the drivers' Spark samples."""
    history = MetricsHistory(
        RunMetricsStore(db), runs, io, interval_seconds=cfg.metrics.history_interval_seconds,
        tasks=supervisor,
    )  # fmt: skip
    history.start()
    # Stops after the executors (pushed before them): the final samples of runs stopped
    # at shutdown are flushed too, before the database closes (pushed earlier).
    stack.push_async_callback(history.stop)
    spark_metrics = SparkMetrics(
        metrics, linger_seconds=max(30.0, 3 * cfg.metrics.spark_refresh_seconds)
    )

    def on_sample(run_id: str, job_name: str, sample: SparkSample) -> None:
        spark_metrics.on_sample(run_id, job_name, sample)
        history.record(run_id, job_name, sample)

    return history, on_sample


def _membership(
    cfg: Settings, store: ClusterStore | None, io: Blocking, runs: RunService,
    supervisor: Supervisor,
) -> AnyMembership:  # fmt: skip
    info = member_info(cfg.cluster, cfg.api_url, cfg.spark.pool_size)
    if store is None:
        return LocalMembership(info, cfg.cluster, busy=lambda: runs.active_count)
    return Membership(store, info, cfg.cluster, io, supervisor)


def _relay(
    cfg: Settings, db: Database, io: Blocking, bus: Bus, supervisor: Supervisor,
    holds: Callable[[], bool],
) -> OutboxRelay | None:  # fmt: skip
    if not cfg.kafka.bootstrap_servers:
        return None
    return OutboxRelay(
        OutboxStore(db), KafkaPublisher(cfg.kafka), io=io, clock=utcnow, bus=bus,
        retention_days=cfg.events.outbox_retention_days, tasks=supervisor, holds=holds,
    )  # fmt: skip


def _events_in(
    cfg: Settings,
    db: Database,
    io: Blocking,
    store: TriggerStore,
    firing: Firing,
    runs: RunService,
    supervisor: Supervisor,
) -> EventTriggers | None:
    if not cfg.kafka.bootstrap_servers:
        return None
    batches = EventBatchStore(db, firing, store, cfg.data_dir / "events")
    # Kafka clients are configured in notifications/kafka.py only; triggers get factories.
    return EventTriggers(
        kafka=cfg.kafka, batches=batches, triggers=store, runs=runs, io=io, clock=utcnow,
        consumer_factory=make_consumer, producer_factory=make_producer,
        observer=firing.observer, tasks=supervisor,
    )  # fmt: skip
