"""The shipped Grafana dashboard loads, has its variables, and queries only stoker's metrics
with PromQL that promtool accepts."""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import required_binary

GRAFANA = Path(__file__).resolve().parents[3] / "deploy" / "grafana"
DASHBOARD = GRAFANA / "dashboards" / "stoker.json"

# The daemon's metrics now (stoker/metrics/registry.py) and the contract for the ones to come.
METRICS = {
    "stoker_runs_started_total", "stoker_runs_finished_total", "stoker_run_duration_seconds",
    "stoker_dispatch_latency_seconds", "stoker_runs", "stoker_queue_depth", "stoker_pool_size",
    "stoker_pool_drivers", "stoker_pool_drivers_recycled_total",
    "stoker_pool_drivers_replaced_total", "stoker_outbox_pending",
    "stoker_events_published_total", "stoker_events_publish_errors_total",
    "stoker_events_dead_lettered_total", "stoker_build_info",
    # later
    "stoker_trigger_fires_total", "stoker_trigger_fire_lag_seconds",
    "stoker_trigger_missed_fires_total", "stoker_outbox_oldest_pending_age_seconds",
    "stoker_run_delayed_total", "stoker_glue_bytes_read_total", "stoker_glue_bytes_written_total",
    "stoker_glue_records_read_total", "stoker_glue_records_written_total",
    "stoker_glue_shuffle_bytes_read_total", "stoker_glue_shuffle_bytes_written_total",
    "stoker_glue_jvm_heap_used_bytes", "stoker_glue_jvm_heap_usage_ratio", "stoker_glue_cpu_load",
    "stoker_glue_active_executors", "stoker_glue_max_needed_executors",
    "stoker_glue_completed_stages_total", "stoker_glue_completed_tasks_total",
    "stoker_glue_failed_tasks_total",
}  # fmt: skip
HISTOGRAMS = {"stoker_run_duration_seconds", "stoker_dispatch_latency_seconds",
              "stoker_trigger_fire_lag_seconds"}  # fmt: skip
ALLOWED = (
    METRICS
    | {"up"}
    | {f"{h}_{suffix}" for h in HISTOGRAMS for suffix in ("bucket", "sum", "count")}
)
KEYWORDS = {"by", "without", "on", "ignoring", "group_left", "group_right", "and", "or",
            "unless", "offset", "bool", "inf", "nan"}  # fmt: skip

# Grafana's variables, replaced by values PromQL accepts before promtool sees an expression.
SUBSTITUTIONS = {
    "$__rate_interval": "5m",
    "$__interval": "1m",
    "$__range": "1h",
    "${job}": ".*",
    "$job": ".*",
    "${instance}": ".*",
    "$instance": ".*",
}


@pytest.fixture(scope="module")
def dashboard() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(DASHBOARD.read_text())
    return loaded


def _panels(panels: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for panel in panels:
        yield panel
        yield from _panels(panel.get("panels", []))


def _exprs(dashboard: dict[str, Any]) -> list[str]:
    exprs = [t["expr"] for p in _panels(dashboard["panels"]) for t in p.get("targets", [])]
    for var in dashboard["templating"]["list"]:
        if var["type"] == "query":
            query = var["query"]["query"] if isinstance(var["query"], dict) else var["query"]
            match = re.fullmatch(r"label_values\((.+),\s*\w+\)", query)
            assert match, query
            exprs.append(match.group(1))
    return exprs


def _substituted(expr: str) -> str:
    for variable, value in SUBSTITUTIONS.items():
        expr = expr.replace(variable, value)
    assert "$" not in expr, f"unknown Grafana variable in {expr!r}"
    return expr


def metric_names(expr: str) -> set[str]:
    """Identifiers in metric position: no strings, matchers, ranges, label lists, functions."""
    stripped = re.sub(r'"(?:[^"\\]|\\.)*"', "", expr)
    stripped = re.sub(r"\{[^}]*\}", " ", stripped)
    stripped = re.sub(r"\[[^\]]*\]", " ", stripped)
    stripped = re.sub(
        r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", stripped
    )
    names = set()
    for match in re.finditer(r"(?<![\w.])([A-Za-z_:][\w:]*)\s*(\()?", stripped):
        name, call = match.groups()
        if call or name.lower() in KEYWORDS:
            continue
        names.add(name)
    return names


def test_metric_names_parser() -> None:
    expr = 'histogram_quantile(0.99, sum by (job, le) (rate(stoker_x_bucket{job=~"a|b"}[5m]))) > 1'
    assert metric_names(expr) == {"stoker_x_bucket"}
    assert metric_names("up == 0 and on (instance) stoker_pool_size") == {"up", "stoker_pool_size"}


def test_dashboard_loads_and_is_provisionable(dashboard: dict[str, Any]) -> None:
    assert dashboard["uid"] == "stoker"
    assert dashboard["schemaVersion"] >= 38
    assert "id" not in dashboard or dashboard["id"] is None
    ids = [p["id"] for p in _panels(dashboard["panels"])]
    assert len(ids) == len(set(ids))
    for panel in _panels(dashboard["panels"]):
        if panel["type"] != "row":
            assert panel["datasource"] == {"type": "prometheus", "uid": "${DS_PROMETHEUS}"}
            assert panel["targets"], panel["title"]


def test_dashboard_variables(dashboard: dict[str, Any]) -> None:
    variables = {v["name"]: v for v in dashboard["templating"]["list"]}
    assert variables["DS_PROMETHEUS"]["type"] == "datasource"
    assert variables["DS_PROMETHEUS"]["query"] == "prometheus"
    job = variables["job"]
    assert job["query"]["query"] == "label_values(stoker_runs_started_total, job)"
    assert job["multi"] is True
    assert job["includeAll"] is True
    assert variables["instance"]["type"] == "query"


def test_dashboard_has_glue_metrics_rows_and_daemon_row(dashboard: dict[str, Any]) -> None:
    rows = [p["title"] for p in dashboard["panels"] if p["type"] == "row"]
    for wanted in ("ETL data movement", "Memory profile", "Data shuffle", "CPU load",
                   "Job execution", "Daemon"):  # fmt: skip
        assert any(title.startswith(wanted) for title in rows), wanted
    used = set().union(*(metric_names(e) for e in _exprs(dashboard)))
    # Every Glue figure and every daemon figure named in the issue has a panel.
    missing = {m for m in METRICS if m not in used and f"{m}_bucket" not in used}
    assert not missing


def test_dashboard_queries_only_stoker_metrics(dashboard: dict[str, Any]) -> None:
    for expr in _exprs(dashboard):
        names = metric_names(expr)
        assert names, expr
        assert names <= ALLOWED, f"{expr}: unknown {names - ALLOWED}"


def _promtool() -> str:
    return required_binary("promtool")


def test_dashboard_promql_is_valid(dashboard: dict[str, Any], tmp_path: Path) -> None:
    """One recording rule per expression, checked by promtool: a syntax error names the rule."""
    exprs = _exprs(dashboard)
    rules = [
        {"record": f"stoker:dashboard_expr_{i}", "expr": _substituted(e)}
        for i, e in enumerate(exprs)
    ]
    path = tmp_path / "dashboard-rules.yml"
    path.write_text(yaml.safe_dump({"groups": [{"name": "dashboard", "rules": rules}]}))
    result = subprocess.run(
        [_promtool(), "check", "rules", str(path)],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"SUCCESS: {len(exprs)} rules found" in result.stdout + result.stderr


def test_provisioning_files() -> None:
    (source,) = yaml.safe_load((GRAFANA / "provisioning/datasources/prometheus.yml").read_text())[
        "datasources"
    ]
    assert source["type"] == "prometheus"
    (provider,) = yaml.safe_load((GRAFANA / "provisioning/dashboards/stoker.yml").read_text())[
        "providers"
    ]
    assert provider["type"] == "file"
    assert provider["options"]["path"]
