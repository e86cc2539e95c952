"""The daemon's HTTP boundary against a real `stoker daemon` (issue 10): a web page cannot
start runs or deactivate triggers (cross-site form posts, DNS rebinding), a huge body is
refused before it is read or parsed, and /metrics off loopback without a token is refused
at start."""

from __future__ import annotations

import socket
import subprocess
from collections.abc import Callable
from pathlib import Path

import httpx

from tests.acceptance.conftest import PYSHELL, stoker
from tests.support.daemon import DaemonProcess, free_port

StartDaemon = Callable[..., DaemonProcess]


def raw_request(daemon: DaemonProcess, head: str, body: bytes = b"") -> tuple[int, bytes]:
    """Send ``head`` (request line and headers) and ``body`` over a plain socket; the
    status line's code and the rest of the response."""
    with socket.create_connection(("127.0.0.1", daemon.port), timeout=30) as sock:
        sock.sendall(head.replace("\n", "\r\n").encode() + b"\r\n\r\n" + body)
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
            if b"\r\n\r\n" in received and b'"}' in received:
                break
    status = int(received.split(b" ", 2)[1])
    return status, received


def test_a_web_page_cannot_change_state(start_daemon: StartDaemon) -> None:
    daemon = start_daemon("browser", pool_size=0)
    daemon.create_job("etl", "print('etl')\n", command=PYSHELL)
    created = daemon.http.post("/triggers", json={
        "name": "nightly", "type": "SCHEDULED", "schedule": "rate(1 day)",
        "actions": [{"job_name": "etl"}], "start_on_creation": True})  # fmt: skip
    assert created.status_code == 201, created.text
    # What <form method=post action="http://127.0.0.1:PORT/..."> on another site sends.
    form = {"Content-Type": "application/x-www-form-urlencoded", "Origin": "http://evil.example"}
    for path in ("/jobs/etl/runs", "/triggers/nightly/deactivate"):
        response = httpx.post(f"{daemon.url}{path}", content=b"a=1", headers=form)
        assert response.status_code == 403 and response.json()["field"] == "Origin", response.text
    # Without an Origin (fetch mode no-cors from some browsers) it is still not JSON.
    plain = httpx.post(f"{daemon.url}/jobs/etl/runs", content=b"{}",
                       headers={"Content-Type": "text/plain"})  # fmt: skip
    assert plain.status_code == 415 and plain.json()["code"] == "UnsupportedMediaType"
    # DNS rebinding: the page's own name resolves to 127.0.0.1; the Host header gives it away.
    rebound = httpx.get(f"{daemon.url}/jobs", headers={"Host": f"evil.example:{daemon.port}"})
    assert rebound.status_code == 403 and rebound.json()["field"] == "Host"
    assert daemon.runs() == []
    assert daemon.http.get("/triggers/nightly").json()["state"] == "ACTIVATED"
    # The CLI (and the console) send what the checks need.
    assert stoker("runs", "start", "etl", daemon=daemon).returncode == 0


def test_a_huge_body_is_refused_before_it_is_read(start_daemon: StartDaemon) -> None:
    daemon = start_daemon("huge", pool_size=0, token="tok", env={"STOKER_API__TOKENS": '["tok"]'})
    declared = 200 * 1024 * 1024
    head = (f"POST /apply HTTP/1.1\nHost: 127.0.0.1:{daemon.port}\n"
            f"Content-Type: application/json\nContent-Length: {declared}")  # fmt: skip
    status, response = raw_request(daemon, head + "\nAuthorization: Bearer tok", b"{")
    assert status == 413 and b"PayloadTooLarge" in response
    status, response = raw_request(daemon, head, b"{")  # no token: refused first for that
    assert status == 401 and b"Unauthorized" in response
    assert daemon.http.get("/health").status_code == 200


def test_metrics_off_loopback_without_a_token_exits_2(tmp_path: Path) -> None:
    env = {
        "STOKER_DATA_DIR": str(tmp_path / "data"), "STOKER_API__PORT": str(free_port()),
        "STOKER_SPARK__POOL_SIZE": "0", "STOKER_METRICS__PORT": str(free_port()),
        "STOKER_METRICS__HOST": "0.0.0.0",
    }  # fmt: skip
    result: subprocess.CompletedProcess[str] = stoker("daemon", env=env, cwd=tmp_path, timeout=60)
    assert result.returncode == 2, result
    assert "metrics.require_auth" in result.stderr and "0.0.0.0" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "data").exists()
