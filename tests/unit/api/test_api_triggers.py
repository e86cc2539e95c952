"""The /triggers routes and /jobs/{name}/triggers over the fake trigger store."""

from __future__ import annotations

from typing import Any

import httpx

from stoker.domain.triggers import TriggerState
from tests.unit.api.fakes import FakeServices, make_job, make_trigger


def trigger_body(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "nightly",
        "type": "SCHEDULED",
        "schedule": "cron(0 2 * * ? *)",
        "actions": [{"job_name": "etl", "arguments": {"--day": "x", "--db_password": "pw"}}],
    }
    body.update(changes)
    return body


def test_create_returns_201_masked_with_defaults(
    client: httpx.Client, services: FakeServices
) -> None:
    resp = client.post("/triggers", json=trigger_body(start_on_creation=True))
    assert resp.status_code == 201, resp.text
    out = resp.json()
    assert out["state"] == "ACTIVATED"
    assert out["timezone"] == "UTC" and out["catch_up"] == "NONE"
    assert out["actions"] == [
        {
            "job_name": "etl",
            "arguments": {"--day": "x", "--db_password": "****"},
            "timeout": None,
            "notify_delay_after": None,
        }
    ]
    assert out["created_on"] == "2024-05-01T12:00:00+00:00"
    assert out["missed_fires"] == 0 and out["next_fire_time"] is None
    stored = services.triggers.triggers["nightly"]
    assert stored.actions[0].arguments["--db_password"] == "pw"
    assert services.triggers.calls[0][1][1] is True  # type: ignore[index]


def test_create_conditional_and_event(client: httpx.Client) -> None:
    cond = trigger_body(
        name="after", type="CONDITIONAL", schedule=None,
        predicate={"logical": "ANY", "conditions": [{"job_name": "a", "state": "FAILED"}]},
    )  # fmt: skip
    resp = client.post("/triggers", json=cond)
    assert resp.status_code == 201, resp.text
    assert resp.json()["predicate"] == {
        "logical": "ANY",
        "conditions": [{"job_name": "a", "state": "FAILED"}],
    }
    event = trigger_body(name="ev", type="EVENT", schedule=None,
                         event={"topic": "orders", "pattern": {"k": [1]}})  # fmt: skip
    resp = client.post("/triggers", json=event)
    assert resp.status_code == 201, resp.text
    assert resp.json()["event"] == {
        "topic": "orders", "pattern": {"k": [1]}, "batch_size": 1, "batch_window": 900,
    }  # fmt: skip


def test_domain_validation_is_400_with_field(client: httpx.Client) -> None:
    cases = [
        (trigger_body(schedule=None), "schedule"),
        (trigger_body(actions=[]), "actions"),
        (trigger_body(actions=[{"job_name": "etl"}] * 11), "actions"),
        (trigger_body(actions=[{"job_name": "etl", "timeout": 0}]), "actions[0].timeout"),
        (trigger_body(timezone="Mars/Base"), "timezone"),
        (trigger_body(type="CONDITIONAL", schedule=None,
                      predicate={"conditions": [{"job_name": "a", "state": "ERROR"}]}),
         "predicate.conditions[0].state"),
        (trigger_body(type="EVENT", schedule=None, event={"topic": "t", "batch_size": 101}),
         "event.batch_size"),
    ]  # fmt: skip
    for body, field in cases:
        resp = client.post("/triggers", json=body)
        assert resp.status_code == 400, (field, resp.text)
        assert resp.json()["code"] == "InvalidInput"
        assert resp.json()["field"] == field, resp.json()


def test_unknown_fields_and_bad_enums_name_the_field(client: httpx.Client) -> None:
    resp = client.post("/triggers", json=trigger_body(colour="red"))
    assert resp.status_code == 400
    assert resp.json()["field"] == "colour"
    resp = client.post("/triggers", json=trigger_body(actions=[{"job_name": "e", "x": 1}]))
    assert resp.json()["field"] == "actions[0].x"
    resp = client.post("/triggers", json=trigger_body(type="WEEKLY"))
    assert resp.status_code == 400 and resp.json()["field"] == "type"


def test_service_errors_pass_through(client: httpx.Client) -> None:
    assert client.post("/triggers", json=trigger_body()).status_code == 201
    dup = client.post("/triggers", json=trigger_body())
    assert dup.status_code == 409 and dup.json()["code"] == "AlreadyExists"
    bad = client.post("/triggers", json=trigger_body(name="b", schedule="cron(bad)"))
    assert bad.status_code == 400 and bad.json()["field"] == "schedule"
    on_demand = trigger_body(name="od", type="ON_DEMAND", schedule=None, start_on_creation=True)
    resp = client.post("/triggers", json=on_demand)
    assert resp.status_code == 400 and resp.json()["field"] == "start_on_creation"


def test_cycle_is_refused_unless_allowed(client: httpx.Client) -> None:
    def cond(name: str, watch: str, start: str, **extra: Any) -> dict[str, Any]:
        return trigger_body(name=name, type="CONDITIONAL", schedule=None,
                            actions=[{"job_name": start}],
                            predicate={"conditions": [{"job_name": watch}]}, **extra)  # fmt: skip

    assert client.post("/triggers", json=cond("ab", "a", "b")).status_code == 201
    resp = client.post("/triggers", json=cond("ba", "b", "a"))
    assert resp.status_code == 400
    assert resp.json()["field"] == "predicate" and "a -> b -> a" in resp.json()["message"]
    assert client.post("/triggers", json=cond("ba", "b", "a", allow_cycles=True)).is_success


def test_list_pages_and_filters_by_job(client: httpx.Client, services: FakeServices) -> None:
    for name in ("t1", "t2", "t3"):
        services.triggers.triggers[name] = make_trigger(name)
    services.triggers.triggers["other"] = make_trigger("other", actions=())
    first = client.get("/triggers", params={"limit": 2}).json()
    assert [t["name"] for t in first["triggers"]] == ["other", "t1"]
    second = client.get("/triggers", params={"limit": 2, "next_token": first["next_token"]})
    assert [t["name"] for t in second.json()["triggers"]] == ["t2", "t3"]
    assert second.json()["next_token"] is None
    by_job = client.get("/triggers", params={"job": "etl"}).json()
    assert [t["name"] for t in by_job["triggers"]] == ["t1", "t2", "t3"]
    bad = client.get("/triggers", params={"next_token": "nope"})
    assert bad.status_code == 400 and bad.json()["field"] == "next_token"


def test_get_update_keeps_masked_secrets_and_delete(
    client: httpx.Client, services: FakeServices
) -> None:
    client.post("/triggers", json=trigger_body())
    shown = client.get("/triggers/nightly").json()
    body = {k: shown[k] for k in ("type", "schedule", "actions", "description")}
    body["schedule"] = "rate(5 minutes)"
    resp = client.put("/triggers/nightly", json=body)
    assert resp.status_code == 200, resp.text
    stored = services.triggers.triggers["nightly"]
    assert stored.schedule == "rate(5 minutes)"
    assert stored.actions[0].arguments["--db_password"] == "pw"
    renamed = client.put("/triggers/nightly", json={**body, "name": "other"})
    assert renamed.status_code == 400 and renamed.json()["field"] == "name"
    assert client.put("/triggers/missing", json=body).status_code == 404
    assert client.delete("/triggers/nightly").status_code == 204
    missing = client.get("/triggers/nightly")
    assert missing.status_code == 404 and missing.json()["code"] == "EntityNotFound"


def test_start_on_demand_returns_runs(client: httpx.Client, services: FakeServices) -> None:
    services.jobs.jobs["etl"] = make_job("etl")
    body = trigger_body(name="now", type="ON_DEMAND", schedule=None)
    client.post("/triggers", json=body)
    resp = client.post("/triggers/now/start")
    assert resp.status_code == 200, resp.text
    out = resp.json()
    assert out["trigger"]["state"] == "CREATED"
    assert [r["triggered_by"] for r in out["runs"]] == ["now"]
    assert out["runs"][0]["arguments"]["--db_password"] == "****"
    services.accepting_runs = False
    assert client.post("/triggers/now/start").json()["code"] == "ShuttingDown"


def test_start_activate_deactivate_scheduled(client: httpx.Client) -> None:
    client.post("/triggers", json=trigger_body())
    started = client.post("/triggers/nightly/start").json()
    assert started == {"trigger": started["trigger"], "runs": []}
    assert started["trigger"]["state"] == TriggerState.ACTIVATED
    assert client.post("/triggers/nightly/deactivate").json()["state"] == "DEACTIVATED"
    assert client.post("/triggers/nightly/activate").json()["state"] == "ACTIVATED"
    assert client.post("/triggers/missing/activate").status_code == 404


def test_job_triggers_splits_starts_and_watches(
    client: httpx.Client, services: FakeServices
) -> None:
    services.jobs.jobs["etl"] = make_job("etl")
    client.post("/triggers", json=trigger_body())
    watch = trigger_body(name="after-etl", type="CONDITIONAL", schedule=None,
                         actions=[{"job_name": "report"}],
                         predicate={"conditions": [{"job_name": "etl"}]})  # fmt: skip
    client.post("/triggers", json=watch)
    client.post("/triggers", json=trigger_body(name="unrelated", actions=[{"job_name": "x"}]))
    out = client.get("/jobs/etl/triggers").json()
    assert [t["name"] for t in out["starts"]] == ["nightly"]
    assert [t["name"] for t in out["watches"]] == ["after-etl"]
    assert client.get("/jobs/nope/triggers").status_code == 404


def test_openapi_documents_trigger_routes(client: httpx.Client) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    for path in ("/triggers", "/triggers/{name}", "/triggers/{name}/start",
                 "/jobs/{name}/triggers", "/apply", "/export"):  # fmt: skip
        assert path in paths
    assert "400" in paths["/triggers"]["post"]["responses"]
