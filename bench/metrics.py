"""Metrics benchmark: what collecting Spark figures costs a run's start, and /metrics scrape time.

1. Start latency (API call → the script's first line) and time to SUCCEEDED, with the Spark
   sampling off (`metrics.spark_enabled = false`) and on (the defaults), on a warm pool of 2
   on local[2]. The job runs one small Spark action, so every run is sampled.
2. /metrics scrape time with 1,000 jobs defined, each run once on Spark (so every job has its
   run, duration, latency and Spark series), scraped over HTTP like Prometheus does.

Starts its own daemons (SQLite) in a temporary directory and prints figures; asserts nothing.
Usage: .venv/bin/python bench/metrics.py [--runs 200] [--rounds 2] [--jobs 1000]
[--scrapes 100] [--only latency|scrape]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.start_latency import latency, pct, summary
from tests.support.daemon import DaemonProcess, free_port

SPARK_JOB = "import time\nprint(time.time_ns(), flush=True)\nspark.range(100).count()\n"
WARMUP_RUNS = 30


def start_latency(workdir: Path, runs: int, enabled: bool) -> tuple[list[float], list[float]]:
    env = {"STOKER_METRICS__SPARK_ENABLED": "true" if enabled else "false"}
    daemon = DaemonProcess(workdir, pool_size=2, env=env).start()
    try:
        daemon.create_job("bench", SPARK_JOB)
        latency(daemon, "bench", WARMUP_RUNS)  # JIT, py4j connections, first REST round
        return latency(daemon, "bench", runs)
    finally:
        daemon.stop()


def populate(daemon: DaemonProcess, jobs: int) -> None:
    """``jobs`` jobs, one run each, 8 client threads; waits until every run has ended."""
    names = [f"job-{i:04d}" for i in range(jobs)]

    def one(name: str) -> str:
        with httpx.Client(base_url=daemon.url, timeout=120) as client:
            response = client.post("/jobs", json={"name": name, "script": SPARK_JOB})
            assert response.status_code == 201, response.text
            return str(client.post(f"/jobs/{name}/runs", json={}).json()["id"])

    with ThreadPoolExecutor(8) as pool:
        ids = list(pool.map(one, names))
    for run_id in ids:
        run = daemon.wait_state(run_id, timeout=600)
        assert run["state"] == "SUCCEEDED", run


def scrape_time(workdir: Path, jobs: int, scrapes: int) -> None:
    port = free_port()
    env = {"STOKER_METRICS__PORT": str(port)}
    daemon = DaemonProcess(workdir, pool_size=2, env=env).start()
    try:
        t0 = time.monotonic()
        populate(daemon, jobs)
        print(f"{jobs} jobs defined and run once in {time.monotonic() - t0:.0f} s")
        times: list[float] = []
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            body = client.get("/metrics").text
            for _ in range(scrapes):
                t = time.perf_counter()
                response = client.get("/metrics")
                times.append((time.perf_counter() - t) * 1000)
                assert response.status_code == 200
        series = sum(1 for line in body.splitlines() if line and not line.startswith("#"))
        print(f"/metrics: {series} series, {len(body) / 1024:.0f} KiB")
        print(summary(f"scrape, {jobs} jobs", times))
    finally:
        daemon.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--jobs", type=int, default=1000)
    parser.add_argument("--scrapes", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=2, help="off/on pairs (fresh daemons)")
    parser.add_argument("--only", choices=["latency", "scrape"], default=None)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="stoker-bench-metrics-") as tmp:
        root = Path(tmp)
        if options.only in (None, "latency"):
            # Off and on alternate, each on a fresh daemon: the spread between rounds of one
            # mode is the noise the difference between modes has to be read against.
            figures: dict[str, tuple[list[float], list[float]]] = {"off": ([], []), "on": ([], [])}
            for round_ in range(options.rounds):
                for label in ("off", "on"):
                    workdir = root / f"{label}-{round_}"
                    firsts, ends = start_latency(workdir, options.runs, label == "on")
                    figures[label][0].extend(firsts)
                    figures[label][1].extend(ends)
                    print(summary(f"round {round_ + 1}, sampling {label}: first line", firsts))
            for label in ("off", "on"):
                print(summary(f"spark metrics {label}: first line", figures[label][0]))
                print(summary(f"spark metrics {label}: SUCCEEDED", figures[label][1]))
            for name, index in (("first line", 0), ("SUCCEEDED", 1)):
                for p in (50, 99):
                    off = pct(figures["off"][index], p)
                    on = pct(figures["on"][index], p)
                    print(f"added by sampling, {name} p{p}: {on - off:+.2f} ms "
                          f"({(on - off) / off * 100:+.1f} %)")  # fmt: skip
        if options.only in (None, "scrape"):
            scrape_time(root / "scrape", options.jobs, options.scrapes)


if __name__ == "__main__":
    main()
