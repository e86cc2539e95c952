"""GET /jobs filters and each job's last run and recent states (GET /jobs/{name} too)."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest

from stoker.domain.jobs import JobCursor, JobFilter, JobSort
from stoker.domain.runs import JobActivity, RunBrief
from stoker.domain.states import RunState
from tests.unit.api.fakes import FakeServices, make_job

S = RunState
T1 = datetime(2026, 12, 1, 10, tzinfo=UTC)
T2 = datetime(2026, 12, 1, 11, tzinfo=UTC)


def test_filters_reach_the_catalog(client: httpx.Client, services: FakeServices) -> None:
    resp = client.get("/jobs?name=Ord&tag=team%3Ddata&last_state=FAILED")
    assert resp.status_code == 200, resp.text
    assert services.jobs.filters[-1] == JobFilter(
        name_contains="Ord", tag_key="team", tag_value="data", last_state=S.FAILED
    )
    client.get("/jobs?tag=team")
    assert services.jobs.filters[-1] == JobFilter(tag_key="team")
    client.get("/jobs?tag=team%3D")  # an empty value is a value
    assert services.jobs.filters[-1] == JobFilter(tag_key="team", tag_value="")


def test_each_job_carries_its_last_run_and_recent_states(
    client: httpx.Client, services: FakeServices
) -> None:
    services.jobs.jobs = {"etl": make_job("etl"), "idle": make_job("idle")}
    services.jobs.activity_of["etl"] = JobActivity(
        RunBrief("jr_new", S.RUNNING, T2, None), (S.RUNNING, S.FAILED)
    )
    listed = {j["name"]: j for j in client.get("/jobs").json()["jobs"]}
    assert listed["etl"]["last_run"] == {
        "id": "jr_new", "state": "RUNNING", "started_on": "2026-12-01T11:00:00+00:00",
        "completed_on": None,
    }  # fmt: skip
    assert listed["etl"]["recent"] == ["RUNNING", "FAILED"]
    assert listed["idle"]["last_run"] is None and listed["idle"]["recent"] == []
    one = client.get("/jobs/etl").json()
    assert one["last_run"] == listed["etl"]["last_run"] and one["recent"] == ["RUNNING", "FAILED"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("last_state=DONE", "last_state"),
        ("tag=%3Dvalue", "tag"),
        ("tag=" + "k" * 500, "tag"),
        ("name=" + "n" * 300, "name"),
    ],
)
def test_bad_filters(client: httpx.Client, query: str, field: str) -> None:
    resp = client.get(f"/jobs?{query}")
    assert resp.status_code == 400, resp.text
    assert resp.json()["code"] == "InvalidInput" and resp.json()["field"] == field


def test_sort_and_direction_reach_the_catalog_and_tokens_keep_their_order(
    client: httpx.Client, services: FakeServices
) -> None:
    services.jobs.jobs = {n: make_job(n) for n in ("a", "b", "c")}
    services.jobs.activity_of["a"] = JobActivity(
        RunBrief("jr_1", S.SUCCEEDED, T1, T2, seq=41), (S.SUCCEEDED,)
    )
    first = client.get("/jobs?sort=last_run&desc=true&limit=1").json()
    assert services.jobs.filters[-1] == JobFilter(sort=JobSort.LAST_RUN, descending=True)
    token = first["next_token"]
    client.get(f"/jobs?sort=last_run&desc=true&limit=1&next_token={token}")
    assert services.jobs.cursors[-1] == JobCursor("a", 41)
    for other in ("sort=last_run", "sort=last_modified&desc=true", ""):
        refused = client.get(f"/jobs?{other}&next_token={token}")
        assert refused.status_code == 400 and refused.json()["field"] == "next_token", other
    modified = client.get("/jobs?sort=last_modified&limit=2").json()["next_token"]
    client.get(f"/jobs?sort=last_modified&limit=2&next_token={modified}")
    cursor = services.jobs.cursors[-1]
    assert isinstance(cursor, JobCursor) and cursor.name == "b" and cursor.value is not None
    assert client.get("/jobs?sort=type").status_code == 422 or client.get(
        "/jobs?sort=type"
    ).status_code == 400
