"""The warm pool's supervision against fake driver processes (real processes and protocol,
no Spark): recycling without a capacity dip, start failures, back-off, health, timeouts."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

from stoker.config.settings import SparkSettings
from stoker.domain.jobs import ExecutorKind
from stoker.domain.runs import Exit, Outcome
from stoker.errors import ExecutorError
from stoker.executors.base import RunSpec
from stoker.executors.pool.health import PoolState
from stoker.executors.pool.process import DriverState
from stoker.executors.pool.supervisor import WarmPool
from stoker.executors.runtime import SparkRuntime
from tests.support.fake_driver import fake_python

MISSING_JAVA = "no Java found (looked in PATH (JAVA_HOME is unset)): Spark needs Java 17+"


def spec(tmp: Path, **arguments: str) -> RunSpec:
    run_id = "jr_" + uuid.uuid4().hex
    return RunSpec(
        run_id=run_id, job_name="j", attempt=0, kind=ExecutorKind.POOL,
        script_location=str(tmp / "s.py"), arguments={f"--{k}": v for k, v in arguments.items()},
        stdout_path=tmp / run_id / "stdout", stderr_path=tmp / run_id / "stderr",
    )  # fmt: skip


async def until(predicate: Callable[[], bool], timeout: float = 30) -> None:
    """A generous deadline only against hanging; never a timing assertion."""
    async with asyncio.timeout(timeout):
        while not predicate():
            await asyncio.sleep(0.01)


class NoJava(SparkRuntime):
    def __init__(self) -> None:
        super().__init__()
        self.checks = 0

    async def problem(self) -> str | None:
        self.checks += 1
        return MISSING_JAVA


def pool_test(
    tmp_path: Path, body: Callable[[WarmPool], Awaitable[None]], **settings: object
) -> None:
    runtime = settings.pop("runtime", None)

    async def main() -> None:
        options = {"master": "local[1]", "pool_size": 1, **settings}
        pool = WarmPool(
            SparkSettings.model_validate(options), tmp_path / "drivers",
            python=fake_python(tmp_path), runtime=runtime or OkRuntime(),  # type: ignore[arg-type]
        )  # fmt: skip
        try:
            await pool.open()
            await body(pool)
        finally:
            await pool.aclose()

    asyncio.run(main())


class OkRuntime(SparkRuntime):
    async def problem(self) -> str | None:
        return None


def test_a_spent_driver_serves_until_its_successor_is_warm_then_leaves(tmp_path: Path) -> None:
    async def body(pool: WarmPool) -> None:
        await pool.ready()
        first = await pool.start(spec(tmp_path))
        assert await first.wait() == Exit(Outcome.SUCCEEDED)
        assert pool.recycled_total == 1 and pool.starting == 1
        # The spent driver takes the next run while its successor starts ...
        gate = tmp_path / "gate"
        second = await pool.start(spec(tmp_path, **{"wait-for": str(gate)}))
        assert second.driver == first.driver
        # ... and, busy when the successor is warm, leaves once that run is over.
        await until(lambda: pool.idle == 1)
        (old,) = [d for d in pool._roster if d.serial == first.driver]
        assert old.state is DriverState.LEAVING and pool.busy == 1
        gate.touch()
        assert await second.wait() == Exit(Outcome.SUCCEEDED)
        await until(lambda: len(pool._roster) == 1)
        assert pool.recycled_total == 1 and pool.idle == 1
        third = await pool.start(spec(tmp_path))
        assert third.driver != first.driver
        assert await third.wait() == Exit(Outcome.SUCCEEDED)

    pool_test(tmp_path, body, recycle_after_runs=1, conf={"fake.ready_delay": "0.3"})


def test_drivers_that_fail_to_start_back_off_and_make_the_pool_failing(tmp_path: Path) -> None:
    async def body(pool: WarmPool) -> None:
        assert pool.health().state is PoolState.STARTING
        with pytest.raises(ExecutorError, match="3 pool drivers in a row failed to start"):
            await pool.ready()
        health = pool.health()
        assert health.state is PoolState.FAILING and not health.healthy
        assert health.failures >= 3
        assert health.last_failure is not None
        assert health.last_failure.startswith("pyspark.errors.exceptions.base.PySparkRuntimeError")
        assert "JAVA_GATEWAY_EXITED" in health.last_failure and "driver-" in health.last_failure
        # Attempts back off: 0, 1, 3, 7 ... seconds, so the pool is not respawning at once.
        assert pool._failures.backoff() >= 7
        # A run waits at most start_timeout_seconds, then fails with the reason.
        with pytest.raises(ExecutorError, match=r"start_timeout_seconds = 5; drivers fail"):
            await pool.start(spec(tmp_path))

    pool_test(tmp_path, body, conf={"fake.mode": "fatal"}, start_timeout_seconds=5)


def test_a_missing_runtime_spawns_nothing_and_fails_runs_at_once(tmp_path: Path) -> None:
    runtime = NoJava()

    async def body(pool: WarmPool) -> None:
        await until(lambda: pool.health().state is PoolState.FAILING)
        assert pool.health().last_failure == MISSING_JAVA
        assert not list((tmp_path / "drivers").glob("driver-*.log"))  # no process started
        with pytest.raises(ExecutorError, match="the warm pool cannot start drivers: no Java"):
            await pool.start(spec(tmp_path))

    pool_test(tmp_path, body, runtime=runtime, start_timeout_seconds=600)
    assert runtime.checks >= 1


def test_a_driver_that_never_warms_is_killed_at_the_start_timeout(tmp_path: Path) -> None:
    async def body(pool: WarmPool) -> None:
        await until(lambda: pool._failures.count >= 1)
        reason = pool.health().last_failure
        assert reason is not None and reason.startswith("not warm after 0.5s; see ")

    pool_test(tmp_path, body, conf={"fake.mode": "hang"}, start_timeout_seconds=0.5)


def test_a_warm_pool_is_ok_and_reports_its_counts(tmp_path: Path) -> None:
    async def body(pool: WarmPool) -> None:
        await pool.ready()
        await until(lambda: pool.idle == 2)
        health = pool.health()
        assert (health.state, health.size, health.idle, health.busy) == (PoolState.OK, 2, 2, 0)
        assert health.healthy and health.failures == 0 and health.last_failure is None

    pool_test(tmp_path, body, pool_size=2)
