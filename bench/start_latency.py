"""Start-latency benchmark: API call → script's first line → SUCCEEDED, throughput, idle cost.

Starts its own daemon (SQLite, warm pool of 2 on local[2]) in a temporary directory and
prints figures; it asserts nothing. Usage: .venv/bin/python bench/start_latency.py
[--runs 200] [--isolated-runs 10] [--throughput-runs 1000]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.support.daemon import DaemonProcess

TRIVIAL = "import time\nprint(time.time_ns(), flush=True)\n"


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def summary(name: str, values: list[float]) -> str:
    return (
        f"{name:<34} n={len(values):<5} p50={pct(values, 50):8.1f} ms  "
        f"p90={pct(values, 90):8.1f} ms  p99={pct(values, 99):8.1f} ms  "
        f"max={max(values):8.1f} ms"
    )


def iso_ns(text: str) -> int:
    return int(datetime.fromisoformat(text).timestamp() * 1e9)


def one_run(daemon: DaemonProcess, job: str, client: httpx.Client) -> tuple[float, float]:
    t0 = time.time_ns()
    run_id = client.post(f"/jobs/{job}/runs", json={}).json()["id"]
    run = daemon.wait_state(run_id, timeout=300)
    assert run["state"] == "SUCCEEDED", run
    first_line = int(daemon.logs(run_id).split()[0])
    return (first_line - t0) / 1e6, (iso_ns(run["completed_on"]) - t0) / 1e6


def latency(daemon: DaemonProcess, job: str, runs: int) -> tuple[list[float], list[float]]:
    firsts, ends = [], []
    with httpx.Client(base_url=daemon.url, timeout=60) as client:
        for _ in range(runs):
            first, end = one_run(daemon, job, client)
            firsts.append(first)
            ends.append(end)
    return firsts, ends


def throughput(daemon: DaemonProcess, job: str, runs: int) -> float:
    """Submit ``runs`` runs from 4 threads; rate = runs / (first submit → last completion)."""
    ids: list[str] = []
    lock = threading.Lock()
    local = threading.local()

    def submit(_: int) -> None:
        if not hasattr(local, "client"):
            local.client = httpx.Client(base_url=daemon.url, timeout=60)
        run_id = local.client.post(f"/jobs/{job}/runs", json={}).json()["id"]
        with lock:
            ids.append(run_id)

    start = time.time_ns()
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(submit, range(runs)))
    # FIFO: once every run is terminal the last completion time is the end of the batch.
    for run_id in ids:
        daemon.wait_state(run_id, timeout=600)
    finals = [daemon.run(run_id) for run_id in ids]
    assert all(r["state"] == "SUCCEEDED" for r in finals)
    end = max(iso_ns(r["completed_on"]) for r in finals)
    return runs / ((end - start) / 1e9)


def idle_cost(pid: int, seconds: float = 10.0) -> tuple[float, float]:
    def cpu() -> float:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    before = cpu()
    time.sleep(seconds)
    used = (cpu() - before) / seconds * 100
    rss_kb = next(
        int(line.split()[1])
        for line in Path(f"/proc/{pid}/status").read_text().splitlines()
        if line.startswith("VmRSS:")
    )
    return used, rss_kb / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--isolated-runs", type=int, default=10)
    parser.add_argument("--throughput-runs", type=int, default=1000)
    parser.add_argument("--only", choices=["latency", "throughput"], default=None)
    opts = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        daemon = DaemonProcess(Path(tmp), pool_size=2,
                               env={"STOKER_LOGS__LEVEL": "WARNING"}).start()  # fmt: skip
        try:
            daemon.create_job("trivial", TRIVIAL, max_concurrent_runs=1000)
            daemon.create_job("trivial-isolated", TRIVIAL, executor="isolated")
            latency(daemon, "trivial", 20)  # warm-up: both drivers warm, JIT, connections
            if opts.only in (None, "latency"):
                firsts, ends = latency(daemon, "trivial", opts.runs)
                print(summary("warm pool: API → first line", firsts))
                print(summary("warm pool: API → SUCCEEDED", ends))
            if opts.only is None:
                ifirsts, iends = latency(daemon, "trivial-isolated", opts.isolated_runs)
                print(summary("isolated: API → first line", ifirsts))
                print(summary("isolated: API → SUCCEEDED", iends))
            if opts.only in (None, "throughput"):
                rate = throughput(daemon, "trivial", opts.throughput_runs)
                print(f"{'sustained throughput':<34} {rate:8.1f} runs/s over "
                      f"{opts.throughput_runs}")  # fmt: skip
            assert daemon.proc is not None
            cpu, rss = idle_cost(daemon.proc.pid)
            print(f"{'idle daemon (without drivers)':<34} cpu={cpu:.2f} %  rss={rss:.0f} MB")
        finally:
            daemon.stop()


if __name__ == "__main__":
    main()
