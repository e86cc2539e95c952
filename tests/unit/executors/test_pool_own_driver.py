"""A session's own driver against fake driver processes (real processes and protocol, no
Spark): it takes the warm driver's slot and gives it back, the pool never holds more than
pool_size drivers, a start failure is the session's (not the pool's health), a driver not
yet warm is killed when the session ends."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from stoker.errors import ExecutorError
from stoker.executors.pool.health import PoolState
from stoker.executors.pool.process import DriverSetup, DriverState
from stoker.executors.pool.supervisor import WarmPool
from tests.unit.executors.test_pool_supervisor import pool_test, until


def drivers(pool: WarmPool) -> int:
    return pool.idle + pool.busy + pool.starting


def test_an_own_driver_takes_the_warm_drivers_slot_and_gives_it_back(tmp_path: Path) -> None:
    async def body(pool: WarmPool) -> None:
        await pool.ready()
        most = 0

        async def count() -> None:
            nonlocal most
            while True:
                most = max(most, drivers(pool))
                await asyncio.sleep(0.005)

        counter = asyncio.create_task(count())
        # A setting the warm driver has already: no driver of its own.
        warm = await pool.reserve("warm", DriverSetup({"spark.master": "local[1]"}))
        assert warm.driver is not None
        warm.release("stopped")
        await until(lambda: pool.idle == 1)

        lease = await pool.reserve("own", DriverSetup({"fake.ready_delay": "0.2"}))
        await until(lambda: lease.driver is not None)
        assert (pool.idle, pool.busy) == (0, 1)
        assert lease.driver not in (None, warm.driver)
        logs = sorted(p.name for p in (tmp_path / "drivers").glob("*.properties"))
        assert logs == []  # the conf file went once the driver had read it
        lease.release("stopped")
        await until(lambda: pool.idle == 1)
        counter.cancel()
        assert most == 1
        assert pool.health().state is PoolState.OK

    pool_test(tmp_path, body)


def test_an_own_driver_that_cannot_start_fails_its_session_not_the_pool(tmp_path: Path) -> None:
    async def body(pool: WarmPool) -> None:
        await pool.ready()
        lease = await pool.reserve("bad", DriverSetup({"fake.mode": "fatal"}))
        with pytest.raises(ExecutorError, match=r"own driver did not start: .*JAVA_GATEWAY"):
            await lease.open({}, {}, "", {})
        lease.release("failed")
        await until(lambda: pool.idle == 1)
        health = pool.health()
        assert (health.state, health.failures) == (PoolState.OK, 0)

    pool_test(tmp_path, body)


def test_an_own_driver_not_yet_warm_is_killed_when_its_session_ends(tmp_path: Path) -> None:
    async def body(pool: WarmPool) -> None:
        await pool.ready()
        lease = await pool.reserve("slow", DriverSetup({"fake.mode": "hang"}))
        await until(lambda: pool.starting == 1 and pool.idle == 0)
        (slow,) = [d for d in pool._roster if d.state is DriverState.STARTING]
        opening = asyncio.create_task(lease.open({}, {}, "", {}))
        lease.release("stopped")
        with pytest.raises(ExecutorError, match="session ended"):
            await opening
        assert await asyncio.wait_for(slow.proc.wait(), 10) == -9  # killed, not left to hang
        await until(lambda: pool.idle == 1)
        assert slow not in list(pool._roster) and drivers(pool) == 1

    pool_test(tmp_path, body)
