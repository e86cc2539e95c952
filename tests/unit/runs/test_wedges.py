"""Nothing wedges a run: whatever the executor does while launching or stopping, the run
reaches a terminal state, with the reason (the run service over SQLite, fake executor)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

from stoker.aio import Blocking
from stoker.bus import Bus
from stoker.domain.events import EventIdentity
from stoker.domain.jobs import ExecutorKind, Job
from stoker.domain.runs import JobRun, RunFilter
from stoker.domain.states import RunState
from stoker.executors.fake import Behaviour, FakeExecutor
from stoker.runs.service import RunService
from stoker.store.engine import Database, upgrade
from stoker.store.jobs import JobStore
from stoker.store.runs import RunStore

S = RunState
TERMINAL = (S.SUCCEEDED, S.FAILED, S.STOPPED, S.ERROR, S.TIMEOUT)


def now() -> datetime:
    return datetime.now(UTC)


Body = Callable[[RunService, JobStore, FakeExecutor], Awaitable[None]]


def scenario(tmp_path: Path, fake: FakeExecutor, body: Body, stop_grace: float = 0.2) -> None:
    async def main() -> None:
        db = Database(f"sqlite:///{tmp_path / 's.db'}")
        upgrade(db)
        io = Blocking()
        jobs, runs = JobStore(db), RunStore(db, EventIdentity(), pool_capacity=10)
        service = RunService(
            runs=runs, jobs=jobs, executors={kind: fake for kind in ExecutorKind}, bus=Bus(),
            io=io, logs_dir=tmp_path / "logs", clock=now, stop_grace_seconds=stop_grace,
        )  # fmt: skip
        try:
            await body(service, jobs, fake)
        finally:
            await service.drain(0, "test over")
            io.close()
            db.dispose()

    asyncio.run(main())


async def until(service: RunService, run_id: str, *states: RunState, timeout: float = 20) -> JobRun:
    """Generous deadline only against hanging; the stop backstop is 5 s past the grace."""
    async with asyncio.timeout(timeout):
        while (run := await service.get_run(run_id)).state not in states:
            await asyncio.sleep(0.01)
    return run


def test_an_unexpected_exception_while_launching_ends_the_run_error_and_retries(
    tmp_path: Path,
) -> None:
    fake = FakeExecutor(start_error=FileNotFoundError(2, "No such file", "/nope/spark-submit"))

    async def body(service: RunService, jobs: JobStore, _: FakeExecutor) -> None:
        jobs.create(Job(name="etl", script_location="s.py", max_retries=1), now())
        first = await service.start_run("etl", {})
        ended = await until(service, first.id, *TERMINAL)
        assert ended.state is S.ERROR
        assert ended.error_message == (
            "launching the run failed: FileNotFoundError: [Errno 2] No such file: "
            "'/nope/spark-submit'"
        )
        (retry,) = [r for r in await service.list_runs(RunFilter(job_name="etl")) if r.attempt == 1]
        assert (await until(service, retry.id, *TERMINAL)).state is S.ERROR

    scenario(tmp_path, fake, body)


def test_a_stop_of_a_run_whose_launch_failed_is_not_left_stopping(tmp_path: Path) -> None:
    fake = FakeExecutor(capacity=0)  # start() never gets capacity: the launch hangs

    async def body(service: RunService, jobs: JobStore, _: FakeExecutor) -> None:
        jobs.create(Job(name="etl", script_location="s.py"), now())
        run = await service.start_run("etl", {})
        await asyncio.sleep(0.05)
        assert (await service.stop_run(run.id)).state is S.STOPPING
        assert (await until(service, run.id, *TERMINAL)).state is S.STOPPED

    scenario(tmp_path, fake, body)


def test_a_run_that_ignores_its_stop_is_abandoned_after_the_grace(tmp_path: Path) -> None:
    fake = FakeExecutor(default=Behaviour.hang(ignore_stop=True))

    async def body(service: RunService, jobs: JobStore, fake: FakeExecutor) -> None:
        jobs.create(Job(name="etl", script_location="s.py", max_retries=3), now())
        run = await service.start_run("etl", {})
        await until(service, run.id, S.RUNNING)
        await service.stop_run(run.id)
        stopped = await until(service, run.id, *TERMINAL)
        assert stopped.state is S.STOPPED and fake.handles[run.id].stop_requested
        # A stop is never retried.
        assert len(await service.list_runs(RunFilter(job_name="etl"))) == 1

    scenario(tmp_path, fake, body)


def test_a_stop_that_raises_still_ends_the_run(tmp_path: Path) -> None:
    fake = FakeExecutor(default=Behaviour.hang(broken_stop=True))

    async def body(service: RunService, jobs: JobStore, _: FakeExecutor) -> None:
        jobs.create(Job(name="etl", script_location="s.py"), now())
        run = await service.start_run("etl", {})
        await until(service, run.id, S.RUNNING)
        assert (await service.stop_run(run.id)).state is S.STOPPING  # no exception to the API
        assert (await until(service, run.id, *TERMINAL)).state is S.STOPPED

    scenario(tmp_path, fake, body)
