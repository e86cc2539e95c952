"""The shipped systemd unit passes `systemd-analyze verify`, and its example config loads."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from stoker.api.auth import is_loopback
from stoker.config.settings import load_settings
from stoker.daemon.app import Daemon

DEPLOY = Path(__file__).resolve().parents[3] / "deploy" / "systemd"
UNIT = DEPLOY / "stoker.service"
PRODUCTION_BINARY = "/opt/stoker/.venv/bin/stoker"


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Only the example file counts, not STOKER_* variables of whoever runs the tests."""
    for name in list(os.environ):
        if name.startswith("STOKER_"):
            monkeypatch.delenv(name)


def _systemd_analyze() -> str:
    found = shutil.which("systemd-analyze")
    if found is None:
        reason = "systemd-analyze is missing (scripts/test-deps.sh installs Debian's systemd)"
        if os.environ.get("CI", "").lower() in ("true", "1"):
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)
    return found


def _directives(text: str) -> dict[str, str]:
    pairs = (
        line.split("=", 1)
        for line in text.splitlines()
        if "=" in line and not line.lstrip().startswith(("#", ";"))
    )
    return {key.strip(): value.strip() for key, value in pairs}


def _verify(unit: Path) -> list[str]:
    """Problems systemd reports about this unit (it exits 0 on unknown keys, so read output)."""
    result = subprocess.run(
        [_systemd_analyze(), "verify", "--man=no", str(unit)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    output = (result.stdout + result.stderr).splitlines()
    # Only lines about our unit: the host may add noise about its own units.
    problems = [line for line in output if unit.name in line]
    if result.returncode != 0 and not problems:
        problems = output or [f"systemd-analyze exited {result.returncode}"]
    return problems


def _testable_copy(tmp_path: Path, text: str) -> Path:
    """The unit with ExecStart on this venv's binary: verify insists the binary exists."""
    binary = Path(sys.prefix) / "bin" / "stoker"
    assert binary.exists(), f"{binary} missing: is stoker installed in this venv?"
    copy = tmp_path / UNIT.name
    copy.write_text(text.replace(PRODUCTION_BINARY, str(binary)))
    return copy


def test_unit_passes_systemd_analyze_verify(tmp_path: Path) -> None:
    text = UNIT.read_text()
    assert f"ExecStart={PRODUCTION_BINARY} daemon" in text  # the shipped unit stays production
    assert _verify(_testable_copy(tmp_path, text)) == []


def test_verify_catches_a_broken_directive(tmp_path: Path) -> None:
    """Guards the test above: a typo must be reported, not silently pass."""
    broken = UNIT.read_text().replace("Restart=on-failure", "Restart=sometimes\nBogusKey=1")
    problems = _verify(_testable_copy(tmp_path, broken))
    assert any("BogusKey" in line for line in problems)
    assert any("sometimes" in line for line in problems)


def test_unit_runs_the_daemon_as_a_notify_service_with_a_watchdog() -> None:
    d = _directives(UNIT.read_text())
    assert d["Type"] == "notify"
    assert d["NotifyAccess"] == "main"
    assert d["ExecStart"] == f"{PRODUCTION_BINARY} daemon --config /etc/stoker/stoker.toml"
    assert d["WatchdogSec"] == "30"
    assert d["KillMode"] == "mixed"
    assert (d["User"], d["Group"]) == ("stoker", "stoker")
    assert "SPARK_LOCAL_IP=127.0.0.1" in d["Environment"]
    # A JVM needs writable+executable memory for its JIT.
    assert "MemoryDenyWriteExecute" not in d


@pytest.mark.usefixtures("clean_env")
def test_stop_timeout_outlasts_the_daemons_own_shutdown_bound() -> None:
    # The daemon ends itself by then (stoker.daemon.shutdown); systemd's SIGKILL is the net.
    d = _directives(UNIT.read_text())
    settings = load_settings(DEPLOY / "stoker.toml")
    bound = Daemon(settings).shutdown_bound
    assert bound >= settings.daemon.shutdown_grace_seconds + settings.spark.stop_grace_seconds
    assert int(d["TimeoutStopSec"]) > bound


@pytest.mark.usefixtures("clean_env")
def test_example_config_loads() -> None:
    settings = load_settings(DEPLOY / "stoker.toml")
    assert settings.data_dir == Path("/var/lib/stoker")
    assert is_loopback(settings.api.host)
    assert settings.database_url == "sqlite:////var/lib/stoker/stoker.db"
