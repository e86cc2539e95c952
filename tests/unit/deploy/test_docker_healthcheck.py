"""docker/healthcheck.py, the compose services' health checks, against a small HTTP server
that answers as the daemon's /health and the Spark master's /json/ do."""

from __future__ import annotations

import importlib.util
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

SCRIPT = Path(__file__).resolve().parents[3] / "docker" / "healthcheck.py"


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("docker_healthcheck", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


healthcheck = _load()


class Answers:
    """What the server answers: path → (status, JSON body)."""

    def __init__(self) -> None:
        self.routes: dict[str, tuple[int, Any]] = {}
        self.seen: list[str] = []


@pytest.fixture
def server() -> Iterator[tuple[Answers, int]]:
    answers = Answers()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            answers.seen.append(self.path)
            status, body = answers.routes.get(self.path, (404, {"detail": "no such path"}))
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: the test output is the assertions'."""

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield answers, httpd.server_address[1]
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


def test_the_daemon_is_healthy_while_health_answers_200(server: tuple[Answers, int]) -> None:
    answers, port = server
    for status in ("ok", "degraded"):
        answers.routes["/health"] = (200, {"status": status, "accepting_runs": True})
        assert healthcheck.check_stoker(port) is None
    answers.routes["/health"] = (503, {"status": "down"})
    assert healthcheck.check_stoker(port) == "/health answered 503"
    assert answers.seen == ["/health"] * 3


def test_a_daemon_that_does_not_answer_is_unhealthy() -> None:
    problem = healthcheck.check_stoker(1)  # nothing listens on port 1
    assert problem is not None
    assert problem.startswith("/health on port 1 did not answer:")


def test_the_master_is_healthy_once_alive(server: tuple[Answers, int]) -> None:
    answers, port = server
    url = f"http://127.0.0.1:{port}"
    answers.routes["/json/"] = (200, {"status": "ALIVE", "workers": []})
    assert healthcheck.check_master(url) is None
    answers.routes["/json/"] = (200, {"status": "RECOVERING", "workers": []})
    assert healthcheck.check_master(url) == f"the Spark master at {url} is 'RECOVERING', not ALIVE"


def test_the_worker_is_healthy_once_the_master_lists_it_alive(
    server: tuple[Answers, int],
) -> None:
    answers, port = server
    url = f"http://127.0.0.1:{port}/"
    other = {"host": "elsewhere", "state": "ALIVE"}
    answers.routes["/json/"] = (200, {"status": "ALIVE", "workers": [other]})
    assert healthcheck.check_worker(url, "spark-worker") == (
        f"the Spark master at {url} has no ALIVE worker on spark-worker"
    )
    dead = {"host": "spark-worker", "state": "DEAD"}
    answers.routes["/json/"] = (200, {"status": "ALIVE", "workers": [other, dead]})
    assert healthcheck.check_worker(url, "spark-worker") is not None
    alive = {"host": "spark-worker", "state": "ALIVE"}
    answers.routes["/json/"] = (200, {"status": "ALIVE", "workers": [dead, alive]})
    assert healthcheck.check_worker(url, "spark-worker") is None


def test_the_exit_status_says_healthy_unhealthy_or_usage(
    server: tuple[Answers, int],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    answers, port = server
    monkeypatch.setenv("STOKER_API__PORT", str(port))
    answers.routes["/health"] = (200, {"status": "ok"})
    assert healthcheck.main(["stoker"]) == 0
    answers.routes["/health"] = (503, {"status": "down"})
    assert healthcheck.main(["stoker"]) == 1
    assert capsys.readouterr().err == "unhealthy: /health answered 503\n"
    assert healthcheck.main(["spark-worker", f"http://127.0.0.1:{port}"]) == 2
    assert "healthcheck.py spark-worker URL HOST" in capsys.readouterr().err
