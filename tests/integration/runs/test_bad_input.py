"""Bad input gets a specific error and changes nothing (real daemon, both backends)."""

from __future__ import annotations

import pytest

from tests.support.daemon import DaemonProcess
from tests.support.waiting import unique

pytestmark = pytest.mark.spark


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "bad name!", "script": "pass"}, "name"),
        ({"name": "x", "script": "pass", "max_concurrent_runs": 0}, "max_concurrent_runs"),
        ({"name": "x", "script": "pass", "timeout": 20000}, "timeout"),
        ({"name": "x", "script": "pass", "max_retries": 11}, "max_retries"),
        ({"name": "x", "script": "pass", "default_arguments": {"input": "a"}}, "default_arguments"),
        ({"name": "x", "script": "pass", "command": {"name": "gluestreaming"}}, "command.name"),
        ({"name": "x", "script": "pass", "resources": {"driver_memory": "lots"}}, "driver_memory"),
        ({"name": "x", "script": "pass", "colour": "blue"}, "colour"),
        ({"name": "x", "command": {"script_location": "/nope/missing.py"}}, "script_location"),
    ],
)
def test_invalid_job_definitions_are_refused(
    daemon: DaemonProcess, body: dict[str, object], field: str
) -> None:
    before = definitions(daemon)
    response = daemon.http.post("/jobs", json=body)
    assert response.status_code == 400, response.text
    error = response.json()
    assert error["code"] == "InvalidInput"
    assert field in (error["field"] or "") + error["message"]
    assert definitions(daemon) == before


def definitions(daemon: DaemonProcess) -> list[dict[str, object]]:
    """The stored jobs, without what their runs change (other tests' runs go on meanwhile)."""
    jobs = daemon.http.get("/jobs", params={"limit": 1000}).json()["jobs"]
    return [{k: v for k, v in job.items() if k not in ("last_run", "recent")} for job in jobs]


def test_unknown_job_and_run(daemon: DaemonProcess) -> None:
    response = daemon.http.post("/jobs/no-such-job/runs", json={})
    assert response.status_code == 404
    assert response.json()["code"] == "EntityNotFound"
    assert daemon.http.get("/runs/jr_" + "0" * 64).status_code == 404
    assert daemon.http.get("/runs/not-a-run").status_code == 404


def test_non_overridable_argument_cannot_be_overridden(daemon: DaemonProcess) -> None:
    job = unique("locked")
    daemon.create_job(job, "pass", non_overridable_arguments={"--env": "prod"})
    response = daemon.http.post(f"/jobs/{job}/runs", json={"arguments": {"--env": "dev"}})
    assert response.status_code == 400
    assert "--env" in response.json()["message"]
    assert "non-overridable" in response.json()["message"]
    assert daemon.runs(job=job) == []


def test_oversized_arguments_are_refused(daemon: DaemonProcess) -> None:
    job = unique("big")
    daemon.create_job(job, "pass")
    huge = {f"--k{i}": "x" * 1000 for i in range(200)}
    response = daemon.http.post(f"/jobs/{job}/runs", json={"arguments": huge})
    assert response.status_code == 400
    assert "at most" in response.json()["message"]
    assert daemon.runs(job=job) == []


def test_deleted_jobs_history_stays_readable(daemon: DaemonProcess) -> None:
    job = unique("gone")
    daemon.create_job(job, "print('hi')", command={"name": "pythonshell"})
    run = daemon.wait_state(daemon.start_run(job)["id"], timeout=60)
    assert daemon.http.delete(f"/jobs/{job}").status_code == 204
    assert daemon.http.get(f"/jobs/{job}").status_code == 404
    assert daemon.run(run["id"])["job_name"] == job
    assert "hi" in daemon.logs(run["id"])
