"""Every route of the real app, for every kind of caller: allowed (neither 401 nor 403),
refused (403 AccessDenied naming what was missing) or unauthenticated (401).

The table below is the access model written out on its own, not read from
stoker.api.access.RULES: a rule changed by mistake fails here, and a new route fails until
it is added. The console's actions are the API's routes, so they are covered here too.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import APIRouter
from fastapi.routing import APIRoute, iter_route_contexts
from pydantic import SecretStr

from stoker.api.app import close_streams, create_app
from stoker.api.ports import ApiServices
from stoker.config.access import TokenGrant
from stoker.config.settings import ApiSettings
from tests.unit.api.asgi import asgi_client
from tests.unit.api.fakes import FakeServices, make_job, make_run

V, OP, A = "viewer", "operator", "admin"
#: What a caller limited to job ``etl`` may do with a route its role allows: JOB (the route
#: is about job etl here), LIST (it lists, filtered), ANY (about no job: the catalog) or NO.
JOB, LIST, ANY, NO = "job", "list", "any", "no"
ROLES = (V, OP, A)

#: (method, path) → (the least role allowed, what a job-limited caller gets).
EXPECTED: dict[tuple[str, str], tuple[str, str]] = {
    ("GET", "/metrics"): (V, NO),
    ("POST", "/jobs/generate"): (A, NO),
    ("POST", "/jobs"): (A, NO),
    ("GET", "/jobs"): (V, LIST),
    ("GET", "/jobs/{name}"): (V, JOB),
    ("PUT", "/jobs/{name}"): (A, JOB),
    ("DELETE", "/jobs/{name}"): (A, JOB),
    ("GET", "/jobs/{name}/script"): (V, JOB),
    ("PUT", "/jobs/{name}/script"): (A, JOB),
    ("GET", "/runs/stream"): (V, JOB),
    ("POST", "/jobs/{name}/runs"): (OP, JOB),
    ("GET", "/runs"): (V, LIST),
    ("GET", "/runs/summary"): (V, JOB),
    ("GET", "/runs/{run_id}"): (V, JOB),
    ("POST", "/runs/{run_id}/stop"): (OP, JOB),
    ("GET", "/runs/{run_id}/logs"): (V, JOB),
    ("GET", "/runs/{run_id}/metrics"): (V, JOB),
    ("GET", "/jobs/{name}/metrics"): (V, JOB),
    ("GET", "/events"): (V, NO),
    ("POST", "/triggers"): (A, NO),
    ("POST", "/triggers/preview"): (V, NO),
    ("GET", "/triggers"): (V, NO),
    ("GET", "/triggers/{name}"): (V, NO),
    ("PUT", "/triggers/{name}"): (A, NO),
    ("DELETE", "/triggers/{name}"): (A, NO),
    ("POST", "/triggers/{name}/start"): (OP, NO),
    ("POST", "/triggers/{name}/activate"): (OP, NO),
    ("POST", "/triggers/{name}/deactivate"): (OP, NO),
    ("GET", "/jobs/{name}/triggers"): (V, JOB),
    ("POST", "/apply"): (A, NO),
    ("GET", "/export"): (V, NO),
    ("GET", "/jobs/{name}/bookmark"): (V, JOB),
    ("GET", "/jobs/{name}/bookmark/history"): (V, JOB),
    ("POST", "/jobs/{name}/bookmark/reset"): (OP, JOB),
    ("POST", "/jobs/{name}/bookmark/set"): (OP, JOB),
    ("POST", "/catalog/databases"): (A, ANY),
    ("GET", "/catalog/databases"): (V, ANY),
    ("GET", "/catalog/databases/{database}"): (V, ANY),
    ("DELETE", "/catalog/databases/{database}"): (A, ANY),
    ("POST", "/catalog/databases/{database}/tables"): (A, ANY),
    ("PUT", "/catalog/databases/{database}/tables/{table}"): (A, ANY),
    ("GET", "/catalog/databases/{database}/tables"): (V, ANY),
    ("GET", "/catalog/databases/{database}/tables/{table}"): (V, ANY),
    ("DELETE", "/catalog/databases/{database}/tables/{table}"): (A, ANY),
    ("POST", "/catalog/databases/{database}/tables/{table}/partitions"): (A, ANY),
    ("GET", "/catalog/databases/{database}/tables/{table}/partitions"): (V, ANY),
    ("POST", "/catalog/connections"): (A, ANY),
    ("GET", "/catalog/connections"): (V, ANY),
    ("GET", "/catalog/connections/{name}"): (V, ANY),
    ("DELETE", "/catalog/connections/{name}"): (A, ANY),
    ("POST", "/catalog/infer"): (OP, ANY),
    ("POST", "/scripts/check"): (V, ANY),
    ("POST", "/sessions"): (OP, NO),
    ("GET", "/sessions"): (V, NO),
    ("GET", "/sessions/{session_id}"): (V, NO),
    ("POST", "/sessions/{session_id}/stop"): (OP, NO),
    ("DELETE", "/sessions/{session_id}"): (OP, NO),
    ("POST", "/sessions/{session_id}/statements"): (OP, NO),
    ("GET", "/sessions/{session_id}/statements"): (V, NO),
    ("GET", "/sessions/{session_id}/statements/{statement_id}"): (V, NO),
    ("POST", "/sessions/{session_id}/statements/{statement_id}/cancel"): (OP, NO),
    ("POST", "/roles"): (A, NO),
    ("GET", "/roles"): (A, NO),
    ("GET", "/roles/{name}"): (A, NO),
    ("PUT", "/roles/{name}"): (A, NO),
    ("DELETE", "/roles/{name}"): (A, NO),
    ("GET", "/keys"): (A, NO),
    ("POST", "/keys/rotate"): (A, NO),
    ("POST", "/keys/reencrypt"): (A, NO),
    ("POST", "/security-configurations"): (A, NO),
    ("GET", "/security-configurations"): (A, NO),
    ("GET", "/security-configurations/{name}"): (A, NO),
    ("DELETE", "/security-configurations/{name}"): (A, NO),
    ("GET", "/cluster"): (V, NO),
    ("GET", "/audit"): (A, NO),
}

TOKENS = {
    "admin": "admin-secret",
    "operator": "operator-secret",
    "viewer": "viewer-secret",
    "viewer-etl": "viewer-etl-secret",
}
CALLERS = (*TOKENS, "no token", "wrong token")


@pytest.fixture(scope="module")
def setup(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[httpx.Client, FakeServices, str]]:
    tmp = tmp_path_factory.mktemp("access")
    services = FakeServices(tmp / "logs")
    run = make_run("etl")
    services.runs.runs[run.id] = run
    api = ApiSettings(tokens=[
        SecretStr(TOKENS["admin"]),
        TokenGrant(name="ops", token=SecretStr(TOKENS["operator"]), role="operator"),
        TokenGrant(name="look", token=SecretStr(TOKENS["viewer"]), role="viewer"),
        TokenGrant(name="etl-look", token=SecretStr(TOKENS["viewer-etl"]), role="viewer",
                   jobs=["etl"]),
    ])  # fmt: skip
    typed: ApiServices = services
    app = create_app(typed, api, version="9", metrics_exposition=lambda: b"", metrics_auth=True,
                     console=APIRouter(prefix="/console"))  # fmt: skip
    # A stream allowed to open then ends at once, instead of waiting for runs forever.
    close_streams(app)
    with asgi_client(app) as client:
        yield client, services, run.id


def _routes() -> list[tuple[str, str]]:
    return sorted(EXPECTED)


def test_the_table_covers_every_route_of_the_app(
    setup: tuple[httpx.Client, FakeServices, str],
) -> None:
    client, _, _ = setup
    app = client._transport._inner.app  # type: ignore[attr-defined]
    routes = [c.original_route for c in iter_route_contexts(app.routes)]
    served = {(method, route.path) for route in routes if isinstance(route, APIRoute)
              for method in route.methods or ()
              if route.path not in {"/", "/health", "/openapi.json", "/docs"}
              and not route.path.startswith("/console")}  # fmt: skip
    assert served == set(EXPECTED)


def _expected(caller: str, route: tuple[str, str]) -> int | None:
    """401, 403, or None for allowed (any answer but those)."""
    if caller in ("no token", "wrong token"):
        return 401
    least, limited = EXPECTED[route]
    role = "viewer" if caller == "viewer-etl" else caller
    if ROLES.index(role) < ROLES.index(least):
        return 403
    if caller == "viewer-etl" and limited == NO:
        return 403
    return None


def _concrete(path: str, run_id: str) -> str:
    values = {"name": "etl", "run_id": run_id, "database": "db", "table": "t",
              "session_id": "s1", "statement_id": "1"}  # fmt: skip
    return re.sub(r"\{(\w+)\}", lambda m: values[m.group(1)], path)


@pytest.mark.parametrize("route", _routes(), ids=lambda r: f"{r[0]} {r[1]}")
def test_every_route_for_every_caller(
    setup: tuple[httpx.Client, FakeServices, str], route: tuple[str, str]
) -> None:
    client, services, run_id = setup
    method, template = route
    url = _concrete(template, run_id)
    # The one job these routes are about; a QUERY route is told it.
    params = {"job": "etl"} if template in ("/runs/stream", "/runs/summary") else {}
    for caller in CALLERS:
        services.jobs.jobs["etl"] = make_job("etl")  # an admin's DELETE earlier is undone
        headers = {}
        if caller in TOKENS:
            headers["Authorization"] = f"Bearer {TOKENS[caller]}"
        elif caller == "wrong token":
            headers["Authorization"] = "Bearer not-a-token"
        body = {} if method in ("POST", "PUT") else None
        answer = client.request(method, url, params=params, headers=headers, json=body)
        expected = _expected(caller, route)
        where = f"{caller}: {method} {url} -> {answer.status_code} {answer.text[:300]}"
        if expected is None:
            assert answer.status_code not in (401, 403), where
            assert answer.status_code < 500, where
        else:
            assert answer.status_code == expected, where
        if answer.status_code == 403:
            error = answer.json()
            assert error["code"] == "AccessDenied", where
            assert error["principal"] and error["role"] and error["needed"], where


def _as(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {TOKENS[token]}"}


def test_a_job_limited_caller_sees_and_touches_its_jobs_only(
    setup: tuple[httpx.Client, FakeServices, str],
) -> None:
    client, services, run_id = setup
    services.jobs.jobs["etl"] = make_job("etl")
    services.jobs.jobs["other"] = make_job("other")
    other_run = make_run("other")
    services.runs.runs[other_run.id] = other_run
    viewer = _as("viewer-etl")
    jobs = client.get("/jobs", headers=viewer).json()["jobs"]
    assert [j["name"] for j in jobs] == ["etl"]
    runs = client.get("/runs", headers=viewer).json()["runs"]
    assert {r["job_name"] for r in runs} == {"etl"} and run_id in {r["id"] for r in runs}
    for path in ("/jobs/other", f"/runs/{other_run.id}", "/runs?job=other",
                 "/jobs/missing-job"):  # fmt: skip
        refused = client.get(path, headers=viewer)
        assert refused.status_code == 403, path
        assert refused.json()["principal"] == "etl-look"
    # A job outside the limits is refused whether it exists or not: no probing for names.
    assert client.get("/jobs/missing-job", headers=viewer).json()["job"] == "missing-job"
    assert client.get("/events", headers=viewer).json()["needed"] == "read"
    assert client.get("/runs/summary", headers=viewer).status_code == 403  # no ?job=
    assert {j["name"] for j in client.get("/jobs", headers=_as("viewer")).json()["jobs"]} == {
        "etl", "other"}  # fmt: skip


def test_a_tag_limited_operator_runs_the_tagged_jobs_only(tmp_path: Path) -> None:
    services = FakeServices(tmp_path / "logs")
    services.jobs.jobs["tagged"] = make_job("tagged", tags={"team": "data"})
    services.jobs.jobs["plain"] = make_job("plain")
    api = ApiSettings(tokens=[TokenGrant(name="data-ops", token=SecretStr("t0ken"),
                                         role="operator", tags=["team=data"])])  # fmt: skip
    typed: ApiServices = services
    with asgi_client(create_app(typed, api, version="9")) as client:
        bearer = {"Authorization": "Bearer t0ken"}
        assert client.post("/jobs/tagged/runs", headers=bearer, json={}).status_code == 201
        refused = client.post("/jobs/plain/runs", headers=bearer, json={})
        assert refused.status_code == 403 and refused.json()["job"] == "plain"
        assert "tag team=data" in refused.json()["message"]
        changed = client.put("/jobs/tagged/script", headers=bearer, json={"script": "x"})
        assert changed.status_code == 403 and changed.json()["needed"] == "admin"
