"""A run's environment (its AWS credentials) reaches the script in a warm driver and is
gone for the driver's next run: one real Spark driver, two runs on it."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest

from stoker.config.settings import SparkSettings
from stoker.domain.runs import Exit, Outcome
from stoker.executors.base import RunSpec
from stoker.executors.pool.supervisor import WarmPool

from .conftest import STOP_GRACE, LoopThread, make_spec

pytestmark = pytest.mark.spark

SCRIPT = "import os\nprint(os.environ.get('AWS_SESSION_TOKEN'), flush=True)\n"


@pytest.fixture(scope="module")
def one_driver(loop_thread: LoopThread,
               tmp_path_factory: pytest.TempPathFactory) -> Iterator[WarmPool]:  # fmt: skip
    settings = SparkSettings(master="local[1]", pool_size=1, stop_grace_seconds=STOP_GRACE,
                             start_timeout_seconds=180)  # fmt: skip

    async def make() -> WarmPool:
        pool = WarmPool(settings, tmp_path_factory.mktemp("drivers"))
        await pool.ready()
        return pool

    warm = loop_thread.run(make(), timeout=240)
    yield warm
    loop_thread.run(warm.aclose(), timeout=60)


def test_the_env_is_the_scripts_and_not_the_next_runs(
    loop_thread: LoopThread, one_driver: WarmPool, tmp_path: Path
) -> None:
    with_env = dataclasses.replace(make_spec(tmp_path, SCRIPT), env={"AWS_SESSION_TOKEN": "t1"})
    without = make_spec(tmp_path, SCRIPT)

    async def go(spec: RunSpec) -> Exit:
        handle = await one_driver.start(spec)
        return await handle.wait()

    for spec in (with_env, without):
        assert loop_thread.run(go(spec)) == Exit(Outcome.SUCCEEDED)
    assert with_env.stdout_path.read_text().strip() == "t1"
    assert without.stdout_path.read_text().strip() == "None"
