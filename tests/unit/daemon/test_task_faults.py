"""A fault injected into each supervised task (a store that raises once, then for ever) under
the daemon's real supervisor: the restart, the counter, the state /health shows, the fatal
stop of a critical task, the watchdog (a real datagram socket) — and runs queued meanwhile
still start. The event triggers' and the warm pool's tasks are in their own packages' tests.
"""

from __future__ import annotations

import asyncio
import os
import socket
import time
from collections.abc import Callable, Coroutine, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.triggers.interval import IntervalTrigger

from stoker.aio import Blocking
from stoker.bus import Bus
from stoker.daemon.retention import retention_loop
from stoker.daemon.systemd import Notifier, watchdog_loop
from stoker.domain.events import EventIdentity, OutboxEvent
from stoker.domain.jobs import Job
from stoker.domain.runs import Exit, Outcome
from stoker.domain.sparkmetrics import SparkSample
from stoker.domain.states import RunState
from stoker.errors import StoreUnavailable
from stoker.executors.fake import Behaviour, FakeExecutor
from stoker.metrics.history import MetricsHistory
from stoker.notifications.relay import OutboxRelay
from stoker.runs.dispatcher import Dispatcher
from stoker.runs.service import RunService
from stoker.store import outbox as outbox_sql
from stoker.store.engine import Database, upgrade
from stoker.store.jobs import JobStore
from stoker.store.outbox import OutboxStore
from stoker.store.runs import RunStore
from stoker.tasks import TaskState
from tests.support.supervision import fast_supervisor, state, until

FOREVER = float("inf")


def run(test: Callable[[], Coroutine[Any, Any, None]]) -> None:
    asyncio.run(asyncio.wait_for(test(), 60))


def now() -> datetime:
    return datetime.now(UTC)


class Faults:
    """``raise_next(n)``: the next n calls raise (FOREVER: all of them); counts the calls."""

    def __init__(self, error: Callable[[], Exception] = lambda: RuntimeError("disk on fire")):
        self.left = 0.0
        self.raised = 0
        self._error = error

    def raise_next(self, times: float) -> None:
        self.left = times

    def check(self) -> None:
        if self.left > 0:
            self.left -= 1
            self.raised += 1
            raise self._error()


@pytest.fixture
def db(tmp_path: Path) -> Any:
    database = Database(f"sqlite:///{tmp_path / 'stoker.db'}")
    upgrade(database)
    yield database
    database.dispose()


# -- the dispatcher (critical) ---------------------------------------------------------------


class FaultyRunStore(RunStore):
    def __init__(self, db: Database) -> None:
        super().__init__(db, EventIdentity(), pool_capacity=10)
        self.faults = Faults()

    def promote_waiting(self, now: datetime) -> Any:
        self.faults.check()
        return super().promote_waiting(now)


async def queue_world(
    db: Database, tmp_path: Path, fatal: list[str]
) -> tuple[Any, RunService, FaultyRunStore, FakeExecutor, Dispatcher, Blocking]:
    sup = fast_supervisor(fatal)
    io = Blocking()
    runs, jobs, bus = FaultyRunStore(db), JobStore(db), Bus()
    fake = FakeExecutor(default=Behaviour.manual())
    service = RunService(
        runs=runs, jobs=jobs, executors={"pool": fake, "pyshell": fake, "isolated": fake},
        bus=bus, io=io, logs_dir=tmp_path / "logs", clock=now, tasks=sup,
    )  # fmt: skip
    dispatcher = Dispatcher(service=service, bus=bus, poll_interval=0.02, tasks=sup)
    jobs.create(Job(name="etl", script_location="etl.py", max_concurrent_runs=1), now())
    dispatcher.start()
    return sup, service, runs, fake, dispatcher, io


@pytest.mark.parametrize("times", [1, 3])
def test_a_crashing_dispatcher_is_restarted_and_the_runs_queued_meanwhile_start(
    db: Database, tmp_path: Path, times: int
) -> None:
    async def test() -> None:
        fatal: list[str] = []
        sup, service, runs, fake, dispatcher, io = await queue_world(db, tmp_path, fatal)
        first = await service.start_run("etl", {})
        queued = await service.start_run("etl", {})
        assert (first.state, queued.state) == (RunState.STARTING, RunState.WAITING)
        await until(lambda: first.id in fake.handles, "the first run started")
        runs.faults.raise_next(times)
        fake.handles[first.id].finish(Exit(Outcome.SUCCEEDED))  # wakes the dispatcher
        await until(lambda: queued.id in fake.handles, "the queued run started")
        assert runs.faults.raised == times
        assert sup.crashes["dispatcher"] == times
        assert state(sup, "dispatcher") is TaskState.OK and sup.alive() and fatal == []
        fake.handles[queued.id].finish(Exit(Outcome.SUCCEEDED))
        await dispatcher.stop()
        await service.drain(0, "test over")
        io.close()

    run(test)


def test_a_dispatcher_that_keeps_failing_fails_and_asks_the_daemon_to_stop(
    db: Database, tmp_path: Path
) -> None:
    async def test() -> None:
        fatal: list[str] = []
        sup, service, runs, _fake, dispatcher, io = await queue_world(db, tmp_path, fatal)
        runs.faults.raise_next(FOREVER)
        await until(lambda: fatal, "the daemon is asked to stop")
        assert fatal == ["dispatcher"] and sup.crashes["dispatcher"] == 5
        assert state(sup, "dispatcher") is TaskState.FAILED
        assert sup.critical_down() == ["dispatcher"] and not sup.alive()
        await dispatcher.stop()  # joins at once
        await service.drain(0, "test over")
        io.close()

    run(test)


def test_a_store_outage_is_the_dispatchers_own_retry_not_a_crash(
    db: Database, tmp_path: Path
) -> None:
    async def test() -> None:
        sup, service, runs, _fake, dispatcher, io = await queue_world(db, tmp_path, [])
        runs.faults = Faults(lambda: StoreUnavailable("database unavailable: locked"))
        runs.faults.raise_next(3)
        await until(lambda: runs.faults.raised == 3, "three failed polls")
        assert sup.crashes["dispatcher"] == 0 and state(sup, "dispatcher") is TaskState.OK
        await dispatcher.stop()
        await service.drain(0, "test over")
        io.close()

    run(test)


# -- the outbox relay (critical) -------------------------------------------------------------


class FaultyOutbox(OutboxStore):
    def __init__(self, db: Database) -> None:
        super().__init__(db)
        self.faults = Faults()

    def pending(self, limit: int) -> list[OutboxEvent]:
        self.faults.check()
        return super().pending(limit)


class Publisher:
    def __init__(self) -> None:
        self.published: list[int] = []

    def publish(self, events: Sequence[OutboxEvent]) -> tuple[list[int], Exception | None]:
        self.published += [e.seq for e in events]
        return [e.seq for e in events], None

    def close(self) -> None:
        pass


def add_event(db: Database) -> None:
    with db.write() as conn:
        payload = {"id": "00000000-0000-4000-8000-000000000001", "detail-type": "Job State "
                   "Change", "detail": {"jobName": "etl"}}  # fmt: skip
        outbox_sql.append(conn, payload, None, now())


def test_a_crashing_relay_is_restarted_and_delivers_what_waits(db: Database) -> None:
    async def test() -> None:
        fatal: list[str] = []
        sup, io = fast_supervisor(fatal), Blocking()
        store, publisher = FaultyOutbox(db), Publisher()
        store.faults.raise_next(2)
        add_event(db)
        relay = OutboxRelay(store, publisher, io=io, clock=now, retention_days=1,
                            poll_interval=0.02, tasks=sup)  # fmt: skip
        relay.start()
        await until(lambda: publisher.published, "the waiting event is published")
        assert sup.crashes["outbox-relay"] == 2 and fatal == []
        assert state(sup, "outbox-relay") is TaskState.OK
        store.faults.raise_next(FOREVER)
        await until(lambda: fatal, "the daemon is asked to stop")
        assert fatal == ["outbox-relay"] and state(sup, "outbox-relay") is TaskState.FAILED
        await relay.stop()
        io.close()

    run(test)


# -- the scheduler (critical) and its fires (one-shots) ----------------------------------------


def test_a_crashing_scheduler_is_restarted_and_fires_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from stoker.triggers.scheduled import Scheduler, _never_called

    async def test() -> None:
        fatal: list[str] = []
        sup = fast_supervisor(fatal)
        fired: list[str] = []
        loop_faults, fire_faults = Faults(), Faults()

        async def fire(name: str, run_times: list[datetime]) -> None:
            fired.append(name)
            fire_faults.check()

        original = MemoryJobStore.get_next_run_time

        def get_next_run_time(self: MemoryJobStore) -> Any:
            loop_faults.check()  # APScheduler's bookkeeping pass: the loop's own work
            return original(self)

        monkeypatch.setattr(MemoryJobStore, "get_next_run_time", get_next_run_time)
        scheduler = Scheduler(fire, sup)
        scheduler.start([])
        # Our Schedule fires once a minute at best; APScheduler's own trigger is quicker.
        scheduler._scheduler.add_job(
            _never_called, trigger=IntervalTrigger(seconds=0.05), id="quick"
        )
        await until(lambda: len(fired) >= 1, "a fire")
        loop_faults.raise_next(1)
        await until(lambda: sup.crashes["scheduler"] == 1, "the loop crashed")
        fire_faults.raise_next(1)
        await until(lambda: sup.crashes.get("scheduler.fire") == 1, "a fire crashed")
        count = len(fired)
        await until(lambda: len(fired) > count + 1, "fires after the faults")
        assert fatal == [] and state(sup, "scheduler") is TaskState.OK
        await scheduler.shutdown()
        assert state(sup, "scheduler") is TaskState.STOPPED

    run(test)


# -- the metrics history (not critical) -------------------------------------------------------


class SampleStore:
    def __init__(self) -> None:
        self.faults = Faults()
        self.stored: list[tuple[str, SparkSample]] = []

    def add_many(self, samples: Sequence[tuple[str, SparkSample]]) -> int:
        self.faults.check()
        self.stored += samples
        return len(samples)

    def history(self, run_id: str) -> list[SparkSample]:
        return [s for r, s in self.stored if r == run_id]


def test_a_failing_sample_store_is_handled_by_the_history_without_a_crash() -> None:
    async def test() -> None:
        sup, io = fast_supervisor(), Blocking()
        store = SampleStore()
        store.faults.raise_next(5)
        history = MetricsHistory(store, None, io, flush_seconds=0.01, tasks=sup)  # type: ignore[arg-type]
        history.start()
        history.record("jr_1", "etl", SparkSample(sampled_at=time.time(), final=True))
        await until(lambda: store.stored, "the sample is written once the store is back")
        assert store.faults.raised == 5  # refused five times, kept in memory meanwhile
        assert sup.crashes["metrics-history"] == 0
        assert state(sup, "metrics-history") is TaskState.OK
        await history.stop()
        io.close()

    run(test)


# -- log retention (not critical) -------------------------------------------------------------


class RunLookup:
    """RetentionStore's reads: no job, no stored run (so old directories go by age)."""

    def __init__(self) -> None:
        self.faults = Faults()

    def job_retention(self) -> dict[str, object]:
        self.faults.check()
        return {}

    def runs(self, run_ids: Any) -> dict[str, Any]:
        return {}

    def runs_with_samples(self, *args: Any) -> Any:
        return iter(())


def test_retention_is_restarted_and_one_that_keeps_failing_leaves_the_daemon_up(
    tmp_path: Path,
) -> None:
    async def test() -> None:
        fatal: list[str] = []
        sup, io = fast_supervisor(fatal), Blocking()
        runs, stop = RunLookup(), asyncio.Event()
        old = tmp_path / "runs" / "jr_old"
        old.mkdir(parents=True)
        week_ago = time.time() - 8 * 86400
        os.utime(old, (week_ago, week_ago))
        runs.faults.raise_next(1)
        loop = sup.supervise(
            "retention",
            lambda: retention_loop(runs, tmp_path / "runs", io, 7, stop),  # type: ignore[arg-type]
        )
        await until(lambda: not old.exists(), "swept after the restart")
        assert sup.crashes["retention"] == 1
        old.mkdir()
        os.utime(old, (week_ago, week_ago))
        runs.faults.raise_next(FOREVER)
        stop.set()
        await loop.join()
        second = sup.supervise(
            "retention",
            lambda: retention_loop(runs, tmp_path / "runs", io, 7, asyncio.Event()),  # type: ignore[arg-type]
        )
        await until(lambda: state(sup, "retention") is TaskState.FAILED, "failed")
        assert fatal == [] and sup.alive()  # not critical: the daemon goes on
        await second.join()
        io.close()

    run(test)


# -- systemd's watchdog: fed only while every critical task is up ------------------------------


def test_the_watchdog_is_withheld_while_a_critical_task_is_down(tmp_path: Path) -> None:
    path = str(tmp_path / "notify.sock")
    receiver = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    receiver.bind(path)
    receiver.setblocking(False)

    received = [0]

    def pings() -> int:
        """WATCHDOG=1 datagrams received so far."""
        while True:
            try:
                received[0] += receiver.recv(4096).decode().splitlines().count("WATCHDOG=1")
            except BlockingIOError:
                return received[0]

    async def test() -> None:
        # A long backoff: once crashed, the critical task stays down until it is joined.
        sup = fast_supervisor(first_backoff=3600, max_backoff=3600)
        crash, stop = asyncio.Event(), asyncio.Event()

        async def dispatcher() -> None:
            await crash.wait()
            raise RuntimeError("queue unreadable")

        critical = sup.supervise("dispatcher", dispatcher)
        notifier = Notifier({"NOTIFY_SOCKET": path, "WATCHDOG_USEC": "40000"})  # ping / 20 ms
        watchdog = sup.supervise("watchdog", lambda: watchdog_loop(notifier, stop, sup.alive))
        await until(lambda: pings() >= 3, "fed while healthy")
        crash.set()
        await until(lambda: not sup.alive(), "the dispatcher is down")
        await asyncio.sleep(0.03)  # a ping under way when it went down has arrived
        before = pings()
        await asyncio.sleep(0.2)  # ten ping periods
        assert pings() == before
        await critical.join()  # stopped, not down: fed again
        await until(lambda: pings() > before, "fed again")
        stop.set()
        await watchdog.join()

    try:
        run(test)
    finally:
        receiver.close()


# -- the run service's one-shot tasks ------------------------------------------------------


def test_a_failing_delay_notification_is_logged_with_its_run_and_counted(
    db: Database, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    class LateStore(RunStore):
        def notify_delay(self, run_id: str, now: datetime) -> Any:
            raise RuntimeError("outbox full")

    async def test() -> None:
        sup, io = fast_supervisor(), Blocking()
        jobs = JobStore(db)
        runs = LateStore(db, EventIdentity(), pool_capacity=10)
        fake = FakeExecutor(default=Behaviour.manual())
        service = RunService(
            runs=runs, jobs=jobs, executors={"pool": fake}, bus=Bus(), io=io,
            logs_dir=tmp_path, clock=now, tasks=sup,
        )  # fmt: skip
        jobs.create(Job(name="late", script_location="x.py", notify_delay_after=1), now())
        late = await service.start_run("late", {})
        service._delays._due(late.id)  # what its delay timer calls a minute later
        await until(lambda: sup.crashes.get("run.delay_notice"), "the notice task crashed")
        fake.handles[late.id].finish(Exit(Outcome.SUCCEEDED))
        await service.drain(1, "test over")
        io.close()
        assert any(getattr(r, "run_id", None) == late.id and r.action == "task.crashed"  # type: ignore[attr-defined]
                   for r in caplog.records)  # fmt: skip

    run(test)
