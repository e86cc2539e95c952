"""The /jobs routes: create, read, list with paging, update, delete, scripts."""

from __future__ import annotations

from typing import Any

import httpx

from stoker.definitions.files import JOB_READ_ONLY
from tests.unit.api.fakes import FakeServices, make_job


def job_body(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "etl",
        "command": {"name": "glueetl", "script_location": "/scripts/etl.py"},
        "default_arguments": {"--day": "2024-05-01", "--db_password": "hunter2"},
    }
    body.update(changes)
    return body


def test_create_returns_201_with_masked_arguments_and_utc_times(
    client: httpx.Client, services: FakeServices
) -> None:
    resp = client.post("/jobs", json=job_body(spark_conf={"spark.s3a.secret.key": "k"}))
    assert resp.status_code == 201, resp.text
    out = resp.json()
    assert out["default_arguments"] == {"--day": "2024-05-01", "--db_password": "****"}
    assert out["spark_conf"] == {"spark.s3a.secret.key": "****"}
    assert out["created_on"] == "2024-05-01T12:00:00+00:00"
    assert out["command"] == {
        "name": "glueetl",
        "script_location": "/scripts/etl.py",
        "python_version": "3",
    }
    assert services.jobs.jobs["etl"].default_arguments["--db_password"] == "hunter2"


def test_create_with_script_content_lets_the_service_set_the_location(
    client: httpx.Client, services: FakeServices
) -> None:
    body = job_body(command={"name": "pythonshell"}, script="print(1)\n")
    resp = client.post("/jobs", json=body)
    assert resp.status_code == 201, resp.text
    call = services.jobs.calls[0][1]
    assert isinstance(call, tuple)
    job, script = call
    assert job.script_location == "" and script == "print(1)\n"
    assert resp.json()["command"]["script_location"] == "/data/scripts/etl.py"


def test_create_needs_exactly_one_script_source(client: httpx.Client) -> None:
    both = client.post("/jobs", json=job_body(script="x"))
    neither = client.post("/jobs", json=job_body(command={"name": "glueetl"}))
    assert both.status_code == neither.status_code == 400
    assert both.json()["field"] == "command.script_location"
    assert neither.json()["field"] == "script"
    assert "exactly one" in neither.json()["message"]


def test_create_conflict_is_409(client: httpx.Client) -> None:
    assert client.post("/jobs", json=job_body()).status_code == 201
    resp = client.post("/jobs", json=job_body())
    assert resp.status_code == 409
    assert resp.json()["code"] == "AlreadyExists"


def test_domain_validation_maps_to_400_with_field(client: httpx.Client) -> None:
    resp = client.post("/jobs", json=job_body(timeout=0))
    assert resp.status_code == 400
    assert resp.json() == {
        "code": "InvalidInput",
        "message": "timeout must be a whole number from 1 to 10079, got 0",
        "field": "timeout",
    }
    bad_arg = client.post("/jobs", json=job_body(default_arguments={"day": "x"}))
    assert bad_arg.json()["field"] == "default_arguments.day"


def test_create_without_name_is_400(client: httpx.Client) -> None:
    body = job_body()
    del body["name"]
    resp = client.post("/jobs", json=body)
    assert resp.status_code == 400 and resp.json()["field"] == "name"


def test_list_pages_by_name(client: httpx.Client, services: FakeServices) -> None:
    for name in ("c", "a", "b"):
        services.jobs.jobs[name] = make_job(name)
    first = client.get("/jobs", params={"limit": 2}).json()
    assert [j["name"] for j in first["jobs"]] == ["a", "b"]
    second = client.get("/jobs", params={"limit": 2, "next_token": first["next_token"]}).json()
    assert [j["name"] for j in second["jobs"]] == ["c"]
    assert second["next_token"] is None


def test_get_and_delete(client: httpx.Client, services: FakeServices) -> None:
    services.jobs.jobs["etl"] = make_job()
    assert client.get("/jobs/etl").json()["name"] == "etl"
    assert client.delete("/jobs/etl").status_code == 204
    missing = client.get("/jobs/etl")
    assert missing.status_code == 404
    assert missing.json()["code"] == "EntityNotFound"


def test_update_replaces_and_keeps_masked_secrets(
    client: httpx.Client, services: FakeServices
) -> None:
    client.post("/jobs", json=job_body())
    current = client.get("/jobs/etl").json()
    for read_only in JOB_READ_ONLY:
        current.pop(read_only, None)
    current["max_retries"] = 3
    resp = client.put("/jobs/etl", json=current)
    assert resp.status_code == 200, resp.text
    stored = services.jobs.jobs["etl"]
    assert stored.max_retries == 3
    assert stored.default_arguments["--db_password"] == "hunter2"


def test_update_refuses_a_different_name(client: httpx.Client, services: FakeServices) -> None:
    services.jobs.jobs["etl"] = make_job()
    resp = client.put("/jobs/etl", json=job_body(name="other"))
    assert resp.status_code == 400 and resp.json()["field"] == "name"
    assert client.put("/jobs/nope", json=job_body(name=None)).status_code == 404


def test_script_get_and_put(client: httpx.Client, services: FakeServices) -> None:
    client.post("/jobs", json=job_body(command={"name": "glueetl"}, script="a = 1\n"))
    got = client.get("/jobs/etl/script").json()
    assert got == {
        "job_name": "etl",
        "script_location": "/data/scripts/etl.py",
        "script": "a = 1\n",
    }
    assert client.put("/jobs/etl/script", json={"script": "b = 2\n"}).status_code == 200
    assert services.jobs.scripts["etl"] == "b = 2\n"


def test_log_retention_days_is_days_or_never_and_reads_show_what_applies(
    client: httpx.Client, services: FakeServices
) -> None:
    for value, effective in ((1, 1), (36500, 36500), ("never", "never"), (None, 90)):
        body = job_body(name=f"etl-{value}", log_retention_days=value)
        created = client.post("/jobs", json=body)
        assert created.status_code == 201, created.text
        assert created.json()["log_retention_days"] == value
        assert services.jobs.jobs[f"etl-{value}"].log_retention_days == value
        read = client.get(f"/jobs/etl-{value}").json()
        assert (read["log_retention_days"], read["effective_log_retention_days"]) == (
            value, effective,
        )  # fmt: skip
    services.jobs.default_log_retention = "never"
    page = client.get("/jobs").json()["jobs"]
    listed = {j["name"]: j["effective_log_retention_days"] for j in page}
    assert listed["etl-None"] == "never" and listed["etl-1"] == 1


def test_a_bad_log_retention_days_is_refused_saying_what_is_allowed(client: httpx.Client) -> None:
    for bad in (0, -3, 36501, 1.5, True, "forever", "30", [], {}):
        resp = client.post("/jobs", json=job_body(log_retention_days=bad))
        assert resp.status_code == 400, (bad, resp.text)
        error = resp.json()
        assert error["field"] == "log_retention_days", bad
        assert "from 1 to 36500 or 'never'" in error["message"], error
