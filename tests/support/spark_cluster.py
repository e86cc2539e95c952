"""A Spark standalone cluster (one master, one worker) from the pip-installed pyspark.

The wheel has no sbin scripts: the master and the worker are started with its
``bin/spark-class``. Each is ready in ~3.5 s; SIGTERM stops them (the worker first: it
ends its executors).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

import pytest

from tests.conftest import in_ci

START_SECONDS = 60.0
STOP_SECONDS = 10.0


@dataclass
class Cluster:
    master_url: str
    master_ui: str
    logs: list[Path]

    def tails(self, lines: int = 40) -> str:
        return "\n".join(tail(log, lines) for log in self.logs)

    def state(self) -> dict[str, Any] | None:
        """The master's JSON status (workers, active and completed applications)."""
        try:
            with urllib.request.urlopen(f"{self.master_ui}/json/", timeout=2) as response:
                found: dict[str, Any] = json.loads(response.read())
                return found
        except (OSError, ValueError):
            return None


def tail(log: Path, lines: int) -> str:
    text = log.read_text(errors="replace") if log.exists() else "(no log)"
    return f"--- {log.name} (last {lines} lines) ---\n" + "\n".join(text.splitlines()[-lines:])


def _missing(reason: str) -> NoReturn:
    if in_ci():
        pytest.fail(f"{reason} (CI=true: the Spark cluster test is required)", pytrace=False)
    pytest.skip(reason)


def _spark_class() -> Path:
    try:
        import pyspark
    except ImportError as exc:
        _missing(f"pyspark is not importable: {exc}")
    script = Path(pyspark.__file__).parent / "bin" / "spark-class"
    if not os.access(script, os.X_OK):
        _missing(f"{script} is missing or not executable")
    return script


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM (the worker's shutdown hook kills its executors), then SIGKILL if it lingers."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(STOP_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(STOP_SECONDS)


@contextmanager
def spark_cluster(root: Path, cores: int = 1, memory: str = "1g") -> Iterator[Cluster]:
    """A running cluster whose worker offers ``cores`` and ``memory``; stopped on exit."""
    spark_class = _spark_class()
    root.mkdir(parents=True, exist_ok=True)
    port, master_ui_port, worker_ui_port = _free_port(), _free_port(), _free_port()
    master_url, master_ui = f"spark://127.0.0.1:{port}", f"http://127.0.0.1:{master_ui_port}"
    env = {**os.environ, "SPARK_LOCAL_IP": "127.0.0.1"}
    commands = {
        "master": [
            "org.apache.spark.deploy.master.Master",
            *("--host", "127.0.0.1", "--port", str(port), "--webui-port", str(master_ui_port)),
        ],
        "worker": [
            "org.apache.spark.deploy.worker.Worker",
            *("--host", "127.0.0.1", "--webui-port", str(worker_ui_port)),
            *("--cores", str(cores), "--memory", memory, "--work-dir", str(root / "work")),
            master_url,
        ],
    }
    processes: list[subprocess.Popen[bytes]] = []
    found = Cluster(master_url, master_ui, [root / f"{name}.log" for name in commands])

    def wait_for(what: str, ready: Any) -> None:
        end = time.monotonic() + START_SECONDS
        while not ready(found.state()):
            if any(p.poll() is not None for p in processes):
                pytest.fail(f"a Spark daemon exited before {what}\n{found.tails()}")
            if time.monotonic() > end:
                pytest.fail(f"no {what} within {START_SECONDS}s\n{found.tails()}")
            time.sleep(0.2)

    try:
        for (name, args), log in zip(commands.items(), found.logs, strict=True):
            with log.open("wb") as out:
                processes.append(
                    subprocess.Popen(
                        [str(spark_class), *args],
                        stdin=subprocess.DEVNULL,
                        stdout=out,
                        stderr=subprocess.STDOUT,
                        env=env,
                        cwd=root,
                    )
                )
            if name == "master":
                wait_for("ALIVE master", lambda s: s is not None and s.get("status") == "ALIVE")
        wait_for(
            "ALIVE worker",
            lambda s: s is not None and any(w.get("state") == "ALIVE" for w in s["workers"]),
        )
        yield found
    finally:
        for process in reversed(processes):  # the worker first: it ends its executors
            _stop(process)
