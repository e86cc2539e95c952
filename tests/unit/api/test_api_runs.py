"""The run routes: start, list with paging, get, stop, logs by offset."""

from __future__ import annotations

import httpx
import pytest

from stoker.domain.states import RunState
from stoker.errors import ConcurrentRunsExceeded
from tests.unit.api.fakes import FakeServices, make_job


@pytest.fixture(autouse=True)
def _job(services: FakeServices) -> None:
    services.jobs.jobs["etl"] = make_job()


def start(client: httpx.Client, **body: object) -> dict[str, object]:
    resp = client.post("/jobs/etl/runs", json=body)
    assert resp.status_code == 201, resp.text
    out: dict[str, object] = resp.json()
    return out


def test_start_passes_options_and_masks_arguments(client: httpx.Client) -> None:
    run = start(
        client,
        arguments={"--day": "1", "--api_token": "t"},
        timeout=10,
        job_run_queuing_enabled=False,
    )
    assert run["arguments"] == {"--day": "1", "--api_token": "****"}
    assert run["timeout"] == 10 and run["job_run_queuing_enabled"] is False
    assert run["state"] == "RUNNING" and run["triggered_by"] == "manual"
    # A naive time from the store is UTC on the wire.
    assert run["started_on"] == "2024-05-01T12:00:00+00:00"
    assert run["predecessor_runs"] == []


def test_start_refused_while_shutting_down(client: httpx.Client, services: FakeServices) -> None:
    services.accepting_runs = False
    resp = client.post("/jobs/etl/runs", json={})
    assert resp.status_code == 503 and resp.json()["code"] == "ShuttingDown"


def test_start_errors_map_to_status(client: httpx.Client, services: FakeServices) -> None:
    assert client.post("/jobs/nope/runs", json={}).status_code == 404
    bad = client.post("/jobs/etl/runs", json={"arguments": {"day": "x"}})
    assert bad.status_code == 400 and bad.json()["field"] == "arguments.day"
    services.runs.start_error = ConcurrentRunsExceeded("too many")
    busy = client.post("/jobs/etl/runs", json={})
    assert busy.status_code == 429 and busy.json()["code"] == "ConcurrentRunsExceeded"


def test_list_filters_and_pages_newest_first(client: httpx.Client, services: FakeServices) -> None:
    ids = [start(client)["id"] for _ in range(3)]
    services.runs.set_state(str(ids[0]), RunState.SUCCEEDED)
    first = client.get("/runs", params={"limit": 2}).json()
    assert [r["id"] for r in first["runs"]] == [ids[2], ids[1]]
    rest = client.get("/runs", params={"limit": 2, "next_token": first["next_token"]}).json()
    assert [r["id"] for r in rest["runs"]] == [ids[0]] and rest["next_token"] is None
    done = client.get("/runs", params={"state": "SUCCEEDED", "job": "etl"}).json()
    assert [r["id"] for r in done["runs"]] == [ids[0]]


def test_bad_state_and_token_are_400(client: httpx.Client) -> None:
    state = client.get("/runs", params={"state": "DONE"})
    assert state.status_code == 400 and state.json()["field"] == "state"
    assert "SUCCEEDED" in state.json()["message"]
    token = client.get("/runs", params={"next_token": "garbage!"})
    assert token.status_code == 400 and token.json()["field"] == "next_token"
    jobs_token = client.get("/jobs", params={"limit": 1}).json()["next_token"]
    assert jobs_token is None


def test_get_and_stop(client: httpx.Client, services: FakeServices) -> None:
    run_id = str(start(client)["id"])
    assert client.get(f"/runs/{run_id}").json()["id"] == run_id
    assert client.post(f"/runs/{run_id}/stop").json()["state"] == "STOPPING"
    services.runs.set_state(run_id, RunState.STOPPED)
    again = client.post(f"/runs/{run_id}/stop")
    assert again.status_code == 409 and again.json()["code"] == "InvalidTransition"
    assert client.get("/runs/jr_missing").status_code == 404


def test_logs_by_offset_until_complete(client: httpx.Client, services: FakeServices) -> None:
    run_id = str(start(client)["id"])
    missing = client.get(f"/runs/{run_id}/logs").json()
    assert missing == {"data": "", "offset": 0, "next_offset": 0, "complete": False}
    path = services.runs.log_path(run_id, "stdout")
    path.parent.mkdir(parents=True)
    path.write_bytes("héllo\n".encode())
    # Four bytes would cut 'é' in half: the chunk stops before it instead.
    part = client.get(f"/runs/{run_id}/logs", params={"limit": 2}).json()
    assert part == {"data": "h", "offset": 0, "next_offset": 1, "complete": False}
    rest = client.get(f"/runs/{run_id}/logs", params={"offset": 1}).json()
    assert rest["data"] == "éllo\n" and rest["complete"] is False
    services.runs.set_state(run_id, RunState.SUCCEEDED)
    end = client.get(f"/runs/{run_id}/logs", params={"offset": rest["next_offset"]}).json()
    assert end == {"data": "", "offset": 7, "next_offset": 7, "complete": True}


def test_logs_stream_is_checked(client: httpx.Client, services: FakeServices) -> None:
    run_id = str(start(client)["id"])
    services.runs.set_state(run_id, RunState.FAILED)
    assert client.get(f"/runs/{run_id}/logs", params={"stream": "stderr"}).json()["complete"]
    bad = client.get(f"/runs/{run_id}/logs", params={"stream": "both"})
    assert bad.status_code == 400 and bad.json()["field"] == "stream"
