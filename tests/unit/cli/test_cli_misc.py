"""CLI plumbing: auth, unreachable daemon, API URL default, config show, daemon, paging."""

from __future__ import annotations

import json
import socket
import sys
import types
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner
from pydantic import SecretStr

from stoker.api.app import create_app
from stoker.cli.client import StokerClient, collect
from stoker.cli.common import CliContext
from stoker.cli.main import cli
from stoker.config.settings import ApiSettings
from stoker.errors import ConfigError, NotFound
from tests.unit.api.asgi import SyncASGITransport
from tests.unit.api.fakes import FakeServices, make_job


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    for name in ("STOKER_API_URL", "STOKER_API_TOKEN", "STOKER_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    return CliRunner()


@pytest.mark.parametrize("api_settings", [ApiSettings(tokens=[SecretStr("tok")])])
def test_token_from_environment(
    stoker: Any, monkeypatch: pytest.MonkeyPatch, api_settings: ApiSettings
) -> None:
    denied = stoker("jobs", "list")
    assert denied.exit_code == 5 and "error: Unauthorized:" in denied.stderr
    monkeypatch.setenv("STOKER_API_TOKEN", "tok")
    assert stoker("jobs", "list").exit_code == 0


def test_unreachable_daemon_names_url_and_hint(runner: CliRunner) -> None:
    with socket.socket() as sock:  # a port that was free a moment ago: nothing listens
        sock.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    res = runner.invoke(cli, ["--api-url", url, "runs", "list"])
    assert res.exit_code == 6
    assert url in res.stderr and "stoker daemon" in res.stderr and "make run" in res.stderr


def test_api_url_defaults_from_config(runner: CliRunner, tmp_path: Path) -> None:
    config = tmp_path / "stoker.toml"
    config.write_text("[api]\nport = 9123\n")
    assert CliContext(config=str(config)).resolved_url() == "http://127.0.0.1:9123"
    assert CliContext(config=str(tmp_path / "missing.toml")).resolved_url() == (
        "http://127.0.0.1:8421"
    )


def test_transport_injection(runner: CliRunner, tmp_path: Path) -> None:
    services = FakeServices(tmp_path)
    services.jobs.jobs["etl"] = make_job()
    transport = SyncASGITransport(create_app(services, ApiSettings(), version="1"))
    obj = CliContext(api_url="http://127.0.0.1:8421", transport=transport)
    res = runner.invoke(cli, ["jobs", "list", "-o", "json"], obj=obj)
    assert [j["name"] for j in json.loads(res.stdout)] == ["etl"]


def test_paging_follows_tokens_up_to_the_limit() -> None:
    pages = {None: ([1, 2], "t1"), "t1": ([3, 4], "t2"), "t2": ([5], None)}
    seen: list[tuple[int, str | None]] = []

    def fetch(size: int, token: str | None) -> dict[str, Any]:
        seen.append((size, token))
        items, nxt = pages[token]
        return {"items": [{"n": i} for i in items], "next_token": nxt}

    assert [x["n"] for x in collect(fetch, "items", 3)] == [1, 2, 3]
    assert seen == [(3, None), (1, "t1")]
    assert len(collect(fetch, "items", 100)) == 5


def test_unknown_error_code_uses_status() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(404, json={"code": "RouteNotFound", "message": "m", "field": None})

    client = StokerClient("http://x", transport=httpx.MockTransport(handler))
    with client, pytest.raises(NotFound) as caught:
        client.get_job("etl")
    assert caught.value.exit_code == 3 and caught.value.code == "RouteNotFound"


def test_config_show(runner: CliRunner, tmp_path: Path) -> None:
    config = tmp_path / "stoker.toml"
    config.write_text('[api]\nport = 9000\ntokens = ["very-secret"]\n')
    res = runner.invoke(cli, ["config", "show", "--config", str(config)])
    assert res.exit_code == 0, res.stderr
    assert "[api]" in res.stdout and "port = 9000" in res.stdout
    assert "very-secret" not in res.stdout and '"****"' in res.stdout
    as_json = runner.invoke(cli, ["--config", str(config), "config", "show", "-o", "json"])
    assert json.loads(as_json.stdout)["api"]["tokens"] == ["****"]


def test_config_show_error_exits_2(runner: CliRunner, tmp_path: Path) -> None:
    config = tmp_path / "stoker.toml"
    config.write_text("[api]\nport = 0\n")
    res = runner.invoke(cli, ["config", "show", "--config", str(config)])
    assert res.exit_code == 2 and res.stderr.startswith("error: ConfigError:")


def test_daemon_calls_run_daemon(runner: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str | None] = []

    def run_daemon(config_path: str | None) -> int:
        calls.append(config_path)
        return 3

    module = types.ModuleType("stoker.daemon.main")
    module.run_daemon = run_daemon  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "stoker.daemon.main", module)
    res = runner.invoke(cli, ["daemon", "--config", "x.toml"])
    assert res.exit_code == 3 and calls == ["x.toml"]


def test_every_command_help_shows_an_example(runner: CliRunner) -> None:
    import click

    def walk(group: click.Group, path: list[str]) -> list[list[str]]:
        found = [path]
        for name, command in group.commands.items():
            if isinstance(command, click.Group):
                found += walk(command, [*path, name])
            else:
                found.append([*path, name])
        return found

    for path in walk(cli, []):
        res = runner.invoke(cli, [*path, "--help"])
        assert res.exit_code == 0 and "Example" in res.stdout, path


def test_an_invalid_config_file_is_an_error_for_client_commands(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only a missing file falls back to the default address; an invalid one exits 2."""
    monkeypatch.delenv("STOKER_CONFIG", raising=False)
    config = tmp_path / "stoker.toml"
    config.write_text("[api]\nport = inf\n")
    with pytest.raises(ConfigError) as caught:
        CliContext(config=str(config)).resolved_url()
    assert caught.value.field == "api.port"
