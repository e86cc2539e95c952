"""What a run process inherits: none of the daemon's STOKER_* variables, its lineage tags."""

from __future__ import annotations

from pathlib import Path

import pytest

from stoker.executors.lineage import INCARNATION_VAR, INSTALLATION_VAR, Lineage
from stoker.executors.spawning import child_env


def test_a_child_inherits_no_stoker_variable_but_its_lineage(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("STOKER_API_TOKEN", "the-clis-token")
    monkeypatch.setenv("STOKER_DATABASE__URL", "postgresql://u:pw@db/stoker")
    monkeypatch.setenv("STOKER_INCARNATION", "an-earlier-daemons")
    monkeypatch.setenv("HOME", "/home/someone")
    lineage = Lineage.new(tmp_path)
    env = child_env("/usr/bin/python3", lineage)
    assert not {"STOKER_API_TOKEN", "STOKER_DATABASE__URL"} & set(env)
    assert env[INCARNATION_VAR] == lineage.incarnation
    assert env[INSTALLATION_VAR] == str(tmp_path.resolve())
    assert env["HOME"] == "/home/someone" and env["PYSPARK_PYTHON"] == "/usr/bin/python3"
