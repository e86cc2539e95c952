"""A driver's Spark samples on their way to the sink, and waiting for a run's final one."""

from __future__ import annotations

import asyncio
import logging

from stoker.executors.base import SampleSink
from stoker.executors.pool import protocol
from stoker.executors.pool.process import DriverProcess, DriverState

log = logging.getLogger(__name__)

#: How long ending a driver waits for the final Spark sample of its last run (normally
#: ~20 ms after FINISHED; the sampler itself gives Spark's listener bus up to 5 s).
FINAL_SAMPLE_GRACE_SECONDS = 6.0


def note_sample(driver: DriverProcess, message: protocol.Metrics, sink: SampleSink | None) -> None:
    """Hand a sample to the sink; a run's final one releases whoever waits to end the driver."""
    if sink is None:
        return
    run_id, sample = message.run_id, message.sample
    if sample.final and driver.final_sample_of == run_id:
        driver.final_sample_of = None
        driver.final_sampled.set()
    try:
        sink(run_id, message.job_name, sample)
    except Exception:  # a sink's bug must not end this driver's read loop
        log.exception(
            "the Spark sample sink failed for run %s", run_id,
            extra={"action": "pool.metrics.sink_failed", "driver": driver.serial, "run_id": run_id},
        )  # fmt: skip


async def await_final_sample(driver: DriverProcess) -> None:
    """Wait (bounded) for the final sample of the driver's last run: SIGTERM ends its
    JVM and its Python at once, and the run's last figures with them."""
    if driver.final_sample_of is None or driver.state is DriverState.DEAD:
        return
    try:
        await asyncio.wait_for(driver.final_sampled.wait(), FINAL_SAMPLE_GRACE_SECONDS)
    except TimeoutError:
        log.warning(
            "driver %s: no final Spark sample for run %s within %gs; ending it anyway",
            driver.serial, driver.final_sample_of, FINAL_SAMPLE_GRACE_SECONDS,
            extra={"action": "pool.driver.final_sample_missing", "driver": driver.serial,
                   "run_id": driver.final_sample_of},
        )  # fmt: skip
