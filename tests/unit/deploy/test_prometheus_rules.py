"""The shipped Prometheus rules and example config pass promtool, and the job-failed alert fires."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import yaml

from tests.conftest import required_binary

DEPLOY = Path(__file__).resolve().parents[3] / "deploy" / "prometheus"
RULES = DEPLOY / "stoker-rules.yml"
RULES_TEST = DEPLOY / "stoker-rules.test.yml"
EXAMPLE = DEPLOY / "prometheus.example.yml"

ALERTS = {
    "StokerJobRunFailed",
    "StokerJobRunDelayed",
    "StokerOutboxBacklogGrowing",
    "StokerTriggerFireLagHigh",
    "StokerDaemonDown",
    "StokerDaemonNotScraped",
    "StokerDriverPoolExhausted",
}


def promtool() -> str:
    return required_binary("promtool")


def _run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [promtool(), *args], capture_output=True, text=True, timeout=60, cwd=cwd, check=False
    )


def test_rules_pass_promtool_check() -> None:
    result = _run("check", "rules", str(RULES))
    assert result.returncode == 0, result.stdout + result.stderr


def test_alerts_have_severity_and_annotations() -> None:
    groups = yaml.safe_load(RULES.read_text())["groups"]
    alerts = {r["alert"]: r for g in groups for r in g["rules"] if "alert" in r}
    assert set(alerts) == ALERTS
    for name, rule in alerts.items():
        assert rule["labels"]["severity"] in {"info", "warning", "critical"}, name
        assert rule["annotations"]["summary"], name
        if name != "StokerDaemonNotScraped":  # absent() has no labels to name
            assert "{{ $labels." in rule["annotations"]["description"], name


def test_example_config_passes_promtool_check(tmp_path: Path) -> None:
    config = yaml.safe_load(EXAMPLE.read_text())
    assert config["rule_files"] == ["/etc/prometheus/stoker-rules.yml"]
    (scrape,) = config["scrape_configs"]
    assert scrape["job_name"] == "stoker"
    assert scrape["metrics_path"] == "/metrics"
    assert scrape["scrape_interval"] == "15s"
    assert scrape["honor_labels"] is True  # keeps stoker's own `job` label
    assert scrape["static_configs"] == [{"targets": ["127.0.0.1:8421"]}]

    shutil.copy(RULES, tmp_path / "stoker-rules.yml")
    config["rule_files"] = [str(tmp_path / "stoker-rules.yml")]
    copy = tmp_path / "prometheus.yml"
    copy.write_text(yaml.safe_dump(config))
    result = _run("check", "config", str(copy))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 rule files found" in result.stdout + result.stderr


def test_rule_unit_tests_pass() -> None:
    """stoker-rules.test.yml: a synthetic FAILED run fires StokerJobRunFailed, and more."""
    assert "StokerJobRunFailed" in RULES_TEST.read_text()
    result = _run("test", "rules", RULES_TEST.name, cwd=DEPLOY)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout + result.stderr
