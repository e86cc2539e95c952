"""Per-job log retention over SQLite and PostgreSQL, with the clock moved forward: jobs
kept for 1 day, 30 days, never, and the daemon's default (90 days); each step deletes
exactly the log directories, metrics samples and event payload files past their limit."""

from __future__ import annotations

import asyncio
import logging
import os
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from stoker.aio import Blocking
from stoker.daemon.retention import UNKNOWN_JOB, Deleted, retention_loop, sweep
from stoker.domain.inbound import EVENTS_FILE_ARG
from stoker.domain.jobs import Job
from stoker.domain.retention import LogRetention
from stoker.domain.runs import JobRun
from stoker.domain.sparkmetrics import SparkSample
from stoker.domain.states import RunState
from stoker.roles.runlogs import RunSecurity
from stoker.security.keyring import KeyRing, is_envelope
from stoker.store.engine import Database
from stoker.store.jobs import JobStore
from stoker.store.retention import BATCH, RetentionStore
from stoker.store.run_metrics import RunMetricsStore
from stoker.store.runs import RunStore
from stoker.store.security_configs import SecurityConfigStore
from tests.integration.store.conftest import Clock, make_job
from tests.integration.store.test_runs import new_run

DEFAULT: LogRetention = 90
SAMPLES = 3


class World:
    """Jobs, runs, their log dirs, samples and payload files, all made at the clock's T0."""

    def __init__(self, db: Database, jobs: JobStore, runs: RunStore, clock: Clock,
                 root: Path) -> None:  # fmt: skip
        self.db, self.jobs, self.runs, self.clock = db, jobs, runs, clock
        self.t0 = clock()
        self.logs = root / "logs" / "runs"
        self.events = root / "events"
        self.samples = RunMetricsStore(db)
        self.store = RetentionStore(db)
        ring = KeyRing({"k1": bytes(range(32))}, "k1", None)
        self.security = RunSecurity(SecurityConfigStore(db), ring, root / "logs")

    def job(self, name: str, retention: LogRetention | None) -> Job:
        return self.jobs.create(make_job(name, max_concurrent_runs=10,
                                         log_retention_days=retention), self.clock())  # fmt: skip

    def run(
        self, job: Job, *, ended: bool = True, payload: Path | None = None, sealed: bool = False
    ) -> JobRun:
        fields: dict[str, object] = {}
        if payload is not None:
            fields = {"triggered_by": payload.parent.name,
                      "arguments": {EVENTS_FILE_ARG: str(payload.absolute())}}  # fmt: skip
        run = self.runs.create(new_run(job, self.clock, **fields), job, self.clock())
        if ended:
            self.runs.transition(run.id, RunState.STARTING, RunState.FAILED, self.clock())
        (self.logs / run.id).mkdir(parents=True)
        (self.logs / run.id / "stdout.log").write_text("out")
        if sealed:  # as a job with an encrypting security configuration leaves them
            assert self.security.seal_logs(run.id) == 1
            assert is_envelope((self.logs / run.id / "stdout.log").read_bytes())
        self._age(self.logs / run.id)
        at = self.t0.timestamp()
        self.samples.add_many([(run.id, SparkSample(sampled_at=at + i)) for i in range(SAMPLES)])
        return run

    def payload(self, trigger: str, name: str) -> Path:
        path = self.events / trigger / f"{name}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("[]")
        self._age(path)
        return path

    def _age(self, path: Path) -> None:
        # Written at T0, like the runs: retention reads file times for what has no run.
        os.utime(path, (self.t0.timestamp(), self.t0.timestamp()))

    def sweep(self, after: timedelta) -> dict[str, Deleted]:
        return sweep(self.store, DEFAULT, self.t0 + after, self.logs, self.events)

    def kept(self, run: JobRun) -> bool:
        dir_kept = (self.logs / run.id).is_dir()
        samples = len(self.samples.history(run.id))
        assert dir_kept == (samples == SAMPLES), f"{run.id}: dir {dir_kept}, {samples} samples"
        return dir_kept


@pytest.fixture
def world(db: Database, jobs: JobStore, runs: RunStore, clock: Clock, tmp_path: Path) -> World:
    return World(db, jobs, runs, clock, tmp_path)


def test_each_step_of_the_clock_deletes_exactly_what_is_past_its_jobs_limit(
    world: World, jobs: JobStore
) -> None:
    daily, monthly = world.job("daily", 1), world.job("monthly", 30)
    forever, plain = world.job("forever", "never"), world.job("plain", None)
    own = {
        name: world.payload("on-file", name) for name in ("daily", "monthly", "forever", "plain")
    }
    shared = world.payload("fan-out", "shared")  # one batch, one run each of daily and monthly
    feeding_live = world.payload("on-file", "live")
    orphan_dir, orphan_file = world.logs / ("jr_" + "a" * 64), world.payload("lost", "unfired")
    orphan_dir.mkdir(parents=True)
    os.utime(orphan_dir, (world.t0.timestamp(), world.t0.timestamp()))
    ended = {job.name: world.run(job, payload=own[job.name], sealed=job is monthly)
             for job in (daily, monthly, forever, plain)}  # fmt: skip
    shared_daily, shared_monthly = (
        world.run(daily, payload=shared),
        world.run(monthly, payload=shared),
    )
    live = world.run(daily, ended=False, payload=feeding_live)

    assert world.sweep(timedelta(hours=12)) == {}
    assert all(world.kept(r) for r in (*ended.values(), shared_daily, shared_monthly, live))

    assert world.sweep(timedelta(days=2)) == {
        "daily": Deleted(log_dirs=2, metrics_samples=2 * SAMPLES, payload_files=1)
    }
    assert not world.kept(ended["daily"]) and not world.kept(shared_daily)
    assert not own["daily"].exists() and shared.exists()  # monthly's run still needs it
    assert world.kept(live) and feeding_live.exists()  # a live run's data, however old
    assert all(world.kept(ended[n]) for n in ("monthly", "forever", "plain"))

    assert world.sweep(timedelta(days=31)) == {
        "monthly": Deleted(log_dirs=2, metrics_samples=2 * SAMPLES, payload_files=2)
    }
    assert not shared.exists() and not own["monthly"].exists()  # sealed logs went alike
    assert world.kept(ended["forever"]) and world.kept(ended["plain"]) and world.kept(live)
    assert orphan_dir.exists() and orphan_file.exists()  # the default's 90 days have not passed

    assert world.sweep(timedelta(days=3650)) == {
        "plain": Deleted(log_dirs=1, metrics_samples=SAMPLES, payload_files=1),
        UNKNOWN_JOB: Deleted(log_dirs=1, payload_files=1),
    }
    assert not orphan_dir.exists() and not orphan_file.exists()
    assert world.kept(ended["forever"]) and own["forever"].exists()
    assert world.kept(live) and feeding_live.exists()
    assert world.sweep(timedelta(days=3650)) == {}

    # The job's current limit applies, to old runs too; a deleted job's runs follow the
    # default, and a live run's data stays whatever its job says.
    jobs.replace(replace(jobs.get("forever"), log_retention_days=1), world.clock())
    jobs.delete("daily")
    assert world.sweep(timedelta(days=3650)) == {
        "forever": Deleted(log_dirs=1, metrics_samples=SAMPLES, payload_files=1)
    }
    assert world.kept(live) and feeding_live.exists()


def test_a_daemon_default_of_never_keeps_what_jobs_leave_to_it(world: World) -> None:
    plain, daily = world.job("plain", None), world.job("daily", 1)
    kept, gone = world.run(plain), world.run(daily)
    orphan = world.payload("lost", "unfired")
    deleted = sweep(world.store, "never", world.t0 + timedelta(days=36500), world.logs,
                    world.events)  # fmt: skip
    assert deleted == {"daily": Deleted(log_dirs=1, metrics_samples=SAMPLES)}
    assert world.kept(kept) and not world.kept(gone) and orphan.exists()


def test_samples_are_deleted_in_batches_of_runs(world: World) -> None:
    daily = world.job("daily", 1)
    many = [world.run(daily) for _ in range(BATCH + 3)]
    assert world.sweep(timedelta(days=2)) == {
        "daily": Deleted(log_dirs=len(many), metrics_samples=len(many) * SAMPLES)
    }
    assert not any(world.kept(r) for r in many[:: BATCH // 2])


def test_the_loop_logs_one_line_per_sweep_with_what_went_per_job(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    daily = world.job("daily", 1)
    world.run(daily)
    later = (world.t0 + timedelta(days=2)).timestamp()
    caplog.set_level(logging.INFO, logger="stoker.daemon.retention")

    async def swept_once() -> None:
        stop, io = asyncio.Event(), Blocking()
        task = asyncio.create_task(retention_loop(world.store, world.logs, io, DEFAULT, stop,
                                                  world.events, clock=lambda: later))  # fmt: skip
        while not caplog.records:
            await asyncio.sleep(0.01)
        stop.set()
        await task
        io.close()

    asyncio.run(swept_once())
    (record,) = caplog.records
    assert record.action == "logs.pruned"  # type: ignore[attr-defined]
    assert record.jobs == {  # type: ignore[attr-defined]
        "daily": {"log_dirs": 1, "metrics_samples": SAMPLES, "payload_files": 0}
    }
    assert record.getMessage() == (
        f"retention deleted 1 run log dirs, {SAMPLES} metrics samples, 0 event payload files"
    )


def test_a_payload_file_stays_while_a_retry_of_its_run_is_live(
    world: World, jobs: JobStore, runs: RunStore, clock: Clock
) -> None:
    retried = jobs.create(make_job("retried", max_retries=1, log_retention_days=1), clock())
    payload = world.payload("on-file", "batch")
    first = world.run(retried, ended=False, payload=payload)
    retry = runs.transition(first.id, RunState.STARTING, RunState.FAILED, clock()).retry
    assert retry is not None and retry.arguments[EVENTS_FILE_ARG] == str(payload.absolute())
    assert world.sweep(timedelta(days=2)) == {
        "retried": Deleted(log_dirs=1, metrics_samples=SAMPLES)
    }
    assert payload.exists()  # the retry, still waiting, will read it
    clock.now = world.t0 + timedelta(days=5)
    runs.transition(retry.id, retry.state, RunState.FAILED, clock())
    assert world.sweep(timedelta(days=5, hours=23)) == {}
    assert world.sweep(timedelta(days=6)) == {"retried": Deleted(payload_files=1)}
    assert not payload.exists()
