"""A Spark standalone cluster (one master, one worker) from the pip-installed pyspark.

Started and stopped by ``scripts/spark.sh`` (``make spark-up``), so the tests run the same
commands a developer does: the wheel's ``bin/spark-class`` for the master and the worker,
ready in ~5 s; stopped worker first (it ends its executors).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

import pytest

from tests.conftest import in_ci

START_SECONDS = 60.0
SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "spark.sh"


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


@contextmanager
def spark_cluster(root: Path, cores: int = 1, memory: str = "1g") -> Iterator[Cluster]:
    """A running cluster whose worker offers ``cores`` and ``memory``, started and stopped by
    ``scripts/spark.sh`` (what ``make spark-up`` runs) on free ports, its state in ``root``."""
    _spark_class()
    root.mkdir(parents=True, exist_ok=True)
    port, master_ui_port, worker_ui_port = _free_port(), _free_port(), _free_port()
    env = {
        **os.environ, "SPARK_MASTER_PORT": str(port),
        "SPARK_MASTER_WEBUI_PORT": str(master_ui_port),
        "SPARK_WORKER_WEBUI_PORT": str(worker_ui_port), "SPARK_WORKER_CORES": str(cores),
        "SPARK_WORKER_MEMORY": memory, "SPARK_STATE_DIR": str(root),
        "SPARK_READY_TIMEOUT": str(int(START_SECONDS)), "SPARK_SH_PYTHON": sys.executable,
    }  # fmt: skip
    found = Cluster(
        f"spark://127.0.0.1:{port}", f"http://127.0.0.1:{master_ui_port}",
        [root / "master.log", root / "worker.log"],
    )  # fmt: skip

    def script(action: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(SCRIPT), action], env=env, capture_output=True, text=True,
                              timeout=START_SECONDS + 30, check=False)  # fmt: skip

    try:
        up = script("up")
        if up.returncode != 0:
            pytest.fail(f"scripts/spark.sh up failed: {up.stderr}\n{found.tails()}")
        assert up.stdout.strip() == found.master_url, up.stdout
        yield found
    finally:
        down = script("down")
        assert down.returncode == 0, down.stderr
