"""The session service over a real SQLite store and a scripted driver (no Spark): the
pool's capacity, statements in order, a waiting statement cancelled before it runs, the
idle timeout, a driver lost between statements, a job's properties."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from stoker.aio import Blocking
from stoker.config.sessions import SessionSettings
from stoker.domain.jobs import Job, SparkResources
from stoker.domain.sessions import SessionSpec, SessionState, StatementState
from stoker.errors import IllegalSessionState, InvalidInput, SessionLimitExceeded
from stoker.executors.pool import protocol
from stoker.executors.pool.lease import DriverLease
from stoker.executors.pool.process import DriverSetup
from stoker.sessions.properties import properties_of
from stoker.sessions.service import SessionService
from stoker.store.engine import Database, upgrade
from stoker.store.jobs import JobStore
from stoker.store.sessions import SessionStore
from stoker.tasks import Unsupervised


def now() -> datetime:
    return datetime.now(UTC)


class ScriptedPool:
    """Drivers that answer at once; a statement ``hold`` runs until cancelled."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.leases: list[DriverLease] = []
        self.ran: list[str] = []
        self.released: list[str] = []
        self.setups: list[DriverSetup | None] = []

    async def reserve(self, session_id: str, setup: DriverSetup | None = None) -> DriverLease:
        lease: DriverLease
        self.setups.append(setup)

        def send(message: protocol.ToDriver) -> None:
            loop = asyncio.get_running_loop()
            match message:
                case protocol.OpenSession():
                    loop.call_soon(lease.session_opened, protocol.SessionOpened(session_id))
                case protocol.Statement(run_id=run_id, code=code):
                    self.ran.append(code)
                    if code != "hold":
                        done = protocol.StatementDone(run_id, "ok", f"{code}\n")
                        loop.call_soon(lease.statement_done, done)
                case protocol.Cancel(run_id=run_id):
                    done = protocol.StatementDone(run_id, "cancelled", "", "StatementCancelled")
                    loop.call_soon(lease.statement_done, done)

        lease = DriverLease(session_id, len(self.leases), send, self.released.append,
                            lambda reason: None, grace=5)  # fmt: skip
        self.leases.append(lease)
        return lease


def scenario(tmp_path: Path, test: Callable[[SessionService, ScriptedPool, JobStore],
                                           Awaitable[None]], size: int = 1,
             max_idle: float | None = None) -> None:  # fmt: skip
    db = Database(f"sqlite:///{tmp_path / 'stoker.db'}")
    upgrade(db)
    io = Blocking()
    pool = ScriptedPool(size)
    jobs = JobStore(db)
    service = SessionService(store=SessionStore(db), jobs=jobs, pool=pool, io=io, clock=now,
                             tasks=Unsupervised(),
                             settings=SessionSettings(max_idle_seconds=max_idle))  # fmt: skip

    async def main() -> None:
        await asyncio.wait_for(test(service, pool, jobs), 10)
        await service.aclose()

    try:
        asyncio.run(main())
    finally:
        io.close()
        db.dispose()


async def ready(service: SessionService, session_id: str) -> None:
    while (await service.get(session_id)).state is not SessionState.READY:
        await asyncio.sleep(0.01)


async def ended(service: SessionService, session_id: str, statement_id: int) -> Any:
    return await service.wait_statement(session_id, statement_id, 5)


def test_sessions_count_against_the_pool_and_give_their_driver_back(tmp_path: Path) -> None:
    async def test(service: SessionService, pool: ScriptedPool, jobs: JobStore) -> None:
        await service.create(SessionSpec(id="a"))
        assert service.held == 1
        with pytest.raises(SessionLimitExceeded, match="all 1 warm pool drivers"):
            await service.create(SessionSpec(id="b"))
        await ready(service, "a")
        stopped = await service.stop("a")
        assert stopped.state is SessionState.STOPPED and pool.released == ["stopped"]
        assert service.held == 0
        with pytest.raises(IllegalSessionState, match="STOPPED"):
            await service.stop("a")
        await service.create(SessionSpec(id="b"))

    scenario(tmp_path, test)


def test_statements_run_in_order_and_a_waiting_one_is_cancelled_unrun(tmp_path: Path) -> None:
    async def test(service: SessionService, pool: ScriptedPool, jobs: JobStore) -> None:
        await service.create(SessionSpec(id="s"))
        with pytest.raises(IllegalSessionState, match="PROVISIONING"):
            await service.run_statement("s", "1")
        await ready(service, "s")
        held = await service.run_statement("s", "hold")
        queued = await service.run_statement("s", "later")
        after = await service.run_statement("s", "last")
        await asyncio.sleep(0.05)
        assert (await service.get_statement("s", held)).state is StatementState.RUNNING
        waiting = await service.cancel_statement("s", queued)
        assert waiting.state is StatementState.CANCELLED
        cancelling = await service.cancel_statement("s", held)
        assert cancelling.state is StatementState.CANCELLING
        assert (await ended(service, "s", held)).state is StatementState.CANCELLED
        last = await ended(service, "s", after)
        assert last.output is not None and last.output.text == "last\n"
        assert pool.ran == ["hold", "last"]
        with pytest.raises(IllegalSessionState, match="AVAILABLE"):
            await service.cancel_statement("s", after)

    scenario(tmp_path, test)


def test_an_idle_session_times_out(tmp_path: Path) -> None:
    async def test(service: SessionService, pool: ScriptedPool, jobs: JobStore) -> None:
        await service.create(SessionSpec(id="idle"))
        await ready(service, "idle")
        await ended(service, "idle", await service.run_statement("idle", "x"))
        while (session := await service.get("idle")).state is SessionState.READY:
            await asyncio.sleep(0.02)
        assert session.state is SessionState.TIMEOUT
        assert session.error_message == "the session was idle for 0.2 seconds"
        assert pool.released == ["timeout"]
        # Its statements stay readable.
        assert [s.code for s in await service.list_statements("idle")] == ["x"]

    scenario(tmp_path, test, max_idle=0.2)


def test_a_driver_lost_between_statements_fails_the_session(tmp_path: Path) -> None:
    async def test(service: SessionService, pool: ScriptedPool, jobs: JobStore) -> None:
        await service.create(SessionSpec(id="lost"))
        await ready(service, "lost")
        pool.leases[0].driver_gone("its driver process exited with signal 9")
        while (session := await service.get("lost")).state is SessionState.READY:
            await asyncio.sleep(0.02)
        assert session.state is SessionState.FAILED
        assert session.error_message == "its driver process exited with signal 9"

    scenario(tmp_path, test)


def test_a_session_starts_with_its_jobs_properties(tmp_path: Path) -> None:
    async def test(service: SessionService, pool: ScriptedPool, jobs: JobStore) -> None:
        with pytest.raises(InvalidInput, match="job 'nope' does not exist"):
            await service.create(SessionSpec(id="x", job_name="nope"))
        jobs.create(Job(name="etl", script_location="/s.py", description="the ETL",
                        default_arguments={"--day": "mon", "--lang": "en",
                                           "--additional-python-modules": "tiny==1, /w.whl",
                                           "--python-modules-installer-option": "-U"},
                        non_overridable_arguments={"--env": "prod"},
                        resources=SparkResources(driver_memory="3g", num_executors=2),
                        spark_conf={"spark.sql.shuffle.partitions": "7",
                                    "spark.executor.memory": "2g",
                                    "spark.driver.memory": "1g"}), now())  # fmt: skip
        created = await service.create(SessionSpec(
            id="dev", default_arguments={"--stoker-job-name": "etl", "--lang": "fr",
                                         "--env": "dev"}))  # fmt: skip
        assert created.spec.job_name == "etl" and created.spec.description == "the ETL"
        assert created.spec.default_arguments["--lang"] == "fr"
        assert created.spec.default_arguments["--env"] == "prod"
        await ready(service, "dev")
        # What a warm driver cannot take: its static conf (the job's resources win, as in
        # an isolated run), and the modules to install first.
        assert pool.setups == [DriverSetup(
            {"spark.executor.memory": "2g", "spark.driver.memory": "3g",
             "spark.executor.instances": "2"}, ["tiny==1", "/w.whl"], "-U")]  # fmt: skip
        with pytest.raises(InvalidInput, match="'-x' is not a pip option"):
            options = {"--stoker-job-name": "etl", "--python-modules-installer-option": "-x"}
            await service.create(SessionSpec(id="bad", default_arguments=options))

    scenario(tmp_path, test)


def test_spark_sql_settings_are_set_and_the_others_start_a_driver() -> None:
    spec = SessionSpec(id="s", spark_conf={"spark.sql.x": "1", "spark.driver.memory": "1g",
                                           "spark.master": "local[9]"},
                       default_arguments={"--extra-py-files": "/a.py,/b.zip"})  # fmt: skip
    properties = properties_of(spec, None)
    assert properties.sql_conf == {"spark.sql.x": "1"}
    assert properties.py_files == "/a.py,/b.zip"
    assert properties.spec.spark_conf == spec.spark_conf
    # The master stays the daemon's.
    assert properties.setup == DriverSetup({"spark.driver.memory": "1g"})
    # Spark SQL settings alone: any warm driver will do.
    assert properties_of(SessionSpec(id="s", spark_conf={"spark.sql.x": "1"}),
                         None).setup is None  # fmt: skip


def test_a_setup_a_warm_driver_already_has_needs_no_driver_of_its_own() -> None:
    warm = {"spark.ui.showConsoleProgress": "false", "spark.driver.memory": "1g"}
    assert DriverSetup({"spark.ui.showConsoleProgress": "false"}).fits(warm)
    assert not DriverSetup({"spark.driver.memory": "2g"}).fits(warm)
    assert not DriverSetup({}, ["tiny"]).fits(warm)
