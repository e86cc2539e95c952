"""A real Prometheus (Debian's package) scraping a real daemon (issue 6).

One daemon (one warm Spark driver, /metrics on a port of its own, Spark figures sampled
every second) and one Prometheus on loopback for the module, scraping every second with
deploy/prometheus/stoker-rules.yml loaded. A Spark ETL run reads CSV input, shuffles (a
groupBy and a join) and writes Parquet; two Python-shell runs succeed and fail.
"""

from __future__ import annotations

import json
import os
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

from tests.conftest import required_binary
from tests.support.daemon import REPO, STOKER, DaemonProcess, free_port
from tests.support.waiting import eventually

RULES = REPO / "deploy" / "prometheus" / "stoker-rules.yml"
DASHBOARD = REPO / "deploy" / "grafana" / "dashboards" / "stoker.json"
ETL = """
inp, out = args["input"], args["output"]
# Explicit schemas (no inference job) and no broadcast join: each input is scanned once.
spark.conf.set("spark.sql.autoBroadcastJoinThreshold", "-1")
reader = spark.read.option("header", True)
orders = reader.schema("order_id INT, customer_id INT, amount DOUBLE").csv(inp + "/orders")
customers = reader.schema("customer_id INT, name STRING").csv(inp + "/customers")
per_customer = orders.groupBy("customer_id").sum("amount")
per_customer.join(customers, "customer_id").write.mode("overwrite").parquet(out)
spark.conf.unset("spark.sql.autoBroadcastJoinThreshold")
"""
ORDERS = 3000
CUSTOMERS = 50
PYSHELL = {"name": "pythonshell"}
WAIT = 45.0  # the first scrape and rule evaluation can take several seconds


@dataclass
class Stack:
    daemon: DaemonProcess
    prom: httpx.Client
    ok_job: str
    bad_job: str
    etl_job: str
    etl_run: dict[str, Any]
    output: Path


def _prometheus_binary() -> str:
    return required_binary("prometheus")


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
    return eventually(check, f"{what} in Prometheus", timeout, interval=0.25)


def _query(prom: httpx.Client, expr: str) -> dict[str, Any]:
    response = prom.get("/api/v1/query", params={"query": expr})
    body = response.json()
    assert response.status_code == 200 and body["status"] == "success", (expr, body)
    return body["data"]  # type: ignore[no-any-return]


def _samples(prom: httpx.Client, expr: str) -> list[dict[str, Any]]:
    return _query(prom, expr)["result"]  # type: ignore[no-any-return]


def _write_input(root: Path) -> None:
    (root / "orders").mkdir(parents=True)
    (root / "customers").mkdir()
    rows = [f"{i},{i % CUSTOMERS},{i * 1.5}" for i in range(ORDERS)]
    for part in range(3):  # three files: three read tasks
        chunk = rows[part::3]
        text = "order_id,customer_id,amount\n" + "\n".join(chunk) + "\n"
        (root / "orders" / f"part-{part}.csv").write_text(text)
    customers = [f"{c},customer {c}" for c in range(CUSTOMERS)]
    (root / "customers" / "all.csv").write_text("customer_id,name\n" + "\n".join(customers))


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    _prometheus_binary()  # skip/fail before starting anything
    metrics_port = free_port()
    env = {
        "STOKER_METRICS__PORT": str(metrics_port),
        "STOKER_METRICS__SPARK_REFRESH_SECONDS": "1",
        "STOKER_METRICS__HISTORY_INTERVAL_SECONDS": "1",
    }
    daemon = DaemonProcess(tmp_path_factory.mktemp("daemon"), pool_size=1, env=env).start()
    try:
        proc, url = _start_prometheus(tmp_path_factory.mktemp("prometheus"), metrics_port)
    except BaseException:
        daemon.stop()
        raise
    prom = httpx.Client(base_url=url, timeout=10)
    suffix = uuid.uuid4().hex[:8]
    ok_job, bad_job = f"metrics-ok-{suffix}", f"metrics-bad-{suffix}"
    etl_job = f"metrics-etl-{suffix}"
    data = tmp_path_factory.mktemp("etl")
    _write_input(data / "in")
    output = data / "out"
    try:
        daemon.create_job(ok_job, "print('fine')\n", command=PYSHELL)
        daemon.create_job(bad_job, "raise RuntimeError('boom')\n", command=PYSHELL)
        daemon.create_job(
            etl_job, ETL,
            default_arguments={"--input": str(data / "in"), "--output": str(output)},
        )  # fmt: skip
        ok = daemon.wait_state(daemon.start_run(ok_job)["id"], timeout=60)
        assert ok["state"] == "SUCCEEDED", daemon.logs(ok["id"], "stderr")
        bad = daemon.wait_state(daemon.start_run(bad_job)["id"], timeout=60)
        assert bad["state"] == "FAILED", bad
        etl = daemon.wait_state(daemon.start_run(etl_job)["id"], timeout=240)
        assert etl["state"] == "SUCCEEDED", daemon.logs(etl["id"], "stderr")
        yield Stack(daemon, prom, ok_job, bad_job, etl_job, etl, output)
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
        "stoker_pool_size == 1",
        'stoker_pool_drivers{state="idle"}',
    ]
    for expr in expected:
        _poll(expr, lambda expr=expr: _samples(prom, expr))  # type: ignore[misc]
    # The scrape's own instance label stays, so the alert rules can group by it.
    up = _samples(prom, 'up{job="stoker"}')
    assert up[0]["metric"]["instance"].startswith("127.0.0.1:")


def test_spark_figures_of_an_etl_run_have_samples(stack: Stack) -> None:
    prom, etl = stack.prom, stack.etl_job
    written = sum(f.stat().st_size for f in stack.output.glob("part-*"))
    expected = [
        f'stoker_glue_records_read_total{{job="{etl}"}} == {ORDERS + CUSTOMERS}',
        f'stoker_glue_bytes_read_total{{job="{etl}"}} > 0',
        f'stoker_glue_records_written_total{{job="{etl}"}} == {CUSTOMERS}',
        f'stoker_glue_bytes_written_total{{job="{etl}"}} == {written}',
        f'stoker_glue_shuffle_bytes_written_total{{job="{etl}"}} > 0',
        f'stoker_glue_shuffle_bytes_read_total{{job="{etl}"}} > 0',
        f'stoker_glue_shuffle_local_bytes_read_total{{job="{etl}"}} > 0',
        f'stoker_glue_completed_stages_total{{job="{etl}"}} >= 2',
        f'stoker_glue_completed_tasks_total{{job="{etl}"}} > 0',
        f'stoker_glue_failed_tasks_total{{job="{etl}"}} == 0',
        f'stoker_glue_jvm_heap_used_bytes{{job="{etl}", executor="driver"}} > 0',
        f'stoker_glue_jvm_heap_usage_ratio{{job="{etl}", executor="driver"}} > 0',
        f'stoker_glue_cpu_load{{job="{etl}", executor="driver"}} >= 0',
        f'stoker_glue_active_executors{{job="{etl}"}}',
        f'stoker_glue_max_needed_executors{{job="{etl}"}}',
    ]
    for expr in expected:
        try:
            _poll(expr, lambda expr=expr: _samples(prom, expr))  # type: ignore[misc]
        except AssertionError as exc:
            selector = expr.split(" ")[0]
            raise AssertionError(f"{exc}; {selector} is {_samples(prom, selector)}") from None
    # Never a run id in a label: a series per run would grow without bound.
    for series in _samples(prom, '{__name__=~"stoker_glue_.*"}'):
        assert stack.etl_run["id"] not in str(series["metric"]), series


def _dashboard_exprs() -> list[str]:
    def panels(node: dict[str, Any]) -> Iterator[dict[str, Any]]:
        for panel in node.get("panels", []):
            yield panel
            yield from panels(panel)

    board = json.loads(DASHBOARD.read_text())
    return [t["expr"] for p in panels(board) for t in p.get("targets", []) if t.get("expr")]


def test_every_dashboard_panel_query_returns_data(stack: Stack) -> None:
    """Grafana's variables set to "All" and a rate window the 1 s scrape can fill."""
    exprs = _dashboard_exprs()
    assert len(exprs) >= 30
    # Panels with nothing to show in this test's scenario: no triggers, no Kafka, no
    # delayed runs, no pool recycling, no executors but the driver (local mode); their
    # queries must still be valid.
    quiet = (
        "trigger", "outbox", "events_", "delayed", "recycled", "replaced", 'executor!="driver"'
    )  # fmt: skip
    for raw in exprs:
        expr = (
            raw.replace('"$job"', '".*"').replace('"$instance"', '".*"')
            .replace("$__rate_interval", "1m")
        )  # fmt: skip
        if any(word in expr for word in quiet):
            _query(stack.prom, expr)
            continue
        _poll(f"dashboard query {expr}", lambda expr=expr: _samples(stack.prom, expr))  # type: ignore[misc]


def test_a_failing_job_makes_the_job_failed_alert_fire(stack: Stack) -> None:
    rule = next(
        r for g in yaml.safe_load(RULES.read_text())["groups"] for r in g["rules"]
        if r.get("alert") == "StokerJobRunFailed"
    )  # fmt: skip
    assert "for" not in rule  # fires on the first evaluation that sees the increase
    prom, bad = stack.prom, stack.bad_job
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
    assert labels["instance"].startswith("127.0.0.1:")
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


def _cli(stack: Stack, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("STOKER_")}
    env["STOKER_API_URL"] = stack.daemon.url
    return subprocess.run(
        [STOKER, *args], env=env, capture_output=True, text=True, timeout=60, check=False
    )


def test_the_runs_metrics_history_is_stored_and_shown(stack: Stack, tmp_path: Path) -> None:
    """What the console's "View run metrics" shows, through the API and the CLI."""
    run_id = stack.etl_run["id"]
    written = sum(f.stat().st_size for f in stack.output.glob("part-*"))

    def stored() -> dict[str, Any] | None:
        body: dict[str, Any] = stack.daemon.http.get(f"/runs/{run_id}/metrics").json()
        return body if body["complete"] else None

    history = _poll("the run's final stored sample", stored, timeout=15)
    final = history["samples"][-1]
    assert final["final"] is True
    assert final["records_read"] == ORDERS + CUSTOMERS
    assert final["records_written"] == CUSTOMERS
    assert final["bytes_written"] == written
    assert final["shuffle_bytes_written"] > 0
    driver = next(e for e in final["executors"] if e["executor_id"] == "driver")
    assert driver["heap_used_bytes"] > 0 and 0 < driver["heap_usage"] <= 1

    shown = _cli(stack, "runs", "metrics", run_id)
    assert shown.returncode == 0, shown.stderr
    assert run_id in shown.stdout and "(final)" in shown.stdout
    chart = tmp_path / "run.png"
    drawn = _cli(stack, "runs", "metrics", run_id, "--chart", str(chart))
    assert drawn.returncode == 0, drawn.stderr
    assert chart.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    missing = _cli(stack, "runs", "metrics", "jr_" + "0" * 64)
    assert missing.returncode == 3 and "does not exist" in missing.stderr
