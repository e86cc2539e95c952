"""Configuration errors at start, masked `config show`, bearer-token auth, and a database
written by a newer stoker."""

from __future__ import annotations

import json
import sqlite3
import subprocess
from collections.abc import Callable
from pathlib import Path

import httpx

from tests.acceptance.conftest import ok, ok_json, stoker
from tests.support.daemon import STOKER, DaemonProcess, free_port


def daemon_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    return {
        "STOKER_DATA_DIR": str(tmp_path / "data"),
        "STOKER_API__PORT": str(free_port()),
        "STOKER_SPARK__POOL_SIZE": "0",
        **extra,
    }


def run_daemon(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """`stoker daemon` that is expected to refuse to start (a deadline, not a timing)."""
    return stoker("daemon", *args, env=daemon_env(tmp_path, **env), cwd=tmp_path, timeout=60)


def test_unknown_key_in_config_file_exits_2_naming_it(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[spark]\npool_sise = 1\n")
    result = run_daemon(tmp_path, "--config", str(bad))
    assert result.returncode == 2, result
    assert "spark.pool_sise" in result.stderr, result.stderr
    shown = stoker("config", "show", "--config", str(bad), env=daemon_env(tmp_path))
    assert shown.returncode == 2 and "spark.pool_sise" in shown.stderr, shown
    assert not (tmp_path / "data").exists()  # refused before touching anything


def test_invalid_env_value_exits_2_naming_key_and_value(tmp_path: Path) -> None:
    result = run_daemon(tmp_path, STOKER_SPARK__POOL_SIZE="abc")
    assert result.returncode == 2, result
    assert "spark.pool_size" in result.stderr and "abc" in result.stderr, result.stderr


def test_unknown_env_setting_exits_2(tmp_path: Path) -> None:
    result = run_daemon(tmp_path, STOKER_SPARKK__POOL_SIZE="1")
    assert result.returncode == 2, result
    assert "STOKER_SPARKK__POOL_SIZE" in result.stderr, result.stderr


def test_public_bind_without_tokens_exits_2(tmp_path: Path) -> None:
    result = run_daemon(tmp_path, STOKER_API__HOST="0.0.0.0")
    assert result.returncode == 2, result
    assert "api.tokens" in result.stderr and "0.0.0.0" in result.stderr, result.stderr


def test_config_show_masks_tokens_and_database_password(tmp_path: Path) -> None:
    config = tmp_path / "stoker.toml"
    config.write_text('[api]\ntokens = ["file-token-123"]\n[spark]\npool_size = 3\n')
    env = {
        "STOKER_DATABASE__URL": "postgresql+psycopg://stoker:hunter2@db.example:5432/stoker",
        "STOKER_API__PORT": "9123",
    }
    raw = ok(stoker("config", "show", "--config", str(config), "-o", "json", env=env))
    shown = json.loads(raw)
    assert shown["api"]["tokens"] == ["****"]
    assert shown["api"]["port"] == 9123 and shown["spark"]["pool_size"] == 3
    assert shown["database"]["url"] == "postgresql+psycopg://stoker:****@db.example:5432/stoker"
    assert ":****@" in shown["database_url_effective"]
    table = ok(stoker("config", "show", "--config", str(config), env=env))
    for output in (raw, table):
        assert "hunter2" not in output and "file-token-123" not in output


def test_bearer_token_auth(start_daemon: Callable[..., DaemonProcess], tmp_path: Path) -> None:
    token = "s3cret-token-value"
    daemon = start_daemon(
        "auth",
        pool_size=0,
        token=token,
        env={"STOKER_API__TOKENS": f'["{token}"]', "STOKER_LOGS__LEVEL": "DEBUG"},
    )
    without = stoker("jobs", "list", env={"STOKER_API_URL": daemon.url})
    assert without.returncode == 5, without
    wrong = stoker("jobs", "list", env={"STOKER_API_URL": daemon.url}, token="not-it")
    assert wrong.returncode == 5, wrong
    assert "not-it" not in wrong.stderr

    script = tmp_path / "hello.py"
    script.write_text("print('hello with auth', flush=True)\n")
    ok(stoker("jobs", "create", "--name", "hello", "--type", "pythonshell",
              "--script", str(script), daemon=daemon))  # fmt: skip
    run_id = ok(stoker("runs", "start", "hello", "--wait", daemon=daemon)).splitlines()[0]
    assert "hello with auth" in ok(stoker("runs", "logs", run_id, daemon=daemon))
    assert [j["name"] for j in ok_json(stoker("jobs", "list", "-o", "json", daemon=daemon))] == [
        "hello"
    ]

    raw = httpx.get(f"{daemon.url}/jobs", timeout=10)
    assert raw.status_code == 401
    assert raw.json()["code"] == "Unauthorized" and raw.json()["message"]
    bad = httpx.post(
        f"{daemon.url}/jobs/hello/runs", json={}, headers={"Authorization": "Bearer x"}
    )
    assert bad.status_code == 401 and bad.json()["code"] == "Unauthorized"
    health = httpx.get(f"{daemon.url}/health", timeout=10)
    assert health.status_code == 200 and health.json()["status"] == "ok"

    daemon.stop()
    logged = daemon.log_path.read_text(errors="replace")
    assert "stoker daemon ready" in logged and "DEBUG" in logged  # the log is the real one
    assert token not in logged
    for path in (daemon.workdir / "data").rglob("*"):
        if path.is_file() and path.suffix != ".db":
            assert token.encode() not in path.read_bytes(), path


def test_database_from_a_newer_stoker_is_refused(
    start_daemon: Callable[..., DaemonProcess],
) -> None:
    first = start_daemon("newer", pool_size=0)
    first.stop()
    assert first.wait_exit(10) == 0
    db_path = first.workdir / "data" / "stoker.db"
    with sqlite3.connect(db_path) as conn:
        (current,) = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        conn.execute("UPDATE alembic_version SET version_num = 'ffffffffffff'")
    assert current != "ffffffffffff"

    again = DaemonProcess(first.workdir, pool_size=0)
    result = subprocess.run(
        [STOKER, "daemon"], env=again.env, cwd=again.workdir,
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    again.http.close()
    assert result.returncode != 0, result
    output = result.stdout + result.stderr
    assert "newer stoker" in output and "ffffffffffff" in output, output
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone() == (
            "ffffffffffff",
        )


def test_unreachable_database_fails_without_leaking_its_password(tmp_path: Path) -> None:
    url = "postgresql+psycopg://stoker:topsecretpw@127.0.0.1:1/stoker"
    result = run_daemon(tmp_path, STOKER_DATABASE__URL=url)
    output = result.stdout + result.stderr
    assert result.returncode == 1, result
    assert "cannot open database" in output and "127.0.0.1:1" in output, output
    assert "topsecretpw" not in output
