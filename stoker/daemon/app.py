"""The composition root: builds every component explicitly and runs the daemon's lifecycle.

Shutdown order (reverse of start, via the AsyncExitStack): stop intake (API refuses new
runs, dispatcher stops dequeuing) → drain running runs for the grace period → stop the
rest (STOPPED, with the reason) → flush the outbox to Kafka → stop the API → stop the
executors → close the database.
"""

from __future__ import annotations

import asyncio
import logging
import os
from contextlib import AsyncExitStack
from dataclasses import dataclass
from datetime import UTC, datetime

from stoker import __version__
from stoker.aio import Blocking
from stoker.api.app import create_app, create_metrics_app
from stoker.bus import Bus
from stoker.config.settings import Settings
from stoker.daemon.examples import register_examples
from stoker.daemon.http import ApiServer
from stoker.daemon.retention import retention_loop
from stoker.daemon.signals import StopRequest
from stoker.daemon.systemd import Notifier, watchdog_loop
from stoker.definitions.service import Definitions
from stoker.domain.events import EventIdentity
from stoker.domain.jobs import ExecutorKind
from stoker.domain.sparkmetrics import SparkSample
from stoker.executors.base import Executor, SampleSink
from stoker.executors.isolated import IsolatedExecutor
from stoker.executors.lineage import Lineage
from stoker.executors.pool.health import PoolHealth
from stoker.executors.pool.supervisor import WarmPool
from stoker.executors.private import private_dir
from stoker.executors.pyshell import PythonShellExecutor
from stoker.executors.reaper import reap_strays
from stoker.executors.runtime import SparkRuntime
from stoker.jobs.catalog import JobCatalog
from stoker.metrics.collector import RunMetrics, TriggerMetrics
from stoker.metrics.collector import install as install_metrics
from stoker.metrics.history import MetricsHistory
from stoker.metrics.registry import Metrics
from stoker.metrics.spark import SparkMetrics
from stoker.notifications.kafka import KafkaPublisher, make_consumer, make_producer
from stoker.notifications.outbox import EventLog
from stoker.notifications.relay import OutboxRelay
from stoker.runs.dispatcher import Dispatcher
from stoker.runs.recovery import recover
from stoker.runs.service import RunService
from stoker.store.definitions import DefinitionsStore
from stoker.store.engine import Database, upgrade
from stoker.store.event_batches import EventBatchStore
from stoker.store.firing import Firing
from stoker.store.jobs import JobStore
from stoker.store.outbox import OutboxStore
from stoker.store.run_metrics import RunMetricsStore
from stoker.store.runs import RunStore
from stoker.store.triggers import TriggerStore
from stoker.triggers.event import EventTriggers
from stoker.triggers.service import TriggerService

log = logging.getLogger(__name__)
SHUTDOWN_DETAIL = "stopped because the daemon shut down"


def utcnow() -> datetime:
    return datetime.now(UTC)


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
    #: None when no Kafka is configured: events then stay in the outbox.
    relay: OutboxRelay | None = None
    #: None when no Kafka is configured: EVENT triggers then never fire.
    events_in: EventTriggers | None = None


@dataclass
class Services:
    """What the API reaches (satisfies stoker.api.ports.ApiServices)."""

    jobs: JobCatalog
    runs: RunService
    events: EventLog
    triggers: TriggerService
    definitions: Definitions
    metrics_history: MetricsHistory
    #: None when the pool is not a WarmPool (never in the daemon; tests may swap it).
    pool: WarmPool | None = None

    @property
    def accepting_runs(self) -> bool:
        return self.runs.accepting_runs

    def pool_health(self) -> PoolHealth | None:
        return self.pool.health() if self.pool is not None else None


class Daemon:
    def __init__(self, settings: Settings, notifier: Notifier | None = None) -> None:
        self.settings = settings
        self.notifier = notifier or Notifier()

    async def run(self, stop: StopRequest) -> None:
        async with AsyncExitStack() as stack:
            built = await self._build(stack)
            services, dispatcher = built.services, built.dispatcher
            await self._recover(built)
            built.run_metrics.seed(await built.io(built.runs.live))
            if self.settings.daemon.example_jobs_dir is not None:
                await register_examples(services.jobs, self.settings.daemon.example_jobs_dir)
            await self._serve(stack, services, built.metrics)
            if built.relay is not None:
                # Stopped after the drain (the stack unwinds after the body), so the events of
                # the runs stopped at shutdown are flushed too; before the database closes.
                built.relay.start()
                stack.push_async_callback(built.relay.stop)
            dispatcher.start()
            await built.triggers.start()
            stack.callback(built.triggers.stop)
            if built.events_in is not None:
                await built.events_in.start()
                stack.push_async_callback(built.events_in.stop)
            self._announce_ready(f"{self.settings.api.host}:{self.settings.api.port}")
            watchdog = asyncio.create_task(watchdog_loop(self.notifier, stop.requested))
            retention = asyncio.create_task(
                retention_loop(
                    self.settings.logs_dir / "runs", built.runs, built.io,
                    self.settings.logs.retention_days, stop.requested,
                    self.settings.data_dir / "events",
                )
            )  # fmt: skip
            await stop.requested.wait()
            built.triggers.stop()
            if built.events_in is not None:
                await built.events_in.stop()  # intake: before the drain, like the schedules
            self.notifier.stopping()
            self.notifier.status("draining runs")
            await dispatcher.stop()
            await self._drain(services.runs, stop)
            await asyncio.gather(watchdog, retention)
        log.info("daemon stopped", extra={"action": "daemon.stopped"})

    async def _build(self, stack: AsyncExitStack) -> Components:
        cfg = self.settings
        lineage = self._private_files(stack)
        io = Blocking()
        stack.callback(io.close)
        db = Database(cfg.database_url, busy_timeout_ms=cfg.database.busy_timeout_ms)
        stack.callback(db.dispose)
        await io(upgrade, db)
        identity = EventIdentity(
            source=cfg.events.source,
            account=cfg.events.account,
            region=cfg.events.region,
            glue_compatible=cfg.events.glue_compatible,
        )
        jobs = JobStore(db)
        runs = RunStore(db, identity, pool_capacity=cfg.spark.pool_size)
        # Metrics listen on the bus, observe the triggers through a callback passed in here,
        # take the drivers' Spark samples through the executors' sink, and read the
        # components at scrape time (STYLE rule 9).
        metrics = Metrics(__version__)
        observed = TriggerMetrics(metrics)
        history = MetricsHistory(
            RunMetricsStore(db), runs, io, interval_seconds=cfg.metrics.history_interval_seconds
        )
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

        executors = await self._executors(stack, on_sample, lineage)
        bus = Bus()
        service = RunService(
            runs=runs, jobs=jobs, executors=executors, bus=bus, io=io,
            logs_dir=cfg.logs_dir, clock=utcnow, on_delayed=observed.delayed,
            stop_grace_seconds=cfg.spark.stop_grace_seconds,
        )  # fmt: skip
        catalog = JobCatalog(jobs=jobs, io=io, scripts_dir=cfg.data_dir / "scripts", clock=utcnow)
        dispatcher = Dispatcher(
            runs=runs, service=service, bus=bus, io=io, clock=utcnow,
            poll_interval=cfg.daemon.poll_interval_seconds,
        )  # fmt: skip
        trigger_store = TriggerStore(db)
        firing = Firing(db, runs, trigger_store, utcnow, observer=observed)
        # Conditional triggers are evaluated inside the transaction that ends a run.
        runs.on_completion = firing.on_completion
        triggers = TriggerService(
            store=trigger_store, firing=firing, runs=service, io=io, clock=utcnow
        )
        definitions = Definitions(
            store=DefinitionsStore(db, jobs, trigger_store), catalog=catalog,
            trigger_service=triggers, io=io, clock=utcnow,
        )  # fmt: skip
        pool = executors[ExecutorKind.POOL]
        services = Services(
            catalog, service, EventLog(OutboxStore(db), io), triggers, definitions, history,
            pool if isinstance(pool, WarmPool) else None,
        )  # fmt: skip
        relay = self._relay(db, io, bus)
        events_in = self._events_in(db, io, trigger_store, firing, service)
        run_metrics = install_metrics(
            metrics, bus, pool=pool if isinstance(pool, WarmPool) else None,
            relay=relay, consumer=events_in.consumer if events_in is not None else None,
            outbox=OutboxStore(db) if relay is not None else None, clock=utcnow,
        )  # fmt: skip
        return Components(
            services, dispatcher, runs, io, triggers, metrics, run_metrics, lineage,
            relay, events_in,
        )  # fmt: skip

    def _private_files(self, stack: AsyncExitStack) -> Lineage:
        """Whatever the operator's umask, what the daemon creates is its user's alone (the
        database, WAL, scripts, logs, event files); run processes get the operator's umask
        back, so a script's own output is as the operator expects."""
        operator_umask = os.umask(0o077)
        stack.callback(os.umask, operator_umask)
        for directory in (self.settings.data_dir, self.settings.logs_dir):
            if private_dir(directory):
                log.warning(
                    "made %s private to the daemon's user (mode 0700)", directory,
                    extra={"action": "daemon.private_dir", "path": str(directory)},
                )  # fmt: skip
        return Lineage.new(self.settings.data_dir, umask=operator_umask)

    async def _serve(self, stack: AsyncExitStack, services: Services, metrics: Metrics) -> None:
        """The API, with /metrics on its port or on ``metrics.port`` of its own."""
        cfg = self.settings
        own_port = cfg.metrics.port is not None
        app = create_app(
            services, cfg.api, version=__version__,
            metrics_exposition=None if own_port else metrics.exposition,
            metrics_auth=cfg.metrics.require_auth,
        )  # fmt: skip
        servers = [ApiServer(app, cfg.api.host, cfg.api.port)]
        if cfg.metrics.port is not None:
            scrape = create_metrics_app(metrics.exposition, cfg.api, auth=cfg.metrics.require_auth)
            host = cfg.metrics.host or cfg.api.host
            servers.append(ApiServer(scrape, host, cfg.metrics.port, setting="metrics"))
        for server in servers:
            await server.start()
            stack.push_async_callback(server.stop)

    def _relay(self, db: Database, io: Blocking, bus: Bus) -> OutboxRelay | None:
        cfg = self.settings
        if not cfg.kafka.bootstrap_servers:
            return None
        return OutboxRelay(
            OutboxStore(db), KafkaPublisher(cfg.kafka), io=io, clock=utcnow, bus=bus,
            retention_days=cfg.events.outbox_retention_days,
        )  # fmt: skip

    def _events_in(
        self, db: Database, io: Blocking, store: TriggerStore, firing: Firing, runs: RunService
    ) -> EventTriggers | None:
        cfg = self.settings
        if not cfg.kafka.bootstrap_servers:
            return None
        batches = EventBatchStore(db, firing, store, cfg.data_dir / "events")
        # Kafka clients are configured in notifications/kafka.py only; triggers get factories.
        return EventTriggers(
            kafka=cfg.kafka, batches=batches, triggers=store, runs=runs, io=io, clock=utcnow,
            consumer_factory=make_consumer, producer_factory=make_producer,
            observer=firing.observer,
        )  # fmt: skip

    async def _executors(
        self, stack: AsyncExitStack, on_sample: SampleSink, lineage: Lineage
    ) -> dict[ExecutorKind, Executor]:
        spark = self.settings.spark
        logs = self.settings.logs_dir
        metrics = self.settings.metrics
        # Drivers sample often enough for both readers: /metrics and the stored history.
        every = min(metrics.spark_refresh_seconds, metrics.history_interval_seconds)
        interval = every if metrics.spark_enabled else None
        runtime = SparkRuntime()
        pool = WarmPool(
            spark, logs / "drivers", metrics_interval_seconds=interval, on_sample=on_sample,
            lineage=lineage, runtime=runtime,
        )  # fmt: skip
        await pool.open()
        stack.push_async_callback(pool.aclose)
        isolated = IsolatedExecutor(
            spark, metrics_interval_seconds=interval, on_sample=on_sample,
            lineage=lineage, runtime=runtime,
        )  # fmt: skip
        stack.push_async_callback(isolated.aclose)
        pyshell = PythonShellExecutor(stop_grace_seconds=spark.stop_grace_seconds, lineage=lineage)
        stack.push_async_callback(pyshell.aclose)
        submit = spark.spark_submit
        if submit and not (os.path.isfile(submit) and os.access(submit, os.X_OK)):
            log.error(
                "spark.spark_submit = %r is not an executable file: isolated runs end in "
                "ERROR until it is fixed (leave it unset to use the one pyspark ships)", submit,
                extra={"action": "daemon.spark_submit_missing"},
            )  # fmt: skip
        if (problem := await runtime.problem()) is not None:
            log.error(
                "Spark cannot run on this machine: %s. Warm pool and isolated runs end in "
                "ERROR until it is fixed; pythonshell runs are not affected.", problem,
                extra={"action": "daemon.spark_runtime_missing"},
            )  # fmt: skip
        return {
            ExecutorKind.POOL: pool,
            ExecutorKind.ISOLATED: isolated,
            ExecutorKind.PYSHELL: pyshell,
        }

    async def _recover(self, built: Components) -> None:
        lineage = built.lineage
        counts = await recover(
            built.runs, built.services.runs, built.io, reap=lambda: reap_strays(lineage)
        )
        if any(counts.values()):
            log.warning("recovered runs", extra={"action": "daemon.recovered", **counts})

    def _announce_ready(self, address: str) -> None:
        log.info(
            "stoker daemon ready",
            extra={"action": "daemon.ready", "api": address, "version": __version__,
                   "database": self.settings.database_url.split("://", 1)[0]},
        )  # fmt: skip
        self.notifier.ready()
        self.notifier.status(f"ready; API on {address}")

    async def _drain(self, runs: RunService, stop: StopRequest) -> None:
        grace = self.settings.daemon.shutdown_grace_seconds
        if runs.active_count:
            log.info(
                "waiting for running runs",
                extra={"action": "daemon.draining", "runs": runs.active_count, "grace": grace},
            )
        drain = asyncio.create_task(runs.drain(grace, SHUTDOWN_DETAIL))
        forced = asyncio.create_task(stop.forced.wait())
        await asyncio.wait([drain, forced], return_when=asyncio.FIRST_COMPLETED)
        if not drain.done():
            await runs.drain(0, SHUTDOWN_DETAIL)
            await drain
        forced.cancel()
