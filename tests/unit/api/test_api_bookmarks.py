"""/jobs/{name}/bookmark: read, history, reset, rewind, set; the jobs list's option."""

from __future__ import annotations

import httpx

from tests.unit.api.fakes import FakeServices, make_job

RUN = "jr_" + "c" * 64


def test_a_job_that_never_committed_is_at_version_0(
    client: httpx.Client, services: FakeServices
) -> None:
    services.jobs.jobs["etl"] = make_job()
    body = client.get("/jobs/etl/bookmark").json()
    assert (body["version"], body["run"], body["elements"], body["created_on"]) == (0, 0, {}, None)
    assert client.get("/jobs/missing/bookmark").status_code == 404


def test_history_reset_rewind_and_set(client: httpx.Client, services: FakeServices) -> None:
    services.jobs.jobs["etl"] = make_job()
    services.bookmarks.commit("etl", RUN, {"src": {"type": "files", "low": 5, "band": {}}})
    services.bookmarks.commit("etl", "jr_" + "d" * 64, {"src": {"type": "files", "low": 9}})
    rewound = client.post("/jobs/etl/bookmark/reset", json={"run_id": RUN}).json()
    assert (rewound["action"], rewound["version"], rewound["elements"]["src"]["low"]) == (
        "rewind", 3, 5)  # fmt: skip
    assert client.post("/jobs/etl/bookmark/reset", json={}).json()["elements"] == {}
    set_now = client.post("/jobs/etl/bookmark/set", json={"now": True}).json()
    assert set_now["action"] == "set" and set_now["elements"]["*"]["type"] == "defaults"
    page = client.get("/jobs/etl/bookmark/history", params={"limit": 2}).json()
    assert [v["version"] for v in page["versions"]] == [5, 4] and page["next_token"]
    rest = client.get("/jobs/etl/bookmark/history",
                      params={"limit": 10, "next_token": page["next_token"]}).json()  # fmt: skip
    assert [v["version"] for v in rest["versions"]] == [3, 2, 1] and rest["next_token"] is None


def test_changes_are_refused_clearly(client: httpx.Client, services: FakeServices) -> None:
    services.jobs.jobs["etl"] = make_job()
    never = client.post("/jobs/etl/bookmark/reset", json={"run_id": RUN})
    assert (never.status_code, never.json()["code"], never.json()["field"]) == (
        404, "EntityNotFound", "run_id")  # fmt: skip
    assert client.post("/jobs/etl/bookmark/set", json={"now": False}).status_code == 400
    assert client.post("/jobs/etl/bookmark/reset", json={"run": RUN}).json()["field"] == "run"
    services.bookmarks.live_run = RUN
    busy = client.post("/jobs/etl/bookmark/reset", json={})
    assert busy.status_code == 409 and RUN in busy.json()["message"]
    assert services.bookmarks.versions["etl"] == []


def test_the_jobs_list_shows_each_jobs_bookmark_option(
    client: httpx.Client, services: FakeServices
) -> None:
    services.jobs.jobs["plain"] = make_job("plain")
    services.jobs.jobs["inc"] = make_job(
        "inc", default_arguments={"--job-bookmark-option": "job-bookmark-enable"}
    )
    jobs = {j["name"]: j["bookmark_option"] for j in client.get("/jobs").json()["jobs"]}
    assert jobs == {"plain": "job-bookmark-disable", "inc": "job-bookmark-enable"}
