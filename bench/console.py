"""Console benchmark: the API calls behind the console's pages over a large history.

Fills a fresh database with ``--jobs`` jobs (default 5,000) and ``--runs`` runs (default
1,000,000; one job, ``big_job``, gets ``--big`` of them, default 10,000) spread over the past
``--days`` (default 365), a tenth of them failed, through the store (JobStore.create and
store/history.py's bulk insert). Then drives the real API app (create_app over the real job
catalog and run service on that database) in-process and prints the server time p50/p95
over ``--rounds`` calls of: the Jobs list (first page, and filtered by name and by last run
state), one job's History page, the runs list filtered by outcome, trigger and a start-time
range, the monitoring tiles (/runs/summary over 30 and 365 days) and big_job's Metrics tab
over 7 and 365 days (its runs of the last 30 days get 12 Spark samples each). Target: every
call ≤ 50 ms p95. Asserts nothing. SQLite by default (a file in a temporary directory);
--pg URL for PostgreSQL (its public schema is dropped first, unless --keep).
Usage: .venv/bin/python bench/console.py [--jobs 5000] [--runs 1000000] [--big 10000]
[--rounds 50] [--pg postgresql+psycopg://… [--keep]] [--reuse FILE.db (fill once, measure
again)]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import httpx
import sqlalchemy as sa

from stoker.aio import Blocking
from stoker.api.app import create_app
from stoker.bus import Bus
from stoker.config.settings import ApiSettings
from stoker.domain.ids import new_run_id
from stoker.domain.jobs import Job
from stoker.domain.runs import JobRun, RunFilter, new_run
from stoker.domain.sparkmetrics import ExecutorSample, SparkSample
from stoker.domain.states import RunState
from stoker.jobs.catalog import JobCatalog
from stoker.metrics.history import MetricsHistory
from stoker.runs.service import RunService
from stoker.store.engine import Database, upgrade
from stoker.store.history import seed_runs
from stoker.store.jobs import JobStore
from stoker.store.run_metrics import RunMetricsStore
from stoker.store.runs import RunStore

NOW = datetime(2026, 12, 1, tzinfo=UTC)
OUTCOMES = [RunState.SUCCEEDED] * 17 + [RunState.FAILED, RunState.ERROR, RunState.TIMEOUT]
TRIGGERS = ["manual", "nightly", "hourly", "on_upstream"]


@dataclass
class Services:
    """The services the console's read pages reach, plus the bus for streams."""

    jobs: JobCatalog
    runs: RunService
    run_feed: Bus
    metrics_history: MetricsHistory


def job_names(count: int) -> list[str]:
    return ["big_job"] + [f"job_{i:05d}" for i in range(count - 1)]


def fill(db: Database, names: list[str], runs: int, big: int, days: int) -> float:
    began = time.perf_counter()
    store = JobStore(db)
    teams = ["data", "pay", "ads", "search"]
    for i, name in enumerate(names):
        job = Job(name=name, script_location="/tmp/x.py", tags={"team": teams[i % 4]})
        store.create(job, NOW - timedelta(days=days))
    seed_runs(db, history(names, runs, big, days))
    add_samples(db, "big_job", timedelta(days=30))
    return time.perf_counter() - began


def add_samples(db: Database, job_name: str, last: timedelta) -> int:
    """Twelve Spark samples, 10 s apart, for each of the job's runs started in ``last``."""
    store = RunStore(db, identity=None, pool_capacity=1)  # type: ignore[arg-type]
    where = RunFilter(job_name=job_name, started_after=NOW - last)
    added = 0
    before = None
    while page := store.list_runs(where, limit=500, before_seq=before):
        rows = [
            (run.id, SparkSample(
                sampled_at=run.started_on.timestamp() + 10 * i, bytes_read=1000 * i,
                bytes_written=500 * i, completed_stages=i, active_executors=2,
                max_needed_executors=3, final=i == 11,
                executors=(ExecutorSample("driver", 100 + i, 1000, 0.5),
                           ExecutorSample("1", 200 + i, 1000, 0.25)),
            ))
            for run in page for i in range(12)
        ]  # fmt: skip
        added += RunMetricsStore(db).add_many(rows)
        before = page[-1].seq
    return added


def history(names: list[str], count: int, big: int, days: int) -> Iterator[tuple[JobRun, Job]]:
    """Runs oldest first (seq order = start order, as in a live store)."""
    rng = random.Random(13)
    jobs = {n: Job(name=n, script_location="/tmp/x.py") for n in names}
    others = names[1:]
    step = timedelta(days=days) / count
    template = new_run(jobs["big_job"], NOW, arguments={})
    big_every = max(1, count // big)
    for i in range(count):
        name = "big_job" if i % big_every == 0 else others[rng.randrange(len(others))]
        started = NOW - timedelta(days=days) + step * i
        state = OUTCOMES[rng.randrange(len(OUTCOMES))]
        run = replace(
            template, id=new_run_id(), job_name=name, state=state,
            triggered_by=TRIGGERS[i % len(TRIGGERS)], started_on=started,
            last_modified_on=started, completed_on=started + timedelta(minutes=3),
        )  # fmt: skip
        yield run, jobs[name]


def iso(moment: datetime) -> str:
    """For a query string: the offset's "+" written %2B."""
    return moment.isoformat().replace("+", "%2B")


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[max(0, int(len(ordered) * 0.95) - 1)]


async def measure(app: object, calls: dict[str, str], rounds: int) -> None:
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8421") as client:
        for label, url in calls.items():
            samples = []
            for i in range(rounds + 2):
                began = time.perf_counter()
                resp = await client.get(url)
                elapsed = (time.perf_counter() - began) * 1000
                if resp.status_code != 200:
                    raise SystemExit(f"{url}: {resp.status_code} {resp.text}")
                if i >= 2:  # the first calls warm caches and compile statements
                    samples.append(elapsed)
            p50, p95 = percentiles(samples)
            print(f"  {label:<46} p50 {p50:7.1f} ms   p95 {p95:7.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--jobs", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=1_000_000)
    parser.add_argument("--big", type=int, default=10_000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--rounds", type=int, default=50)
    parser.add_argument("--pg", help="a PostgreSQL URL (its public schema is dropped)")
    parser.add_argument("--reuse", help="a SQLite file: filled if missing, else measured as is")
    parser.add_argument(
        "--keep", action="store_true", help="with --pg: measure it as an earlier call filled it"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.pg or f"sqlite:///{args.reuse or tmp + '/stoker.db'}"
        reused = (args.reuse is not None and Path(args.reuse).exists()) or args.keep
        if args.pg and not args.keep:
            engine = sa.create_engine(args.pg)
            with engine.begin() as conn:
                conn.execute(sa.text("DROP SCHEMA public CASCADE"))
                conn.execute(sa.text("CREATE SCHEMA public"))
            engine.dispose()
        db = Database(url)
        upgrade(db)
        names = job_names(args.jobs)
        print(f"{db.engine.dialect.name}: {args.jobs} jobs, {args.runs} runs "
              f"({args.big} of big_job) over {args.days} days")  # fmt: skip
        if not reused:
            print(f"  filled in {fill(db, names, args.runs, args.big, args.days):.0f} s")
        if not db.is_sqlite:
            with db.engine.begin() as conn:
                conn.execute(sa.text("ANALYZE"))
        io = Blocking()
        runs = RunStore(db, identity=None, pool_capacity=1)  # type: ignore[arg-type]
        jobs = JobStore(db)
        service = RunService(runs=runs, jobs=jobs, executors={}, bus=Bus(), io=io,
                             logs_dir=Path(tmp), clock=lambda: NOW)  # fmt: skip
        catalog = JobCatalog(jobs=jobs, io=io, scripts_dir=Path(tmp), clock=lambda: NOW)
        metrics = MetricsHistory(RunMetricsStore(db), runs, io)
        services = Services(catalog, service, Bus(), metrics)
        app = create_app(services, ApiSettings(), version="bench")  # type: ignore[arg-type]
        month, year = iso(NOW - timedelta(days=30)), iso(NOW - timedelta(days=365))
        last_month, last_year = f"since={month}&until={iso(NOW)}", f"since={year}&until={iso(NOW)}"
        last_week = f"since={iso(NOW - timedelta(days=7))}&until={iso(NOW)}"
        calls = {
            "GET /jobs (first page of 100)": "/jobs",
            "GET /jobs?name=job_04&tag=team=pay": "/jobs?name=job_04&tag=team%3Dpay",
            "GET /jobs?last_state=FAILED": "/jobs?last_state=FAILED",
            "GET /jobs/big_job": "/jobs/big_job",
            "GET /runs?job=big_job (History page)": "/runs?job=big_job",
            "GET /runs?job=job_00042": "/runs?job=job_00042",
            "GET /runs?outcome=failed": "/runs?outcome=failed",
            "GET /runs?outcome=failed&trigger=nightly": "/runs?outcome=failed&trigger=nightly",
            "GET /runs?state=ERROR&started_after=-30d": f"/runs?state=ERROR&started_after={month}",
            "GET /runs?started_before=-365d (oldest)": f"/runs?started_before={year}",
            "GET /runs/summary (30 days)": f"/runs/summary?{last_month}",
            "GET /runs/summary (365 days)": f"/runs/summary?{last_year}",
            "GET /runs/summary (30 days, big_job)": f"/runs/summary?job=big_job&{last_month}",
            "GET /jobs/big_job/metrics (7 days)": f"/jobs/big_job/metrics?{last_week}",
            "GET /jobs/big_job/metrics (365 days, 120 pts)":
                f"/jobs/big_job/metrics?{last_year}&points=120",
        }
        asyncio.run(measure(app, calls, args.rounds))
        io.close()
        db.dispose()


if __name__ == "__main__":
    main()
