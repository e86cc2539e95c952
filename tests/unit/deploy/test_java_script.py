"""scripts/java.sh (run by `make run` and `make test`) against fake java, id and apt tools:
it installs Spark's Java with apt-get when it is missing or too old, and otherwise says
exactly what to do — without failing `make run`."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

JAVA_SH = Path(__file__).resolve().parents[3] / "scripts" / "java.sh"
TOOLS = ("sed", "head", "id", "cat")


def fake_java(directory: Path, version: str) -> None:
    java = directory / "java"
    java.write_text(f'#!/bin/sh\necho \'openjdk version "{version}" 2025-04-15\' >&2\n')
    java.chmod(0o755)


@pytest.fixture
def bin_dir(tmp_path: Path) -> Path:
    """A PATH with the script's tools and fake apt-get/apt-cache, but no java."""
    directory = tmp_path / "bin"
    directory.mkdir()
    for tool in TOOLS:
        found = shutil.which(tool)
        assert found is not None
        (directory / tool).symlink_to(found)
    (directory / "apt-cache").write_text(
        '#!/bin/sh\n[ "$1" = show ] && [ "$2" = "${KNOWN:-openjdk-17-jre-headless}" ]\n'
    )
    (directory / "apt-get").write_text(
        f'#!/bin/sh\necho "$@" >> {tmp_path}/apt.log\n'
        f'case "$*" in *install*) printf \'#!/bin/sh\\necho \\x27openjdk version "17.0.9"\\x27 '
        f'>&2\\n\' > {directory}/java; chmod 755 {directory}/java;; esac\n'
    )
    for name in ("apt-cache", "apt-get"):
        (directory / name).chmod(0o755)
    return directory


def run(bin_dir: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    bash = shutil.which("bash")
    assert bash is not None
    return subprocess.run(
        [bash, str(JAVA_SH), *args], env={"PATH": str(bin_dir), **env},
        capture_output=True, text=True, timeout=30, check=False,
    )  # fmt: skip


def apt_calls(bin_dir: Path) -> list[str]:
    log = bin_dir.parent / "apt.log"
    return log.read_text().splitlines() if log.exists() else []


@pytest.mark.parametrize("version", ["17.0.15", "21", "25-ea"])
def test_a_suitable_java_is_left_alone_quietly(bin_dir: Path, version: str) -> None:
    fake_java(bin_dir, version)
    result = run(bin_dir)
    assert (result.returncode, result.stderr) == (0, "")
    assert apt_calls(bin_dir) == []


@pytest.mark.parametrize("version", [None, "11.0.2", "1.8.0_392"])
def test_a_missing_or_old_java_is_installed_as_root(bin_dir: Path, version: str | None) -> None:
    if version is not None:
        fake_java(bin_dir, version)
    if os.geteuid() != 0:
        pytest.skip("the script installs only as root")
    result = run(bin_dir)
    assert result.returncode == 0, result.stderr
    install = "install -y -qq --no-install-recommends openjdk-17-jre-headless"
    assert apt_calls(bin_dir)[-1] == install
    assert "installing a Java runtime for Spark" in result.stderr


def test_another_distribution_gets_the_java_it_has(bin_dir: Path) -> None:
    result = run(bin_dir, KNOWN="openjdk-21-jre-headless")
    assert result.returncode == 0, result.stderr
    assert apt_calls(bin_dir)[-1].endswith("openjdk-21-jre-headless")


def test_without_root_it_says_what_to_install_and_make_run_goes_on(bin_dir: Path) -> None:
    (bin_dir / "id").unlink()
    (bin_dir / "id").write_text("#!/bin/sh\necho 1000\n")
    (bin_dir / "id").chmod(0o755)
    result = run(bin_dir)
    assert result.returncode == 0
    assert "no Java 17+ on PATH, and installing one needs root and apt-get" in result.stderr
    assert "apt-get install openjdk-17-jre-headless" in result.stderr
    assert apt_calls(bin_dir) == []
    assert run(bin_dir, "--required").returncode == 1  # make test cannot go on


def test_a_java_home_without_java_is_named(bin_dir: Path, tmp_path: Path) -> None:
    result = run(bin_dir, JAVA_HOME=str(tmp_path / "jdk"))
    assert result.returncode == 0
    assert f"JAVA_HOME={tmp_path / 'jdk'} has no Java 17+" in result.stderr
    assert apt_calls(bin_dir) == []
