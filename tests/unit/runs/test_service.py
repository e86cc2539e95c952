"""The run service and dispatcher over SQLite with the fake executor (no Spark)."""

from __future__ import annotations

import asyncio
import contextvars
import itertools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from stoker.aio import Blocking
from stoker.bus import Bus
from stoker.domain.events import EventIdentity
from stoker.domain.jobs import ExecutorKind, Job
from stoker.domain.runs import Exit, Outcome, RunFilter
from stoker.domain.states import RunState
from stoker.errors import InvalidTransition, ShuttingDown
from stoker.executors.fake import Behaviour, FakeExecutor
from stoker.runs.credentials import RunCredentials
from stoker.runs.dispatcher import Dispatcher
from stoker.runs.recovery import recover
from stoker.runs.service import RunService
from stoker.store.engine import Database, upgrade
from stoker.store.jobs import JobStore
from stoker.store.outbox import OutboxStore
from stoker.store.runs import RunStore

S = RunState


def now() -> datetime:
    return datetime.now(UTC)


@dataclass
class World:
    service: RunService
    dispatcher: Dispatcher
    fake: FakeExecutor
    jobs: JobStore
    runs: RunStore
    outbox: OutboxStore
    io: Blocking
    bus: Bus

    def job(self, name: str, script: str = "ok.py", **fields: Any) -> Job:
        return self.jobs.create(Job(name=name, script_location=script, **fields), now())

    async def until(self, run_id: str, *states: RunState, timeout: float = 5) -> Any:
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            run = await self.service.get_run(run_id)
            if run.state in states:
                return run
            assert asyncio.get_running_loop().time() < deadline, f"{run.state} after {timeout}s"
            await asyncio.sleep(0.01)

    def states(self, run_id: str) -> list[str]:
        events = self.outbox.list_events(pending=None, limit=1000, after_seq=None)
        return [e.payload["detail"]["state"] for e in events if e.run_id == run_id]


def scenario(
    test: Callable[[World], Awaitable[None]],
    tmp_path: Path,
    capacity: int | None = None,
    clock: Callable[[], datetime] = now,
    credentials: RunCredentials | None = None,
) -> None:
    async def main() -> None:
        db = Database(f"sqlite:///{tmp_path / 's.db'}")
        upgrade(db)
        io = Blocking()
        bus = Bus()
        jobs, runs = JobStore(db), RunStore(db, EventIdentity(), pool_capacity=10)
        fake = FakeExecutor(default=Behaviour.succeed(), capacity=capacity)
        executors = {kind: fake for kind in ExecutorKind}
        service = RunService(runs=runs, jobs=jobs, executors=executors, bus=bus, io=io,
                             logs_dir=tmp_path / "logs", clock=clock,
                             credentials=credentials)  # fmt: skip
        dispatcher = Dispatcher(service=service, bus=bus, poll_interval=0.05)
        dispatcher.start()
        world = World(service, dispatcher, fake, jobs, runs, OutboxStore(db), io, bus)
        try:
            await test(world)
        finally:
            await dispatcher.stop()
            await service.drain(0, "test over")
            io.close()
            db.dispose()

    asyncio.run(main())


def test_success_walks_starting_running_succeeded(tmp_path: Path) -> None:
    async def test(w: World) -> None:
        w.job("etl", default_arguments={"--a": "1", "--password": "x"})
        run = await w.service.start_run("etl", {"--b": "2"})
        assert run.state is S.STARTING
        done = await w.until(run.id, S.SUCCEEDED)
        assert done.resolved_arguments == {"--a": "1", "--password": "x", "--b": "2"}
        assert w.states(run.id) == ["STARTING", "RUNNING", "SUCCEEDED"]
        spec = w.fake.started[0]
        assert spec.arguments == done.resolved_arguments
        assert spec.stdout_path == tmp_path / "logs" / "runs" / run.id / "stdout.log"

    scenario(test, tmp_path)


def test_each_attempt_gets_credentials_that_end_with_it(tmp_path: Path) -> None:
    creds = RunCredentials("http://127.0.0.1:8421/glue", "local")

    async def test(w: World) -> None:
        w.fake.script("hang.py", Behaviour.manual())
        w.job("etl", script="hang.py")
        run = await w.service.start_run("etl", {})
        await w.until(run.id, S.RUNNING)
        env = w.fake.started[0].env
        assert env["AWS_ENDPOINT_URL_GLUE"] == "http://127.0.0.1:8421/glue"
        key = env["AWS_ACCESS_KEY_ID"]
        assert creds.lookup(key) is not None
        assert env["AWS_SECRET_ACCESS_KEY"] not in repr(w.fake.started[0])
        w.fake.handles[run.id].finish(Exit(Outcome.SUCCEEDED))
        await w.until(run.id, S.SUCCEEDED)
        assert creds.lookup(key) is None

    scenario(test, tmp_path, credentials=creds)


def test_failed_attempt_retries_with_previous_run_id(tmp_path: Path) -> None:
    async def test(w: World) -> None:
        w.job("etl", script="fails.py", max_retries=2)
        w.fake.script("fails.py", Behaviour.fail("RuntimeError: nope"))
        first = await w.service.start_run("etl", {})
        await w.until(first.id, S.FAILED)
        for _ in range(100):
            attempts = await w.service.list_runs(RunFilter(job_name="etl"))
            if len(attempts) == 3 and all(r.state.terminal for r in attempts):
                break
            await asyncio.sleep(0.02)
        assert [(r.attempt, r.state) for r in reversed(attempts)] == [
            (0, S.FAILED), (1, S.FAILED), (2, S.FAILED)
        ]  # fmt: skip
        assert attempts[0].previous_run_id == attempts[1].id
        assert attempts[0].error_message == "RuntimeError: nope"

    scenario(test, tmp_path)


def test_lost_driver_is_error(tmp_path: Path) -> None:
    async def test(w: World) -> None:
        w.job("etl", script="lost.py")
        w.fake.script("lost.py", Behaviour.lose())
        run = await w.service.start_run("etl", {})
        done = await w.until(run.id, S.ERROR)
        assert "driver" in done.error_message

    scenario(test, tmp_path)


def test_stop_running_and_stop_terminal(tmp_path: Path) -> None:
    async def test(w: World) -> None:
        w.job("etl", script="hang.py")
        w.fake.script("hang.py", Behaviour.hang())
        run = await w.service.start_run("etl", {})
        await w.until(run.id, S.RUNNING)
        stopping = await w.service.stop_run(run.id)
        assert stopping.state is S.STOPPING
        await w.until(run.id, S.STOPPED)
        with pytest.raises(InvalidTransition, match="already ended"):
            await w.service.stop_run(run.id)

    scenario(test, tmp_path)


def test_stop_while_starting_never_leaves_the_script_running(tmp_path: Path) -> None:
    async def test(w: World) -> None:
        w.job("a", script="hang.py")
        w.job("b", script="hang.py")
        w.fake.script("hang.py", Behaviour.hang())
        first = await w.service.start_run("a", {})
        await w.until(first.id, S.RUNNING)
        second = await w.service.start_run("b", {})  # waits inside start(): capacity 1
        await asyncio.sleep(0.05)
        assert (await w.service.stop_run(second.id)).state is S.STOPPING
        # The stop calls the launch off: STOPPED at once, never handed to the executor.
        await w.until(second.id, S.STOPPED)
        assert second.id not in w.fake.handles
        assert (await w.service.get_run(first.id)).state is S.RUNNING
        await w.service.stop_run(first.id)
        await w.until(first.id, S.STOPPED)

    scenario(test, tmp_path, capacity=1)


def test_queue_is_fifo_under_max_concurrent(tmp_path: Path) -> None:
    async def test(w: World) -> None:
        w.job("etl", script="manual.py", max_concurrent_runs=1)
        w.fake.script("manual.py", Behaviour.manual())
        ids = [(await w.service.start_run("etl", {})).id for _ in range(3)]
        await w.until(ids[0], S.RUNNING)
        assert (await w.service.get_run(ids[1])).state is S.WAITING
        for current, following in itertools.pairwise(ids):
            w.fake.handles[current].finish(Exit(Outcome.SUCCEEDED))
            await w.until(following, S.RUNNING)
        w.fake.handles[ids[2]].finish(Exit(Outcome.SUCCEEDED))
        await w.until(ids[2], S.SUCCEEDED)
        assert [s.run_id for s in w.fake.started] == ids

    scenario(test, tmp_path)


def test_promotion_announces_every_move_it_makes(tmp_path: Path) -> None:
    async def test(w: World) -> None:
        seen: list[tuple[str, RunState]] = []
        w.bus.subscribe(lambda event: seen.append((event.run.id, event.run.state)))
        w.job("etl", script="manual.py", max_concurrent_runs=1)
        w.job("old", script="manual.py", max_concurrent_runs=1)
        w.fake.script("manual.py", Behaviour.manual())
        first, queued = [(await w.service.start_run("etl", {})).id for _ in range(2)]
        held, orphan = [(await w.service.start_run("old", {})).id for _ in range(2)]
        await w.until(first, S.RUNNING)
        await w.until(held, S.RUNNING)
        w.jobs.delete("old")
        w.fake.handles[first].finish(Exit(Outcome.SUCCEEDED))
        w.fake.handles[held].finish(Exit(Outcome.SUCCEEDED))
        await w.until(queued, S.RUNNING)
        assert (await w.until(orphan, S.ERROR)).error_message == (
            "job 'old' was deleted while the run was waiting"
        )
        assert (queued, S.STARTING) in seen
        assert (orphan, S.ERROR) in seen  # the live gauges and the relay hear of it too
        w.fake.handles[queued].finish(Exit(Outcome.SUCCEEDED))
        await w.until(queued, S.SUCCEEDED)

    scenario(test, tmp_path)


def test_drain_stops_what_does_not_finish_and_refuses_new_runs(tmp_path: Path) -> None:
    async def test(w: World) -> None:
        w.job("etl", script="hang.py")
        w.fake.script("hang.py", Behaviour.hang())
        run = await w.service.start_run("etl", {})
        await w.until(run.id, S.RUNNING)
        await w.service.drain(0.05, "daemon shut down")
        done = await w.service.get_run(run.id)
        assert (done.state, done.state_detail) == (S.STOPPED, "daemon shut down")
        with pytest.raises(ShuttingDown):
            await w.service.start_run("etl", {})

    scenario(test, tmp_path)


def test_recovery_settles_runs_nobody_runs(tmp_path: Path) -> None:
    async def test(w: World) -> None:
        job = w.job("etl", script="manual.py", max_retries=1, max_concurrent_runs=5)
        w.fake.script("manual.py", Behaviour.manual())
        # Runs a dead daemon left behind: created in the store, never launched here.
        from tests.integration.store.test_runs import new_run

        class Clock:
            def __call__(self) -> datetime:
                return now()

        running = w.runs.create(new_run(job, Clock(), max_retries=1), job, now())
        w.runs.transition(running.id, S.STARTING, S.RUNNING, now())
        stopping = w.runs.create(new_run(job, Clock()), job, now())
        w.runs.transition(stopping.id, S.STARTING, S.STOPPING, now())
        reaped: list[str] = []

        async def reap() -> None:
            # What the dead daemon left is killed before any run is settled or retried.
            reaped.append((await w.service.get_run(running.id)).state.value)

        counts = await recover(w.runs, w.service, w.io, reap=reap)
        assert reaped == ["RUNNING"]
        assert counts == {"errored": 1, "stopped": 1, "waiting": 0}
        lost = await w.service.get_run(running.id)
        assert lost.state is S.ERROR and "lost when the daemon stopped" in lost.error_message
        assert (await w.service.get_run(stopping.id)).state is S.STOPPED
        retry = next(r for r in await w.service.list_runs() if r.previous_run_id == running.id)
        await w.until(retry.id, S.RUNNING)
        w.fake.handles[retry.id].finish(Exit(Outcome.SUCCEEDED))
        await w.until(retry.id, S.SUCCEEDED)

    scenario(test, tmp_path)


def test_late_run_gets_one_run_status_event(tmp_path: Path) -> None:
    readings = iter([now() - timedelta(hours=2)])
    creating = contextvars.ContextVar("creating", default=False)

    def clock() -> datetime:
        # The first reading in the test's own task (not the dispatcher's) is the run's
        # start: two hours ago, so its delay has passed.
        return (next(readings, None) if creating.get() else None) or now()

    async def test(w: World) -> None:
        w.job("etl", script="manual.py", notify_delay_after=1)
        w.fake.script("manual.py", Behaviour.manual())
        creating.set(True)
        run = await w.service.start_run("etl", {})
        await w.until(run.id, S.RUNNING)
        for _ in range(100):
            statuses = [
                e for e in w.outbox.list_events(pending=None, limit=100, after_seq=None)
                if e.detail_type == "Job Run Status"
            ]  # fmt: skip
            if statuses:
                break
            await asyncio.sleep(0.02)
        assert len(statuses) == 1
        detail = statuses[0].payload["detail"]
        assert detail["notificationCondition"] == {"NotifyDelayAfter": 1.0}
        assert detail["severity"] == "INFO" and detail["jobRunId"] == run.id
        assert w.runs.notify_delay(run.id, now()) is None  # once, whatever asks again
        w.fake.handles[run.id].finish(Exit(Outcome.SUCCEEDED))
        await w.until(run.id, S.SUCCEEDED)

    scenario(test, tmp_path, clock=clock)
