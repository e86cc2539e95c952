"""A real `stoker daemon` subprocess for integration and acceptance tests, plus HTTP helpers."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parents[2]
STOKER = str(Path(sys.executable).parent / "stoker")
TERMINAL = {"SUCCEEDED", "FAILED", "TIMEOUT", "STOPPED", "ERROR"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class DaemonProcess:
    """`stoker daemon` in its own data dir; ``env`` adds/overrides STOKER_* settings."""

    def __init__(
        self,
        workdir: Path,
        *,
        db_url: str | None = None,
        pool_size: int = 1,
        env: dict[str, str] | None = None,
        token: str | None = None,
        command: list[str] | None = None,
    ) -> None:
        self.workdir = workdir
        #: What runs the daemon; e.g. tests.support.faulty_daemon to inject faults.
        self.command = command or [STOKER, "daemon"]
        self.port = free_port()
        self.token = token
        inherited = {k: v for k, v in os.environ.items() if not k.startswith("STOKER_")}
        self.env = {
            **inherited,
            "STOKER_DATA_DIR": str(workdir / "data"),
            "STOKER_API__PORT": str(self.port),
            "STOKER_SPARK__POOL_SIZE": str(pool_size),
            "STOKER_SPARK__MASTER": "local[2]",
            "STOKER_SPARK__STOP_GRACE_SECONDS": "5",
            "STOKER_DAEMON__POLL_INTERVAL_SECONDS": "0.5",
            "STOKER_DAEMON__SHUTDOWN_GRACE_SECONDS": "10",
            "SPARK_LOCAL_IP": "127.0.0.1",
            **(env or {}),
        }
        if db_url:
            self.env["STOKER_DATABASE__URL"] = db_url
        self.proc: subprocess.Popen[bytes] | None = None
        self.log_path = workdir / "daemon.log"
        # What the CLI sends: requests that change state must say they carry JSON.
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        self.http = httpx.Client(base_url=self.url, headers=headers, timeout=30)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 90) -> DaemonProcess:
        self.workdir.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("ab")
        self.proc = subprocess.Popen(
            self.command, env=self.env, cwd=self.workdir, stdout=log, stderr=log
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"daemon exited {self.proc.returncode}: {self.log()}")
            try:
                if httpx.get(f"{self.url}/health", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"daemon not up after {timeout}s: {self.log()}")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:]

    def signal(self, sig: int) -> None:
        assert self.proc is not None
        self.proc.send_signal(sig)

    def wait_exit(self, timeout: float = 90) -> int:
        assert self.proc is not None
        return self.proc.wait(timeout)

    def kill9(self) -> None:
        assert self.proc is not None
        self.proc.kill()
        self.proc.wait(30)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(30)
        self.http.close()

    # -- API helpers ---------------------------------------------------------------------

    def create_job(self, name: str, script: str, **fields: Any) -> dict[str, Any]:
        body = {"name": name, "script": script, **fields}
        response = self.http.post("/jobs", json=body)
        assert response.status_code == 201, response.text
        return response.json()  # type: ignore[no-any-return]

    def start_run(self, job: str, **body: Any) -> dict[str, Any]:
        response = self.http.post(f"/jobs/{job}/runs", json=body)
        assert response.status_code == 201, response.text
        return response.json()  # type: ignore[no-any-return]

    def run(self, run_id: str) -> dict[str, Any]:
        response = self.http.get(f"/runs/{run_id}")
        assert response.status_code == 200, response.text
        return response.json()  # type: ignore[no-any-return]

    def wait_state(
        self, run_id: str, states: Iterable[str] = TERMINAL, timeout: float = 120
    ) -> dict[str, Any]:
        wanted = set(states)
        deadline = time.monotonic() + timeout
        while True:
            run = self.run(run_id)
            if run["state"] in wanted:
                return run
            if time.monotonic() > deadline:
                raise AssertionError(f"run {run_id} still {run['state']} after {timeout}s")
            time.sleep(0.1)

    def runs(self, **params: Any) -> list[dict[str, Any]]:
        response = self.http.get("/runs", params={"limit": 1000, **params})
        assert response.status_code == 200, response.text
        return response.json()["runs"]  # type: ignore[no-any-return]

    def events(self, run_id: str | None = None) -> list[dict[str, Any]]:
        response = self.http.get("/events", params={"limit": 1000})
        assert response.status_code == 200, response.text
        events = response.json()["events"]
        return [e for e in events if run_id is None or e["run_id"] == run_id]

    def logs(self, run_id: str, stream: str = "stdout") -> str:
        response = self.http.get(f"/runs/{run_id}/logs", params={"stream": stream})
        assert response.status_code == 200, response.text
        return response.json()["data"]  # type: ignore[no-any-return]
