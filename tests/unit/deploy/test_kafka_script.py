"""scripts/kafka.sh without starting anything: its address, its usage, and the pinned version
agreeing between the script and the Maven pom that fetches the broker."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

SCRIPTS = Path(__file__).resolve().parents[3] / "scripts"
KAFKA_SH = SCRIPTS / "kafka.sh"
POM = SCRIPTS / "kafka" / "pom.xml"


def _run(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("KAFKA_")}
    return subprocess.run(
        ["bash", str(KAFKA_SH), *args], env={**base, **env}, capture_output=True, text=True,
        timeout=30, check=False,
    )  # fmt: skip


def test_bootstrap_is_loopback_9092_unless_kafka_port_says_otherwise() -> None:
    assert _run("bootstrap").stdout == "127.0.0.1:9092\n"
    assert _run("bootstrap", KAFKA_PORT="39092").stdout == "127.0.0.1:39092\n"


def test_unknown_verb_prints_usage_and_exits_2() -> None:
    result = _run("sideways")
    assert result.returncode == 2
    assert "usage:" in result.stderr and "up|down|bootstrap" in result.stderr


def test_script_and_pom_pin_the_same_kafka_4_version() -> None:
    script = re.search(r"KAFKA_VERSION:-([0-9.]+)\}", KAFKA_SH.read_text())
    pom = re.search(r"<kafka.version>([0-9.]+)</kafka.version>", POM.read_text())
    assert script and pom
    assert script.group(1) == pom.group(1)
    assert script.group(1).startswith("4.")
    assert "<artifactId>kafka_2.13</artifactId>" in POM.read_text()
