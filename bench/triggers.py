"""Trigger benchmark: scheduled fire lag with 10,000 triggers, idle cost, conditional hop.

Starts its own daemons (SQLite) in temporary directories and prints figures; it asserts
nothing. Fire lag is read from the store: a fire's key holds its scheduled time, and its
``fired_on`` is taken inside the transaction that creates its runs.
Usage: .venv/bin/python bench/triggers.py [--triggers 10000] [--hops 100]
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.start_latency import idle_cost, iso_ns, summary
from tests.support.daemon import DaemonProcess

SINK = "pass\n"
FIRST_LINE = "import time\nprint(time.time_ns(), flush=True)\n"


def load_triggers(daemon: DaemonProcess, schedules: list[str]) -> float:
    """Create one SCHEDULED trigger per schedule (activated) in one apply; seconds taken."""
    triggers = [
        {"name": f"t{i:05d}", "type": "SCHEDULED", "schedule": expr, "start_on_creation": True,
         "actions": [{"job_name": "sink"}]}
        for i, expr in enumerate(schedules)
    ]  # fmt: skip
    start = time.monotonic()
    response = daemon.http.post("/apply", json={"jobs": [], "triggers": triggers}, timeout=600)
    assert response.status_code == 200, response.text[:500]
    return time.monotonic() - start


def lags_ms(db_path: Path, since: datetime) -> list[float]:
    con = sqlite3.connect(db_path)
    rows = con.execute(
        "SELECT fire_key, fired_on FROM trigger_fires WHERE fire_key LIKE 'at:%'"
    ).fetchall()
    con.close()
    lags = []
    for key, fired_on in rows:
        due = datetime.fromisoformat(key[3:])
        if due < since:
            continue
        fired = datetime.fromisoformat(fired_on).replace(tzinfo=UTC)
        lags.append((fired - due).total_seconds() * 1000)
    return lags


def scheduled(workdir: Path, count: int, kind: str) -> None:
    daemon = DaemonProcess(workdir, pool_size=0, env={"STOKER_LOGS__LEVEL": "WARNING"}).start()
    try:
        daemon.create_job("sink", SINK, max_concurrent_runs=1)
        if kind == "spread":
            # Periods of 60-119 s anchored at the epoch: fires spread over the minute, in
            # bursts of ~167 triggers sharing a period (more where periods coincide).
            schedules = [f"rate({60 + i % 60} seconds)" for i in range(count)]
            window = 125.0
        elif kind == "sparse":
            # 10,000 distinct periods (600 s and up): a few hundred fires in the window,
            # rarely two at once — the lag of one fire with 10,000 triggers loaded.
            schedules = [f"rate({600 + i} seconds)" for i in range(count)]
            window = 125.0
        else:
            schedules = ["cron(* * * * ? *)"] * count  # every trigger due at :00
            window = 70.0
        took = load_triggers(daemon, schedules)
        since = datetime.now(UTC)
        print(f"{kind}: {count} triggers loaded in {took:.1f} s; waiting {window:.0f} s")
        time.sleep(window)
        lags = lags_ms(workdir / "data" / "stoker.db", since)
        print(summary(f"fire lag ({kind}, {count} triggers)", lags))
    finally:
        daemon.stop()


def idle(workdir: Path, count: int) -> None:
    daemon = DaemonProcess(workdir, pool_size=0, env={"STOKER_LOGS__LEVEL": "WARNING"}).start()
    try:
        daemon.create_job("sink", SINK)
        load_triggers(daemon, ["cron(0 0 1 1 ? *)"] * count)
        time.sleep(3)
        assert daemon.proc is not None
        cpu, rss = idle_cost(daemon.proc.pid)
        print(f"{f'idle daemon, {count} triggers':<34} cpu={cpu:.2f} %  rss={rss:.0f} MB")
    finally:
        daemon.stop()


def conditional_hop(workdir: Path, hops: int) -> None:
    daemon = DaemonProcess(workdir, pool_size=2, env={"STOKER_LOGS__LEVEL": "WARNING"}).start()
    try:
        daemon.create_job("upstream", SINK, max_concurrent_runs=10)
        daemon.create_job("downstream", FIRST_LINE, max_concurrent_runs=10)
        response = daemon.http.post("/triggers", json={
            "name": "hop", "type": "CONDITIONAL", "start_on_creation": True,
            "actions": [{"job_name": "downstream"}],
            "predicate": {"logical": "ANY",
                          "conditions": [{"job_name": "upstream", "state": "SUCCEEDED"}]},
        })  # fmt: skip
        assert response.status_code == 201, response.text
        measured = []
        with httpx.Client(base_url=daemon.url, timeout=60) as client:
            for i in range(hops + 10):
                up = daemon.wait_state(client.post("/jobs/upstream/runs", json={}).json()["id"])
                down = next(r for r in daemon.runs(job="downstream")
                            if r["predecessor_runs"][0]["run_id"] == up["id"])  # fmt: skip
                down = daemon.wait_state(down["id"])
                first = int(daemon.logs(down["id"]).split()[0])
                if i >= 10:  # the first ten warm both drivers
                    measured.append((first - iso_ns(up["completed_on"])) / 1e6)
        print(summary("conditional hop: SUCCEEDED → line 1", measured))
    finally:
        daemon.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--triggers", type=int, default=10_000)
    parser.add_argument("--hops", type=int, default=100)
    parser.add_argument("--only", choices=["spread", "sparse", "same-second", "idle", "hop"])
    opts = parser.parse_args()
    steps = {
        "hop": lambda d: conditional_hop(d, opts.hops),
        "idle": lambda d: idle(d, opts.triggers),
        "sparse": lambda d: scheduled(d, opts.triggers, "sparse"),
        "spread": lambda d: scheduled(d, opts.triggers, "spread"),
        "same-second": lambda d: scheduled(d, opts.triggers, "same-second"),
    }
    for name, step in steps.items():
        if opts.only in (None, name):
            with tempfile.TemporaryDirectory() as tmp:
                step(Path(tmp))


if __name__ == "__main__":
    main()
