"""Every invalid configuration is a ConfigError naming the key, never a traceback, and no
error or `config show` ever echoes a secret (issue 10)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from stoker.config.settings import load_settings, masked_dump
from stoker.errors import ConfigError

SECRET = "hunter2-secret"


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    for name in list(os.environ):
        if name.startswith("STOKER_"):
            monkeypatch.delenv(name)


@pytest.mark.parametrize(
    ("variable", "value", "field"),
    [
        ("STOKER_API__TOKENS", "not-json", "api.tokens"),
        ("STOKER_SPARK__CONF", "spark.x=1", "spark.conf"),
        ("STOKER_SPARK", "{pool_size: 1", "spark"),
        ("STOKER_API__ALLOWED_HOSTS", "localhost", "api.allowed_hosts"),
        ("STOKER_API__ALLOWED_HOSTS", '["evil host"]', "api.allowed_hosts"),
        ("STOKER_DAEMON__SHUTDOWN_GRACE_SECONDS", "inf", "daemon.shutdown_grace_seconds"),
        ("STOKER_DAEMON__POLL_INTERVAL_SECONDS", "nan", "daemon.poll_interval_seconds"),
        ("STOKER_SPARK__STOP_GRACE_SECONDS", "-inf", "spark.stop_grace_seconds"),
        ("STOKER_DATABASE__URL", f"mysql://u:{SECRET}@h/db", "database.url"),
        ("STOKER_DATABASE__URL", f"postgresql://u:{SECRET}@h:port/db", "database.url"),
        ("STOKER_DATABASE__URL", f"u:{SECRET}@nowhere", "database.url"),
        ("STOKER_API__PORT", "9" * 5000, "api.port"),
    ],
)
def test_bad_environment_values_are_config_errors_naming_the_key(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, field: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert caught.value.field == field
    assert field in caught.value.message and SECRET not in caught.value.message
    assert len(caught.value.message) < 600


@pytest.mark.parametrize(
    ("toml", "field"),
    [
        ("[spark]\nstop_grace_seconds = inf\n", "spark.stop_grace_seconds"),
        ("[metrics]\nspark_refresh_seconds = nan\n", "metrics.spark_refresh_seconds"),
        ("[events]\noutbox_retention_days = inf\n", "events.outbox_retention_days"),
        ("[api]\nport = inf\n", "api.port"),
    ],
)
def test_inf_and_nan_in_the_config_file_are_refused(tmp_path: Path, toml: str, field: str) -> None:
    path = tmp_path / "stoker.toml"
    path.write_text(toml)
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    assert caught.value.field == field and "finite" in caught.value.message


def test_a_misspelled_secret_key_does_not_echo_its_value(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "stoker.toml"
    path.write_text(f'[kafka]\nsasl_pasword = "{SECRET}"\n[api]\ntoken = "{SECRET}"\n')
    monkeypatch.setenv("STOKER_KAFKA__SASL_PASSWRD", SECRET)
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    assert "kafka.sasl_pasword" in caught.value.message and "api.token" in caught.value.message
    assert SECRET not in caught.value.message


def test_an_invalid_secret_value_is_not_echoed(tmp_path: Path) -> None:
    path = tmp_path / "stoker.toml"
    path.write_text(f'[api]\ntokens = "{SECRET}"\n[kafka]\nsasl_password = 5\n')
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    assert "api.tokens" in caught.value.message and SECRET not in caught.value.message


def test_a_directory_as_config_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(tmp_path)
    assert caught.value.field == "--config" and "cannot be read" in caught.value.message


def test_config_show_masks_every_secret(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "stoker.toml"
    path.write_text(
        "[spark.conf]\n"
        f'"spark.hadoop.fs.s3a.secret.key" = "{SECRET}"\n'
        f'"spark.hadoop.javax.jdo.option.ConnectionPassword" = "{SECRET}"\n'
        f'"spark.jdbc.url" = "jdbc:mysql://bob:{SECRET}@db/x"\n'
        '"spark.sql.shuffle.partitions" = "8"\n'
        "[kafka]\n"
        f'sasl_password = "{SECRET}"\n'
        "[api]\n"
        f'tokens = ["{SECRET}"]\n'
    )
    monkeypatch.setenv(
        "STOKER_DATABASE__URL", f"postgresql+psycopg://u:{SECRET}@h/db?sslpassword={SECRET}"
    )
    dumped = masked_dump(load_settings(path))
    assert SECRET not in json.dumps(dumped)
    conf = dumped["spark"]["conf"]
    assert conf["spark.sql.shuffle.partitions"] == "8"
    assert conf["spark.jdbc.url"] == "jdbc:mysql://bob:****@db/x"
    assert dumped["database"]["url"] == "postgresql+psycopg://u:****@h/db?sslpassword=****"
    assert dumped["api"]["tokens"] == ["****"] and dumped["kafka"]["sasl_password"] == "****"
    assert dumped["metrics"]["require_auth"] is False  # "auth" in a key masks text only


@pytest.mark.parametrize(
    ("toml", "expected"),
    [("retention_days = 30", 30), ('retention_days = "never"', "never"), ("", 90)],
)
def test_logs_retention_days_is_days_or_never(tmp_path: Path, toml: str, expected: object) -> None:
    path = tmp_path / "stoker.toml"
    path.write_text(f"[logs]\n{toml}\n")
    assert load_settings(path).logs.retention_days == expected


def test_logs_retention_days_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STOKER_LOGS__RETENTION_DAYS", "14")
    assert load_settings(None).logs.retention_days == 14
    monkeypatch.setenv("STOKER_LOGS__RETENTION_DAYS", "never")
    assert load_settings(None).logs.retention_days == "never"


@pytest.mark.parametrize("value", ["0", "36501", '"forever"', "true", "1.5", '"Never"'])
def test_a_bad_logs_retention_days_says_what_is_allowed(tmp_path: Path, value: str) -> None:
    path = tmp_path / "stoker.toml"
    path.write_text(f"[logs]\nretention_days = {value}\n")
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    assert caught.value.field == "logs.retention_days"
    assert "from 1 to 36500 or 'never'" in caught.value.message
