"""A driver that goes away right after a run still delivers that run's final sample.

The final sample is taken after FINISHED is sent; a driver retired at that moment (its run
budget spent and its replacement warm) or a pool closing at that moment must wait for it
before ending the driver, or the run's history stays incomplete and its last figures are
never counted.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from stoker.config.settings import SparkSettings
from stoker.domain.runs import Exit, Outcome
from stoker.domain.sparkmetrics import SparkSample

from .conftest import LoopThread, Received, make_spec, start_sampled_pool, wait_until
from .process_helpers import run_to_end

pytestmark = pytest.mark.spark

SPARK_WORK = "spark.range(1000).selectExpr('id % 7 AS k').groupBy('k').count().collect()\n"
WAIT_FOR_FLAG = """
import os, time
spark.range(5000).selectExpr("id % 3 AS k").groupBy("k").count().collect()
while not os.path.exists(args["flag"]):
    time.sleep(0.05)
"""


def finals(received: Received, run_id: str) -> list[SparkSample]:
    return [s for rid, _, s in received if rid == run_id and s.final]


def test_retired_and_closing_drivers_deliver_the_last_final_sample(
    loop_thread: LoopThread, tmp_path: Path
) -> None:
    received: Received = []
    settings = SparkSettings(
        master="local[1]", pool_size=1, recycle_after_runs=1, start_timeout_seconds=180
    )

    ready = start_sampled_pool(settings, tmp_path / "drivers", received, interval=5)
    pool = loop_thread.run(ready, timeout=240)
    try:
        # Run 1 spends the first driver's budget: a replacement starts warming.
        first = make_spec(tmp_path / "1", "spark.range(10).count()\n")
        assert run_to_end(loop_thread, pool, first) == Exit(Outcome.SUCCEEDED)
        # Run 2 takes the old driver (the only warm one) and holds it until the replacement
        # is warm: then the old driver is retired the moment run 2 reports its end.
        flag = tmp_path / "replacement-warm"
        second = make_spec(tmp_path / "2", WAIT_FOR_FLAG, {"--flag": str(flag)})
        started = loop_thread.run(pool.start(second))
        wait_until(lambda: pool.starting == 0 and pool.idle == 1, deadline=180)
        flag.touch()
        assert loop_thread.run(started.wait()) == Exit(Outcome.SUCCEEDED)
        wait_until(lambda: len(finals(received, second.run_id)) == 1, deadline=15)
        assert finals(received, second.run_id)[0].completed_stages >= 1
        assert len(finals(received, first.run_id)) == 1

        # Run 3, then the pool closes at once (as at daemon shutdown).
        third = make_spec(tmp_path / "3", SPARK_WORK)
        assert run_to_end(loop_thread, pool, third) == Exit(Outcome.SUCCEEDED)
    finally:
        loop_thread.run(pool.aclose(), timeout=60)
    assert len(finals(received, third.run_id)) == 1
