"""`stoker roles`, `stoker keys` and `stoker security-configurations` over HTTP: secret
values come from files and environment variables, never shown back."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest


def test_roles_from_the_environment_and_a_file_shown_by_name(
    stoker: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PGPW", "PgS3cret")
    monkeypatch.setenv("API_KEY", "EnvS3cret")
    spec = tmp_path / "role.json"
    spec.write_text(json.dumps({"description": "from a file",
                                "hadoop_conf": {"fs.s3a.secret.key": "S3S3cret"}}))
    made = stoker("roles", "create", "etl", "--file", str(spec), "--jdbc",
                  "pg=jdbc:postgresql://db/sales", "--jdbc-user", "pg=etl", "--jdbc-password",
                  "pg=PGPW", "--env", "API_KEY", "--env", "MODE=fast")  # fmt: skip
    assert made.exit_code == 0, made.stderr
    for secret in ("PgS3cret", "EnvS3cret", "S3S3cret"):
        assert secret not in made.stdout
    assert "jdbc:postgresql://db/sales user etl password ****" in made.stdout
    shown = json.loads(stoker("roles", "get", "etl", "-o", "json").stdout)
    assert shown["env"] == {"API_KEY": "****", "MODE": "****"}
    assert shown["description"] == "from a file"
    changed = stoker("roles", "update", "etl", "--unset-env", "MODE", "--unset-hadoop",
                     "fs.s3a.secret.key", "-o", "json")  # fmt: skip
    assert changed.exit_code == 0, changed.stderr
    after = json.loads(changed.stdout)
    assert after["env"] == {"API_KEY": "****"} and after["hadoop_conf"] == {}
    assert after["jdbc"]["pg"]["password"] == "****"
    assert "etl" in stoker("roles", "list").stdout
    missing = stoker("roles", "create", "x", "--jdbc-password", "pg=UNSET_VAR_NAME")
    assert missing.exit_code == 2 and "UNSET_VAR_NAME is not set" in missing.stderr
    assert stoker("roles", "delete", "etl").exit_code == 0
    assert stoker("roles", "get", "etl").exit_code == 3


def test_keys_and_security_configurations(stoker: Any) -> None:
    assert "k1" in stoker("keys", "list").stdout
    assert stoker("keys", "rotate").stdout.strip() == "new primary key k2"
    assert "retired keys: k1" in stoker("keys", "reencrypt").stdout
    made = stoker("security-configurations", "create", "sealed", "--run-logs")
    assert made.exit_code == 0 and "Run logs encrypted" in made.stdout
    assert "sealed" in stoker("security-configurations", "list").stdout
    assert stoker("security-configurations", "delete", "sealed").exit_code == 0
    assert stoker("security-configurations", "get", "sealed").exit_code == 3
