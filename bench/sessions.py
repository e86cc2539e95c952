"""Interactive session benchmark: a statement's round trip for ``1+1`` — sent, run on the
session's warm driver, its output read back — over Glue's API (boto3: RunStatement, then
GetStatement until AVAILABLE, polling with no pause) and over the native API (one POST
/sessions/{id}/statements with ``wait``). Target: p50 ≤ 20 ms (Glue's sessions take
seconds). Then, with ``--ready N``, a session's time from CreateSession to READY, N times
each: on a warm driver, on a driver of its own for a job's ``spark.driver.memory``, and the
same with ``--additional-python-modules`` (a local wheel, so pip runs offline).

Starts its own daemon (SQLite, warm pool of 1 on local[2], one access key) in a temporary
directory and one session. Prints figures; asserts nothing.
Usage: PYTHONPATH=. .venv/bin/python bench/sessions.py [--statements 200] [--ready 3]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.start_latency import summary
from tests.support.daemon import DaemonProcess
from tests.support.glue import glue_client, glue_env
from tests.support.wheels import tiny_wheel

SESSION = "bench"
COMMAND = {"Name": "glueetl", "PythonVersion": "3"}
ROLE = "arn:aws:iam::000000000000:role/bench"


def over_glue(glue: Any) -> float:
    t0 = time.perf_counter_ns()
    statement_id = glue.run_statement(SessionId=SESSION, Code="1+1")["Id"]
    while True:
        statement = glue.get_statement(SessionId=SESSION, Id=statement_id)["Statement"]
        if statement["State"] == "AVAILABLE":
            break
    elapsed = (time.perf_counter_ns() - t0) / 1e6
    assert statement["Output"]["Data"]["TextPlain"] == "2\n", statement
    return elapsed


def over_native(http: httpx.Client) -> float:
    t0 = time.perf_counter_ns()
    answer = http.post(f"/sessions/{SESSION}/statements", json={"code": "1+1", "wait": 30})
    elapsed = (time.perf_counter_ns() - t0) / 1e6
    assert answer.json()["output"] == "2\n", answer.text
    return elapsed


def pool_idle(daemon: DaemonProcess) -> None:
    """Wait until the pool's driver is warm and free (a session's driver is replaced)."""
    while httpx.get(f"{daemon.url}/health", timeout=5).json()["pool"]["idle"] < 1:
        time.sleep(0.1)


def to_ready(glue: Any, daemon: DaemonProcess, session_id: str, **arguments: str) -> float:
    """Seconds from CreateSession to READY (polled every 10 ms), the pool's driver warm
    before; the session is stopped after."""
    pool_idle(daemon)
    t0 = time.perf_counter()
    glue.create_session(Id=session_id, Role=ROLE, Command=COMMAND, DefaultArguments=arguments)
    while (status := glue.get_session(Id=session_id)["Session"]["Status"]) == "PROVISIONING":
        time.sleep(0.01)
    elapsed = time.perf_counter() - t0
    assert status == "READY", glue.get_session(Id=session_id)["Session"]
    glue.stop_session(Id=session_id)
    return elapsed


def readiness(glue: Any, daemon: DaemonProcess, rounds: int, tmp: Path) -> None:
    daemon.create_job("sized", "print('x')", spark_conf={"spark.driver.memory": "700m"})
    wheel = str(tiny_wheel(tmp))
    kinds: dict[str, dict[str, str]] = {
        "warm pool driver": {},
        "own driver (job's spark.driver.memory)": {"--stoker-job-name": "sized"},
        "own driver + --additional-python-modules (local wheel)": {
            "--stoker-job-name": "sized", "--additional-python-modules": wheel},
    }  # fmt: skip
    for number, (kind, arguments) in enumerate(kinds.items()):
        seconds = [to_ready(glue, daemon, f"ready-{number}-{i}", **arguments)
                   for i in range(rounds)]  # fmt: skip
        print(summary(f"CreateSession → READY, {kind}", [s * 1000 for s in seconds]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--statements", type=int, default=200)
    parser.add_argument("--ready", type=int, default=0, help="rounds of time to READY")
    opts = parser.parse_args()
    env = {"STOKER_LOGS__LEVEL": "WARNING", **glue_env()}
    with tempfile.TemporaryDirectory() as tmp:
        daemon = DaemonProcess(Path(tmp), pool_size=1, env=env).start()
        try:
            glue = glue_client(daemon)
            glue.create_session(Id=SESSION, Role=ROLE, Command=COMMAND)
            while glue.get_session(Id=SESSION)["Session"]["Status"] == "PROVISIONING":
                time.sleep(0.2)
            figures: dict[str, list[float]] = {"Glue API (boto3)": [], "native API (wait)": []}
            with httpx.Client(base_url=daemon.url, timeout=60,
                              headers={"Content-Type": "application/json"}) as http:
                for round_ in range(20 + opts.statements):  # 20 warm-up rounds
                    glue_ms, native_ms = over_glue(glue), over_native(http)
                    if round_ >= 20:
                        figures["Glue API (boto3)"].append(glue_ms)
                        figures["native API (wait)"].append(native_ms)
            for kind, values in figures.items():
                print(summary(f"1+1 round trip, {kind}", values))
            print("target: p50 ≤ 20 ms")
            glue.stop_session(Id=SESSION)
            if opts.ready:
                readiness(glue, daemon, opts.ready, Path(tmp))
        finally:
            daemon.stop()


if __name__ == "__main__":
    main()
