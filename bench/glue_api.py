"""Glue endpoint benchmark: StartJobRun → script's first line over Glue's API (boto3, SigV4)
beside the native API (POST /jobs/{name}/runs), on the same warm pool.

Starts its own daemon (SQLite, warm pool of 2 on local[2], one access key) in a temporary
directory; the two kinds of start alternate so that both meet the same machine. Prints
figures; asserts nothing. Usage: PYTHONPATH=. .venv/bin/python bench/glue_api.py [--runs 100]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.start_latency import TRIVIAL, pct, summary
from tests.support.daemon import DaemonProcess
from tests.support.glue import KEY_ID, SECRET, glue_client, glue_env


def first_line(daemon: DaemonProcess, run_id: str, t0: int) -> float:
    run = daemon.wait_state(run_id, timeout=300)
    assert run["state"] == "SUCCEEDED", run
    return (int(daemon.logs(run_id).split()[0]) - t0) / 1e6


def native(daemon: DaemonProcess, client: httpx.Client, job: str) -> tuple[float, float]:
    """(ms until the API answered, ms until the script's first line)."""
    t0 = time.time_ns()
    run_id = client.post(f"/jobs/{job}/runs", json={}).json()["id"]
    answered = (time.time_ns() - t0) / 1e6
    return answered, first_line(daemon, run_id, t0)


def glue(daemon: DaemonProcess, client: Any, job: str) -> tuple[float, float]:
    t0 = time.time_ns()
    run_id = client.start_job_run(JobName=job)["JobRunId"]
    answered = (time.time_ns() - t0) / 1e6
    return answered, first_line(daemon, run_id, t0)


def signed_httpx(daemon: DaemonProcess, client: httpx.Client, job: str) -> tuple[float, float]:
    """StartJobRun as a lean client sends it: botocore's signer, one httpx POST (boto3's own
    serialization, retries and parsing left out: they cost the caller, not the daemon)."""
    t0 = time.time_ns()
    body = json.dumps({"JobName": job}).encode()
    request = AWSRequest(method="POST", url=f"{daemon.url}/glue", data=body, headers={
        "X-Amz-Target": "AWSGlue.StartJobRun", "Content-Type": "application/x-amz-json-1.1"})
    SigV4Auth(Credentials(KEY_ID, SECRET), "glue", "us-east-1").add_auth(request)
    answer = client.post("/glue", content=body, headers=dict(request.headers.items()))
    answered = (time.time_ns() - t0) / 1e6
    return answered, first_line(daemon, answer.json()["JobRunId"], t0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=100)
    opts = parser.parse_args()
    env = {"STOKER_LOGS__LEVEL": "WARNING", **glue_env()}
    with tempfile.TemporaryDirectory() as tmp:
        daemon = DaemonProcess(Path(tmp), pool_size=2, env=env).start()
        try:
            daemon.create_job("trivial", TRIVIAL, max_concurrent_runs=1000)
            boto = glue_client(daemon)
            kinds = {"native API": native, "Glue API (boto3)": glue,
                     "Glue API (signed httpx)": signed_httpx}  # fmt: skip
            figures: dict[str, tuple[list[float], list[float]]] = {k: ([], []) for k in kinds}
            with httpx.Client(base_url=daemon.url, timeout=60,
                              headers={"Content-Type": "application/json"}) as http:
                clients = {"native API": http, "Glue API (boto3)": boto,
                           "Glue API (signed httpx)": http}  # fmt: skip
                for round_ in range(20 + opts.runs):  # 20 warm-up rounds: drivers, JIT, models
                    for kind, start in kinds.items():
                        answered, first = start(daemon, clients[kind], "trivial")
                        if round_ >= 20:
                            figures[kind][0].append(answered)
                            figures[kind][1].append(first)
            report(figures)
        finally:
            daemon.stop()


def report(figures: dict[str, tuple[list[float], list[float]]]) -> None:
    for kind, (answered, _) in figures.items():
        print(summary(f"{kind}: call answered", answered))
    for kind, (_, first) in figures.items():
        print(summary(f"{kind}: → first line", first))
    native_first = figures["native API"][1]
    for kind in ("Glue API (boto3)", "Glue API (signed httpx)"):
        gaps = [f"p{p}={pct(figures[kind][1], p) - pct(native_first, p):+.1f} ms" for p in (50, 99)]
        print(f"{kind + ' - native':<34} first line {'  '.join(gaps)}  (target ≤ +2 ms)")


if __name__ == "__main__":
    main()
