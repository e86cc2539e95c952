"""The daemon's lifecycle: build (stoker.daemon.build), recover, serve, supervise, shut down.

Shutdown order (reverse of start, via the AsyncExitStack): stop intake (schedules, event
triggers; the API refuses new runs, the dispatcher stops dequeuing) → drain running runs
for ``daemon.shutdown_grace_seconds`` → stop the rest, which get ``spark.stop_grace_seconds``
to end before they are abandoned (STOPPED, with the reason) → flush the outbox to Kafka →
stop the API → stop the executors (they kill what is left) → close the database. A second
signal skips the waiting. Whatever is stuck, the process ends within the grace, the stop
grace and ``TEARDOWN_SECONDS`` of the first signal (``FORCED_SECONDS`` of a second one):
the Reaper (stoker.daemon.shutdown) sees to it.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from contextlib import AsyncExitStack
from pathlib import Path

from stoker import __version__
from stoker.api.access import check_rules
from stoker.api.app import close_streams, create_app, create_metrics_app
from stoker.config.settings import Settings
from stoker.daemon.audit_retention import audit_retention_loop
from stoker.daemon.build import Components, build
from stoker.daemon.cluster import Membership, SingletonWork
from stoker.daemon.examples import register_examples
from stoker.daemon.http import ApiServer
from stoker.daemon.ready import cli_command, ready_message
from stoker.daemon.retention import retention_loop
from stoker.daemon.shutdown import TEARDOWN_SECONDS, Reaper
from stoker.daemon.signals import StopRequest
from stoker.daemon.supervisor import Supervisor
from stoker.daemon.systemd import Notifier, watchdog_loop
from stoker.errors import TaskFailed
from stoker.executors.reaper import reap_strays
from stoker.runs.recovery import recover
from stoker.runs.service import RunService
from stoker.tasks import Supervised
from stoker.web import console_router

log = logging.getLogger(__name__)
SHUTDOWN_DETAIL = "stopped because the daemon shut down"


class Daemon:
    def __init__(self, settings: Settings, notifier: Notifier | None = None) -> None:
        self.settings = settings
        self.notifier = notifier or Notifier()

    @property
    def shutdown_bound(self) -> float:
        """Seconds from the first stop request to the end of the process, at most."""
        cfg = self.settings
        return cfg.daemon.shutdown_grace_seconds + cfg.spark.stop_grace_seconds + TEARDOWN_SECONDS

    async def run(self, stop: StopRequest, reaper: Reaper | None = None) -> None:
        """Serve until ``stop`` is requested; raises TaskFailed when a critical task kept
        failing (after the same orderly shutdown)."""

        def fatal(task: str) -> None:
            if reaper is not None:
                reaper.begin()
            stop.fail(task)

        supervisor = Supervisor(fatal)
        async with AsyncExitStack() as stack:
            built = await build(self.settings, stack, supervisor)
            await self._start(stack, built, supervisor)
            loops = self._background(built, supervisor)
            await stop.requested.wait()
            if reaper is not None:
                reaper.begin()  # a stop not from a signal (a failed task) is bounded too
            for halt, loop in loops:
                halt.set()  # and joined at once, so its return is not taken for a crash
                await loop.join()
            await self._stop_intake(built)
            self.notifier.stopping()
            self.notifier.status("draining runs")
            await self._drain(built.services.runs, stop)
        if stop.failed_task is not None:
            raise TaskFailed(
                f"the daemon stopped because its {stop.failed_task} task kept failing",
                field=stop.failed_task,
            )
        log.info("daemon stopped", extra={"action": "daemon.stopped"})

    async def _start(self, stack: AsyncExitStack, built: Components, sup: Supervisor) -> None:
        """Join the cluster, recover, then start serving: the API, the relay, the queue,
        the triggers (on PostgreSQL the lease's holder schedules them)."""
        cfg = self.settings
        membership = built.membership
        if isinstance(membership, Membership):
            await membership.join()  # before recovery: a member is never taken for dead
        await self._recover(built)
        built.run_metrics.seed(await built.io(built.runs.live))
        examples: list[str] = []
        if cfg.daemon.example_jobs_dir is not None:
            examples = await register_examples(built.services, cfg.daemon.example_jobs_dir)
        await self._serve(stack, built, sup)
        if built.relay is not None:
            # Stopped after the drain (the stack unwinds after the body), so the events of
            # the runs stopped at shutdown are flushed too; before the database closes.
            built.relay.start()
            stack.push_async_callback(built.relay.stop)
        built.dispatcher.start()
        await built.services.definitions.check_stored()
        if isinstance(membership, Membership):
            assert built.cluster_store is not None  # built together on PostgreSQL
            membership.start(SingletonWork(membership, built.triggers, built.cluster_store,
                                           built.services.runs, built.io))  # fmt: skip
        else:
            await built.triggers.start()
        stack.push_async_callback(built.triggers.stop)
        if built.events_in is not None:
            await built.events_in.start()
            stack.push_async_callback(built.events_in.stop)
        if isinstance(membership, Membership):
            # Unwinds first, after the drain: the member heartbeats while its runs end.
            stack.push_async_callback(membership.stop)
        self._announce_ready(f"{cfg.api.host}:{cfg.api.port}", examples)

    def _background(
        self, built: Components, sup: Supervisor
    ) -> list[tuple[asyncio.Event, Supervised]]:
        """The daemon's own loops, each with the event that ends it: systemd's watchdog (fed
        only while every critical task is up), log retention and audit retention."""
        cfg = self.settings
        loops: list[tuple[asyncio.Event, Supervised]] = []
        if self.notifier.watchdog_interval() is not None:
            fed = asyncio.Event()
            loops.append((fed, sup.supervise(
                "watchdog", lambda: watchdog_loop(self.notifier, fed, sup.alive)
            )))  # fmt: skip
        swept = asyncio.Event()
        loops.append((swept, sup.supervise(
            "retention",
            lambda: retention_loop(
                built.retention, cfg.logs_dir / "runs", built.io, cfg.logs.retention_days,
                swept, cfg.data_dir / "events",
            ),
        )))  # fmt: skip
        pruned = asyncio.Event()
        loops.append((pruned, sup.supervise(
            "audit-retention",
            lambda: audit_retention_loop(built.services.audit, cfg.audit.retention_days, pruned),
        )))  # fmt: skip
        return loops

    async def _stop_intake(self, built: Components) -> None:
        """Nothing new starts from here on: schedules (the lease goes to another member),
        event triggers, the queue."""
        if isinstance(built.membership, Membership):
            await built.membership.resign()
        await built.triggers.stop()
        if built.events_in is not None:
            await built.events_in.stop()  # before the drain, like the schedules
        await built.dispatcher.stop()

    async def _serve(self, stack: AsyncExitStack, built: Components, sup: Supervisor) -> None:
        """The API, with /metrics on its port or on ``metrics.port`` of its own."""
        cfg = self.settings
        own_port = cfg.metrics.port is not None
        app = create_app(
            built.services, cfg.api, version=__version__,
            metrics_exposition=None if own_port else built.metrics.exposition,
            metrics_auth=cfg.metrics.require_auth, console=console_router(),
            glue=cfg.glue_api, run_credentials=built.credentials,
        )  # fmt: skip
        check_rules(app)
        servers = [
            ApiServer(
                app, cfg.api.host, cfg.api.port, tasks=sup, closing=lambda: close_streams(app)
            )
        ]
        if cfg.metrics.port is not None:
            host = cfg.metrics.host or cfg.api.host
            scrape = create_metrics_app(
                built.metrics.exposition, cfg.api, auth=cfg.metrics.require_auth,
                host=host, port=cfg.metrics.port,
            )  # fmt: skip
            servers.append(ApiServer(scrape, host, cfg.metrics.port, setting="metrics", tasks=sup))
        for server in servers:
            await server.start()
            stack.push_async_callback(server.stop)

    async def _recover(self, built: Components) -> None:
        lineage = built.lineage
        counts = await recover(
            built.runs,
            built.services.runs,
            built.io,
            reap=lambda: reap_strays(lineage),
            member_id=built.runs.member_id,
        )
        if any(counts.values()):
            log.warning("recovered runs", extra={"action": "daemon.recovered", **counts})
        await built.services.sessions.recover()

    def _announce_ready(self, address: str, examples: list[str]) -> None:
        url = self.settings.api_url
        log.info(
            "stoker daemon ready",
            extra={"action": "daemon.ready", "api": address, "version": __version__,
                   "database": self.settings.database_url.split("://", 1)[0],
                   "api_url": url, "docs_url": f"{url}/docs"},
        )  # fmt: skip
        if self.settings.logs.format == "text":
            # For the person at the terminal; a JSON log stays one object per line.
            cli = cli_command(sys.argv[0], Path.cwd())
            print(ready_message(self.settings, cli, examples), file=sys.stderr, flush=True)
        self.notifier.ready()
        self.notifier.status(f"ready; API on {address}")

    async def _drain(self, runs: RunService, stop: StopRequest) -> None:
        """Runs get the grace, then the stop grace; a second signal cuts both short."""
        grace = self.settings.daemon.shutdown_grace_seconds
        if runs.active_count:
            log.info(
                "waiting for running runs",
                extra={"action": "daemon.draining", "runs": runs.active_count, "grace": grace},
            )
        drain = asyncio.create_task(
            runs.drain(grace, SHUTDOWN_DETAIL, stop_grace=self.settings.spark.stop_grace_seconds)
        )
        forced = asyncio.create_task(stop.forced.wait())
        await asyncio.wait([drain, forced], return_when=asyncio.FIRST_COMPLETED)
        forced.cancel()
        if not drain.done():
            drain.cancel()
            await asyncio.wait([drain])
            await runs.abandon(SHUTDOWN_DETAIL)
