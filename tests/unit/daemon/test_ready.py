"""The ready lines a person reads: the API's URL, its docs, and commands that reach it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from pydantic import SecretStr

from stoker.config.settings import ApiSettings, Settings
from stoker.daemon.ready import cli_command, ready_message


def test_make_run_is_told_the_url_the_docs_and_the_example_to_start() -> None:
    message = ready_message(Settings(), ".venv/bin/stoker", ["always_fails", "orders_etl"])
    assert message.splitlines() == [
        "stoker is ready: API at http://127.0.0.1:8421, "
        "interactive API docs at http://127.0.0.1:8421/docs",
        "the web console: open http://127.0.0.1:8421/ in a browser",
        "next, in another terminal:",
        "  .venv/bin/stoker jobs list",
        "  .venv/bin/stoker runs start orders_etl --wait",
    ]


def test_another_address_is_given_to_the_cli_and_a_token_is_asked_for() -> None:
    settings = Settings(api=ApiSettings(host="0.0.0.0", port=9000, tokens=[SecretStr("t0p")]))
    message = ready_message(settings, "stoker", ["nightly"])
    assert "API at http://127.0.0.1:9000, interactive API docs at http://127.0.0.1:9000/docs" in (
        message
    )
    assert "  stoker --api-url http://127.0.0.1:9000 jobs list" in message
    assert "  stoker --api-url http://127.0.0.1:9000 runs start nightly --wait" in message
    assert "STOKER_API_TOKEN" in message and "t0p" not in message


def test_without_example_jobs_the_next_step_is_creating_one() -> None:
    lines = ready_message(Settings(), "stoker", []).splitlines()
    assert lines[-2:] == ["  stoker jobs list", "  stoker jobs create --help"]


@pytest.fixture
def venv(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project with a .venv/bin/stoker that PATH does not find."""
    stoker = tmp_path / ".venv" / "bin" / "stoker"
    stoker.parent.mkdir(parents=True)
    stoker.write_text("#!/bin/sh\n")
    stoker.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    return stoker


def test_the_cli_is_named_as_the_daemon_was_started(venv: Path, tmp_path: Path) -> None:
    assert cli_command(".venv/bin/stoker", tmp_path) == ".venv/bin/stoker"
    assert cli_command(str(venv), tmp_path) == ".venv/bin/stoker"
    assert cli_command(str(venv), tmp_path / "elsewhere") == str(venv)
    assert cli_command("stoker", tmp_path) == "stoker"
    assert cli_command("/usr/lib/python3/runpy.py", tmp_path) == "stoker"


def test_the_cli_is_plain_stoker_when_path_finds_the_same_one(
    venv: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", f"{venv.parent}{os.pathsep}{os.environ['PATH']}")
    assert cli_command(str(venv), tmp_path) == "stoker"
