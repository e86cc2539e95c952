"""A real Prometheus (Debian's package) scraping a real daemon (issue 6).

One daemon (no warm pool, pythonshell jobs only) and one Prometheus on loopback for the
module, scraping every second with deploy/prometheus/stoker-rules.yml loaded. Covers the
daemon's own figures that exist today; the Spark figures come with their collector.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from tests.conftest import in_ci
from tests.support.daemon import REPO, DaemonProcess, free_port

RULES = REPO / "deploy" / "prometheus" / "stoker-rules.yml"
PYSHELL = {"name": "pythonshell"}
WAIT = 45.0  # the first scrape and rule evaluation can take several seconds


@dataclass
class Stack:
    daemon: DaemonProcess
    prom: httpx.Client
    ok_job: str
    bad_job: str


def _prometheus_binary() -> str:
    binary = shutil.which("prometheus")
    if binary is None:
        reason = "prometheus is not installed (scripts/test-deps.sh installs it)"
        if in_ci():
            pytest.fail(f"{reason} (CI=true: services are required)", pytrace=False)
        pytest.skip(reason)
    return binary


def _start_prometheus(workdir: Path, target_port: int) -> tuple[subprocess.Popen[bytes], str]:
    binary = _prometheus_binary()
    workdir.mkdir(parents=True, exist_ok=True)
    rules = workdir / "stoker-rules.yml"
    shutil.copy(RULES, rules)
    config = {
        "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
        "rule_files": [str(rules)],
        "scrape_configs": [{
            "job_name": "stoker",
            "honor_labels": True,
            "metrics_path": "/metrics",
            "scrape_interval": "1s",
            "static_configs": [{"targets": [f"127.0.0.1:{target_port}"]}],
        }],
    }  # fmt: skip
    config_path = workdir / "prometheus.yml"
    config_path.write_text(yaml.safe_dump(config))
    port = free_port()
    log = (workdir / "prometheus.log").open("ab")
    proc = subprocess.Popen(
        [binary, f"--config.file={config_path}", f"--storage.tsdb.path={workdir / 'tsdb'}",
         f"--web.listen-address=127.0.0.1:{port}"],
        stdout=log, stderr=log,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            log_text = (workdir / "prometheus.log").read_text(errors="replace")[-4000:]
            raise RuntimeError(f"prometheus exited {proc.returncode}: {log_text}")
        try:
            if httpx.get(f"{url}/-/ready", timeout=1).status_code == 200:
                return proc, url
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    _stop(proc)
    raise RuntimeError("prometheus not ready after 30s")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(15)


def _poll(what: str, check: Callable[[], Any], timeout: float = WAIT) -> Any:
    """Call ``check`` until it returns something truthy; fail with ``what`` after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} not seen in Prometheus after {timeout}s: {result!r}")
        time.sleep(0.25)


def _query(prom: httpx.Client, expr: str) -> dict[str, Any]:
    response = prom.get("/api/v1/query", params={"query": expr})
    body = response.json()
    assert response.status_code == 200 and body["status"] == "success", (expr, body)
    return body["data"]  # type: ignore[no-any-return]


def _samples(prom: httpx.Client, expr: str) -> list[dict[str, Any]]:
    return _query(prom, expr)["result"]  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    _prometheus_binary()  # skip/fail before starting anything
    daemon = DaemonProcess(tmp_path_factory.mktemp("daemon"), pool_size=0).start()
    try:
        proc, url = _start_prometheus(tmp_path_factory.mktemp("prometheus"), daemon.port)
    except BaseException:
        daemon.stop()
        raise
    prom = httpx.Client(base_url=url, timeout=10)
    suffix = uuid.uuid4().hex[:8]
    ok_job, bad_job = f"metrics-ok-{suffix}", f"metrics-bad-{suffix}"
    try:
        daemon.create_job(ok_job, "print('fine')\n", command=PYSHELL)
        daemon.create_job(bad_job, "raise RuntimeError('boom')\n", command=PYSHELL)
        ok = daemon.wait_state(daemon.start_run(ok_job)["id"], timeout=60)
        assert ok["state"] == "SUCCEEDED", daemon.logs(ok["id"], "stderr")
        bad = daemon.wait_state(daemon.start_run(bad_job)["id"], timeout=60)
        assert bad["state"] == "FAILED", bad
        yield Stack(daemon, prom, ok_job, bad_job)
    finally:
        prom.close()
        _stop(proc)
        daemon.stop()


def test_daemon_is_scraped_and_its_figures_have_samples(stack: Stack) -> None:
    prom, ok, bad = stack.prom, stack.ok_job, stack.bad_job
    _poll("up{job=stoker} == 1", lambda: _samples(prom, 'up{job="stoker"} == 1'))
    # honor_labels keeps the daemon's `job` label (the stoker job name) on stoker_* series.
    expected = [
        f'stoker_runs_finished_total{{job="{ok}", state="SUCCEEDED"}} >= 1',
        f'stoker_runs_finished_total{{job="{bad}", state="FAILED"}} >= 1',
        f'stoker_runs_started_total{{job="{ok}"}} >= 1',
        f'stoker_runs_started_total{{job="{bad}"}} >= 1',
        f'stoker_run_duration_seconds_count{{job="{ok}"}} >= 1',
        f'stoker_dispatch_latency_seconds_count{{job="{bad}"}} >= 1',
        "stoker_build_info",
        "stoker_pool_size == 0",
    ]
    for expr in expected:
        _poll(expr, lambda expr=expr: _samples(prom, expr))  # type: ignore[misc]
    # The scrape's own instance label stays, so the alert rules can group by it.
    up = _samples(prom, 'up{job="stoker"}')
    assert up[0]["metric"]["instance"] == f"127.0.0.1:{stack.daemon.port}"


def test_a_failing_job_makes_the_job_failed_alert_fire(stack: Stack) -> None:
    rule = next(
        r for g in yaml.safe_load(RULES.read_text())["groups"] for r in g["rules"]
        if r.get("alert") == "StokerJobRunFailed"
    )  # fmt: skip
    assert "for" not in rule  # fires on the first evaluation that sees the increase
    prom, daemon, bad = stack.prom, stack.daemon, stack.bad_job
    # One failure is enough: the job's FAILED series is born with it (first sample 1), and
    # the rule's second clause catches a new series above zero where increase() cannot.

    def alert() -> list[dict[str, Any]]:
        response = prom.get("/api/v1/alerts")
        assert response.status_code == 200, response.text
        return [
            a for a in response.json()["data"]["alerts"]
            if a["labels"].get("alertname") == "StokerJobRunFailed"
            and a["labels"].get("job") == bad and a["state"] == "firing"
        ]  # fmt: skip

    firing = _poll("StokerJobRunFailed firing", alert)
    labels = firing[0]["labels"]
    assert labels["state"] == "FAILED"
    assert labels["severity"] == "warning"
    assert labels["instance"] == f"127.0.0.1:{daemon.port}"
    assert bad in firing[0]["annotations"]["summary"]
    assert not [
        a for a in _samples(prom, 'ALERTS{alertname="StokerJobRunFailed"}')
        if a["metric"].get("job") == stack.ok_job
    ]  # fmt: skip


def test_every_rule_expression_is_accepted_by_prometheus(stack: Stack) -> None:
    groups = yaml.safe_load(RULES.read_text())["groups"]
    exprs = [str(rule["expr"]) for group in groups for rule in group["rules"]]
    assert len(exprs) >= 10
    for expr in exprs:
        _query(stack.prom, expr)  # status success: data or empty, never a parse error
    # Prometheus loaded every rule from the file, and none failed to evaluate.
    response = stack.prom.get("/api/v1/rules")
    loaded = [r for g in response.json()["data"]["groups"] for r in g["rules"]]
    assert len(loaded) == len(exprs)
    assert not [r for r in loaded if r.get("health") == "err"], loaded
