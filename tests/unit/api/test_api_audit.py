"""Every change made through the HTTP API is in the audit log (who, what, target, when,
from where, outcome), refusals and failures too; GET /audit filters and pages it, for
admins only; retention removes old entries and nothing else removes any."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from stoker.aio import Blocking
from stoker.api.app import create_app
from stoker.api.ports import ApiServices
from stoker.config.access import TokenGrant
from stoker.config.settings import ApiSettings
from stoker.domain.audit import AuditEntry, AuditFilter
from stoker.roles.audit import AuditService
from stoker.store.audit import AuditStore
from stoker.store.engine import Database, upgrade
from tests.unit.api.asgi import asgi_client
from tests.unit.api.fakes import T0, FakeServices, make_job
from tests.unit.api.test_api_jobs import job_body
from tests.unit.api.test_api_triggers import trigger_body

ADMIN = {"Authorization": "Bearer admin-token"}
OPS = {"Authorization": "Bearer ops-token"}


@pytest.fixture
def client(services: FakeServices) -> Iterator[httpx.Client]:
    api = ApiSettings(tokens=[
        SecretStr("admin-token"),
        TokenGrant(name="ops", token=SecretStr("ops-token"), role="operator"),
    ])  # fmt: skip
    typed: ApiServices = services
    with asgi_client(create_app(typed, api, version="9")) as test_client:
        yield test_client


def _audit(client: httpx.Client, **params: Any) -> list[dict[str, Any]]:
    answer = client.get("/audit", params=params, headers=ADMIN)
    assert answer.status_code == 200, answer.text
    entries: list[dict[str, Any]] = answer.json()["entries"]
    return entries


def test_each_kind_of_change_is_recorded(client: httpx.Client, services: FakeServices) -> None:
    calls: list[tuple[str, str, dict[str, Any] | None, str, str]] = [
        ("POST", "/jobs", job_body(), "job.create", "etl"),
        ("PUT", "/jobs/etl", job_body(), "job.update", "etl"),
        ("PUT", "/jobs/etl/script", {"script": "print(1)"}, "job.script_update", "etl"),
        ("POST", "/jobs/etl/runs", {}, "run.start", "etl"),
        ("POST", "/jobs/etl/bookmark/reset", {}, "bookmark.reset", "etl"),
        ("POST", "/triggers", trigger_body(), "trigger.create", "nightly"),
        ("POST", "/triggers/nightly/activate", None, "trigger.activate", "nightly"),
        ("POST", "/triggers/nightly/deactivate", None, "trigger.deactivate", "nightly"),
        ("DELETE", "/triggers/nightly", None, "trigger.delete", "nightly"),
        ("POST", "/roles", {"name": "etl-role"}, "role.create", "etl-role"),
        ("PUT", "/roles/etl-role", {"description": "d"}, "role.update", "etl-role"),
        ("DELETE", "/roles/etl-role", None, "role.delete", "etl-role"),
        ("POST", "/keys/rotate", None, "key.rotate", ""),
        ("POST", "/security-configurations", {"name": "sealed", "run_logs": True},
         "security_configuration.create", "sealed"),
        ("POST", "/catalog/databases", {"name": "sales"}, "database.create", "sales"),
        ("DELETE", "/jobs/etl", None, "job.delete", "etl"),
    ]  # fmt: skip
    for method, path, body, _, _ in calls:
        answer = client.request(method, path, json=body, headers=ADMIN)
        assert answer.status_code < 300, f"{method} {path}: {answer.text}"
    run_id = next(iter(services.runs.runs))
    assert client.post(f"/runs/{run_id}/stop", headers=OPS).status_code == 200
    entries = _audit(client, limit=100)
    assert [e["action"] for e in reversed(entries)] == [c[3] for c in calls] + ["run.stop"]
    for entry, (method, path, _, action, target) in zip(reversed(entries), calls, strict=False):
        assert entry["principal"] == "tokens[0]" and entry["role"] == "admin", entry
        assert entry["address"] == "127.0.0.1" and entry["outcome"] == "ok", entry
        assert (entry["target"] or "") == target, entry
        assert entry["detail"] == {"request": f"{method} {path}"}
    stop = entries[0]
    assert (stop["principal"], stop["role"], stop["target_kind"], stop["target"]) == (
        "ops", "operator", "run", run_id)  # fmt: skip
    assert "hunter2" not in json.dumps(entries)  # the job's --db_password never lands here
    assert not _audit(client, action="job.get")  # reads are not recorded


def test_refusals_and_failures_are_recorded_with_their_code(client: httpx.Client) -> None:
    assert client.delete("/jobs/etl", headers=OPS).status_code == 403
    assert client.delete("/jobs/missing", headers=ADMIN).status_code == 404
    assert client.post("/jobs", json={"name": "x", "command": {}}, headers=ADMIN).status_code == 400
    refused, missing, invalid = reversed(_audit(client, action="job"))
    assert (refused["principal"], refused["outcome"]) == ("ops", "AccessDenied")
    assert "needs the admin permission" in refused["detail"]["message"]
    assert (missing["target"], missing["outcome"]) == ("missing", "EntityNotFound")
    assert (invalid["target"], invalid["outcome"]) == ("x", "InvalidInput")
    long = "n" * 5000  # refused by the route; its entry is still written, the name cut
    assert client.post("/jobs", json={"name": long}, headers=ADMIN).status_code == 400
    assert _audit(client, action="job.create")[0]["target"] == long[:1024]
    assert client.delete("/jobs/etl").status_code == 401  # no caller: nothing to record
    assert len(_audit(client, action="job")) == 4


def test_get_audit_filters_pages_and_is_for_admins_only(
    client: httpx.Client, services: FakeServices
) -> None:
    services.jobs.jobs["etl"] = make_job("etl")
    services.jobs.jobs["other"] = make_job("other")
    for name in ("etl", "other", "etl"):
        assert client.post(f"/jobs/{name}/runs", json={}, headers=OPS).status_code == 201
    assert client.post("/keys/rotate", headers=ADMIN).status_code == 200
    assert [e["target"] for e in _audit(client, target="etl")] == ["etl", "etl"]
    assert {e["principal"] for e in _audit(client, principal="ops")} == {"ops"}
    assert [e["action"] for e in _audit(client, action="key")] == ["key.rotate"]
    assert len(_audit(client, since=T0.isoformat())) == 4
    assert _audit(client, since=(T0 + timedelta(days=1)).isoformat()) == []
    first = client.get("/audit", params={"limit": 3}, headers=ADMIN).json()
    rest = client.get("/audit", params={"limit": 3, "next_token": first["next_token"]},
                      headers=ADMIN).json()  # fmt: skip
    ids = [e["id"] for e in first["entries"] + rest["entries"]]
    assert len(ids) == 4 and ids == sorted(ids, reverse=True) and rest["next_token"] is None
    refused = client.get("/audit", headers=OPS)
    assert refused.status_code == 403 and refused.json()["needed"] == "admin"
    assert client.get("/audit").status_code == 401
    bad = client.get("/audit", params={"since": "yesterday"}, headers=ADMIN)
    assert bad.status_code == 400 and bad.json()["field"] == "since"


def test_retention_prunes_old_entries_only(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'audit.db'}")
    upgrade(db)
    store = AuditStore(db)
    now = [T0]
    io = Blocking(1)
    service = AuditService(store, io, lambda: now[0])

    def entry(action: str) -> AuditEntry:
        return AuditEntry(at=T0, principal="p", role="admin", address=None, action=action,
                          target_kind="job", target="etl", outcome="ok",
                          detail={"n": 1})  # fmt: skip

    async def scenario() -> tuple[int, list[str]]:
        await service.record(entry("job.create"))
        now[0] = T0 + timedelta(days=30)
        await service.record(entry("job.update"))
        now[0] = T0 + timedelta(days=40)
        removed = await service.prune(retention_days=35)
        kept = await service.list_entries(AuditFilter(), limit=10, before_id=None)
        return removed, [e.action for e in kept]

    try:
        assert asyncio.run(scenario()) == (1, ["job.update"])
    finally:
        io.close()
        db.dispose()
