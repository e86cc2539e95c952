"""POST /apply and GET /export over the fake definitions."""

from __future__ import annotations

from typing import Any

import httpx

from stoker.definitions.files import JOB_READ_ONLY
from tests.unit.api.fakes import FakeServices, make_job, make_trigger


def job(name: str = "etl", **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": name,
        "command": {"name": "glueetl", "script_location": f"/scripts/{name}.py"},
        "default_arguments": {"--db_password": "pw"},
    }
    return {**body, **changes}


def trigger(name: str = "nightly", **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": name,
        "type": "SCHEDULED",
        "schedule": "cron(0 2 * * ? *)",
        "actions": [{"job_name": "etl", "arguments": {"--api_token": "t"}}],
    }
    return {**body, **changes}


def test_apply_creates_then_reports_unchanged(client: httpx.Client, services: FakeServices) -> None:
    body = {"jobs": [job(), job("load", command={"name": "pythonshell"}, script="print(1)\n")],
            "triggers": [trigger(start_on_creation=True)]}  # fmt: skip
    first = client.post("/apply", json=body)
    assert first.status_code == 200, first.text
    assert first.json() == {
        "dry_run": False,
        "created": {"jobs": ["etl", "load"], "triggers": ["nightly"]},
        "updated": {}, "unchanged": {}, "deleted": {},
    }  # fmt: skip
    assert services.triggers.triggers["nightly"].state == "ACTIVATED"
    assert services.jobs.scripts["load"] == "print(1)\n"
    second = client.post("/apply", json=body).json()
    assert second["unchanged"] == {"jobs": ["etl", "load"], "triggers": ["nightly"]}
    assert second["created"] == {}


def test_export_then_apply_keeps_masked_secrets(
    client: httpx.Client, services: FakeServices
) -> None:
    services.jobs.jobs["etl"] = make_job("etl", default_arguments={"--db_password": "pw"})
    services.triggers.triggers["nightly"] = make_trigger()
    exported = client.get("/export").json()
    assert exported["jobs"][0]["default_arguments"] == {"--db_password": "****"}
    assert exported["triggers"][0]["actions"][0]["arguments"]["--api_token"] == "****"
    skip_job = set(JOB_READ_ONLY)  # what reads add: created_on, bookmark_option, …
    jobs = [{k: v for k, v in j.items() if k not in skip_job} for j in exported["jobs"]]
    runtime = {"state", "created_on", "last_modified_on", "last_fire_time", "next_fire_time",
               "missed_fires"}  # fmt: skip
    triggers = [{k: v for k, v in t.items() if k not in runtime} for t in exported["triggers"]]
    report = client.post("/apply", json={"jobs": jobs, "triggers": triggers}).json()
    assert report["unchanged"] == {"jobs": ["etl"], "triggers": ["nightly"]}
    applied_job = services.definitions.calls[0]["jobs"][0][0]  # type: ignore[index]
    assert applied_job.default_arguments == {"--db_password": "pw"}


def test_new_masked_secret_is_refused(client: httpx.Client) -> None:
    body = {"jobs": [job(default_arguments={"--db_password": "****"})]}
    resp = client.post("/apply", json=body)
    assert resp.status_code == 400
    assert resp.json()["field"] == "jobs[0].default_arguments.--db_password"


def test_errors_name_the_item_index(client: httpx.Client, services: FakeServices) -> None:
    cases = [
        ({"jobs": [job(), job("b", timeout=0)]}, "jobs[1].timeout"),
        ({"jobs": [job(), {"command": {"name": "glueetl"}}]}, "jobs[1].name"),
        ({"jobs": [job(colour=1)]}, "jobs[0].colour"),
        ({"triggers": [trigger(), trigger("b", schedule=None)]}, "triggers[1].schedule"),
        ({"triggers": [trigger(actions=[{"job_name": "etl", "x": 1}])]},
         "triggers[0].actions[0].x"),
        ({"triggers": [trigger(schedule="cron(bad)")]}, "triggers[0].schedule"),
        ({"jobs": [job(timeout=1234)]}, "jobs[0].timeout"),
        ({"jobs": [job(), job()]}, "jobs[1].name"),
        ({"triggers": [trigger(type="ON_DEMAND", schedule=None, start_on_creation=True)]},
         "triggers[0].start_on_creation"),
        ({"prune": True, "nope": 1}, "nope"),
    ]  # fmt: skip
    for body, field in cases:
        resp = client.post("/apply", json=body)
        assert resp.status_code == 400, (field, resp.text)
        assert resp.json()["field"] == field, resp.json()
    assert services.jobs.jobs == {}, "a refused apply changes nothing"


def test_dry_run_and_prune_are_passed(client: httpx.Client, services: FakeServices) -> None:
    services.jobs.jobs["old"] = make_job("old")
    services.triggers.triggers["stale"] = make_trigger("stale")
    body = {"jobs": [job()], "prune": True, "dry_run": True}
    report = client.post("/apply", json=body).json()
    assert report["dry_run"] is True
    assert report["deleted"] == {"jobs": ["old"], "triggers": ["stale"]}
    assert report["created"] == {"jobs": ["etl"]}
    assert set(services.jobs.jobs) == {"old"}
    call = services.definitions.calls[0]
    assert call["prune"] is True and call["dry_run"] is True
    client.post("/apply", json={**body, "dry_run": False})
    assert set(services.jobs.jobs) == {"etl"} and services.triggers.triggers == {}


def test_empty_apply_and_export(client: httpx.Client) -> None:
    empty = client.post("/apply", json={}).json()
    assert empty["created"] == {} and empty["dry_run"] is False
    assert client.get("/export").json() == {"jobs": [], "triggers": []}
