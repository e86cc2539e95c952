"""`stoker audit list` over HTTP: a table or JSON of the audit log, its filters sent as
the API's; a token without the admin role is told what it lacks."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pydantic import SecretStr

from stoker.cli.audit import since_param
from stoker.config.access import TokenGrant
from stoker.config.settings import ApiSettings
from tests.unit.api.fakes import FakeServices, make_job

TOKENS = ApiSettings(tokens=[
    SecretStr("admin-tok"), TokenGrant(name="look", token=SecretStr("view-tok"), role="viewer"),
])  # fmt: skip


@pytest.mark.parametrize("api_settings", [TOKENS])
def test_audit_list_shows_changes_and_filters(
    stoker: Any, services: FakeServices, monkeypatch: pytest.MonkeyPatch,
    api_settings: ApiSettings,
) -> None:  # fmt: skip
    services.jobs.jobs["etl"] = make_job("etl")
    monkeypatch.setenv("STOKER_API_TOKEN", "admin-tok")
    assert stoker("runs", "start", "etl").exit_code == 0
    assert stoker("keys", "rotate").exit_code == 0
    shown = stoker("audit", "list")
    assert shown.exit_code == 0, shown.stderr
    assert "run.start" in shown.stdout and "key.rotate" in shown.stdout
    assert "tokens[0]" in shown.stdout and "job etl" in shown.stdout
    since = "2024-04-30T00:00:00+00:00"
    only = json.loads(stoker("audit", "list", "--action", "run", "--since", since,
                             "-o", "json").stdout)  # fmt: skip
    assert [e["action"] for e in only] == ["run.start"]
    monkeypatch.setenv("STOKER_API_TOKEN", "view-tok")
    refused = stoker("audit", "list")
    assert refused.exit_code == 5 and "needs the admin permission" in refused.stderr


def test_since_accepts_durations_and_times() -> None:
    ago = since_param("2h")
    assert ago is not None
    delta = datetime.now(UTC) - datetime.fromisoformat(ago)
    assert timedelta(hours=2) <= delta < timedelta(hours=2, minutes=1)
    assert since_param("2026-01-01T00:00:00+00:00") == "2026-01-01T00:00:00+00:00"
    assert since_param(None) is None
