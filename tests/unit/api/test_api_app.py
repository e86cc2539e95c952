"""App-wide behaviour: health, OpenAPI, request validation errors, auth, bind rule."""

from __future__ import annotations

import logging

import httpx
import pytest
from pydantic import SecretStr

from stoker.api.app import create_app
from stoker.api.auth import check_bind_allowed
from stoker.config.settings import ApiSettings
from stoker.errors import ConfigError
from stoker.executors.pool.health import PoolHealth, PoolState
from stoker.tasks import TaskState, TaskStatus
from tests.unit.api.asgi import asgi_client
from tests.unit.api.fakes import FakeServices


def test_health(client: httpx.Client, services: FakeServices) -> None:
    services.tasks = [TaskStatus("dispatcher", TaskState.OK, critical=True, crashes=0)]
    assert client.get("/health").json() == {
        "status": "ok",
        "version": "9.9.9",
        "accepting_runs": True,
        "tasks": {"dispatcher": {"state": "ok", "critical": True, "crashes": 0}},
        "pool": {
            "state": "ok", "healthy": True, "size": 2, "idle": 2, "busy": 0, "starting": 0,
            "failures": 0, "last_failure": None,
        },
        "member_id": "test-member", "leases": ["singleton"],
    }  # fmt: skip
    services.accepting_runs = False
    assert client.get("/health").json()["accepting_runs"] is False


@pytest.mark.parametrize(
    ("dispatcher", "retention", "code", "status"),
    [
        (TaskState.OK, TaskState.OK, 200, "ok"),
        (TaskState.OK, TaskState.FAILED, 200, "degraded"),
        (TaskState.RESTARTING, TaskState.OK, 503, "down"),
        (TaskState.FAILED, TaskState.RESTARTING, 503, "down"),
        (TaskState.STOPPED, TaskState.STOPPED, 200, "ok"),  # asked to stop: not down
    ],
)
def test_health_answers_503_while_a_critical_task_is_down(
    client: httpx.Client,
    services: FakeServices,
    dispatcher: TaskState,
    retention: TaskState,
    code: int,
    status: str,
) -> None:
    services.tasks = [
        TaskStatus("dispatcher", dispatcher, critical=True, crashes=2),
        TaskStatus("retention", retention, critical=False, crashes=1),
    ]
    response = client.get("/health")
    assert (response.status_code, response.json()["status"]) == (code, status)
    assert response.json()["tasks"]["dispatcher"] == {
        "state": dispatcher.value,
        "critical": True,
        "crashes": 2,
    }


def test_health_reports_a_failing_pool_and_why(
    client: httpx.Client, services: FakeServices
) -> None:
    reason = "no Java found (looked in PATH (JAVA_HOME is unset)): Spark needs Java 17+"
    services.pool = PoolHealth(PoolState.FAILING, 2, 0, 0, 1, 4, reason)
    response = client.get("/health")
    assert response.status_code == 200  # the daemon serves; pythonshell runs still run
    assert response.json()["status"] == "degraded"
    pool = response.json()["pool"]
    assert (pool["state"], pool["healthy"], pool["failures"]) == ("failing", False, 4)
    assert pool["last_failure"] == reason


def test_openapi_and_docs(client: httpx.Client) -> None:
    spec = client.get("/openapi.json").json()
    assert "/jobs/{name}/runs" in spec["paths"] and spec["info"]["version"] == "9.9.9"
    assert client.get("/docs").status_code == 200
    responses = spec["paths"]["/jobs"]["post"]["responses"]
    assert "422" not in responses and {"400", "401", "409"} <= set(responses)


def test_unknown_body_fields_are_named(client: httpx.Client) -> None:
    resp = client.post("/jobs", json={"name": "x", "command": {"nme": "glueetl"}})
    assert resp.status_code == 400
    out = resp.json()
    assert out["code"] == "InvalidInput" and out["field"] == "command.nme"
    assert "allowed fields: name, script_location, python_version" in out["message"]


def test_type_and_range_errors_say_what_is_allowed(client: httpx.Client) -> None:
    resp = client.post("/jobs", json={"name": "x", "executor": "cluster"})
    assert resp.json()["field"] == "executor"
    assert "'pool' or 'isolated'" in resp.json()["message"]
    limit = client.get("/jobs", params={"limit": 5000})
    assert limit.status_code == 400 and limit.json()["field"] == "limit"
    assert "1000" in limit.json()["message"]


def test_malformed_json_and_missing_body(client: httpx.Client) -> None:
    bad = client.post("/jobs", content=b"{", headers={"content-type": "application/json"})
    assert bad.status_code == 400 and "not valid JSON" in bad.json()["message"]
    none = client.put("/jobs/x/script")
    assert none.status_code == 400 and none.json()["code"] == "InvalidInput"


def test_unknown_route_is_json(client: httpx.Client) -> None:
    resp = client.get("/nope")
    assert resp.status_code == 404 and resp.json()["code"] == "RouteNotFound"
    assert client.delete("/runs").json()["code"] == "MethodNotAllowed"


def test_unexpected_errors_are_500_json(
    services: FakeServices, caplog: pytest.LogCaptureFixture
) -> None:
    async def boom(name: str) -> None:
        raise RuntimeError("secret internals")

    services.jobs.get_job = boom  # type: ignore[assignment,method-assign]
    app = create_app(services, ApiSettings(), version="1")
    with asgi_client(app, raise_app_exceptions=False) as client, caplog.at_level(logging.ERROR):
        resp = client.get("/jobs/x")
    assert resp.status_code == 500
    assert resp.json() == {
        "code": "InternalError",
        "message": "internal error; see the daemon log",
        "field": None,
    }


def test_tokens_guard_everything_but_health(services: FakeServices) -> None:
    api = ApiSettings(tokens=[SecretStr("s3cret"), SecretStr("other")])
    with asgi_client(create_app(services, api, version="1")) as client:
        assert client.get("/health").status_code == 200
        missing = client.get("/jobs")
        assert missing.status_code == 401 and missing.json()["code"] == "Unauthorized"
        assert missing.headers["www-authenticate"] == "Bearer"
        wrong = client.get("/jobs", headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 401 and "nope" not in wrong.text
        for token in ("s3cret", "other"):
            ok = client.get("/jobs", headers={"Authorization": f"Bearer {token}"})
            assert ok.status_code == 200
        assert client.post("/runs/x/stop").status_code == 401


def test_bind_rule() -> None:
    check_bind_allowed(ApiSettings())
    check_bind_allowed(ApiSettings(host="0.0.0.0", tokens=[SecretStr("t")]))
    with pytest.raises(ConfigError) as open_public:
        check_bind_allowed(ApiSettings(host="0.0.0.0"))
    assert open_public.value.field == "api.tokens"
    with pytest.raises(ConfigError):
        check_bind_allowed(ApiSettings(tokens=[SecretStr(" ")]))


def test_metrics_listener_rule() -> None:
    """/metrics off loopback must need a token, wherever it is served (issue 10)."""
    from stoker.api.auth import check_listeners
    from stoker.config.events import MetricsSettings
    from stoker.config.settings import Settings

    token = [SecretStr("t")]
    check_listeners(Settings())
    check_listeners(Settings(metrics=MetricsSettings(port=9100, host="127.0.0.1")))
    public = MetricsSettings(port=9100, host="0.0.0.0", require_auth=True)
    check_listeners(Settings(api=ApiSettings(tokens=token), metrics=public))
    for settings in (
        Settings(metrics=MetricsSettings(port=9100, host="0.0.0.0")),
        Settings(api=ApiSettings(host="0.0.0.0", tokens=token)),
        Settings(api=ApiSettings(tokens=token), metrics=MetricsSettings(port=9100, host="::")),
    ):
        with pytest.raises(ConfigError) as refused:
            check_listeners(settings)
        assert refused.value.field == "metrics.require_auth"
    with pytest.raises(ConfigError) as any_host:
        check_bind_allowed(ApiSettings(allowed_hosts=["*"]))
    assert any_host.value.field == "api.allowed_hosts"


def test_cluster_alone_on_sqlite(client: httpx.Client) -> None:
    """One daemon (no shared database): itself, alive, holding the singleton lease."""
    body = client.get("/cluster").json()
    assert body["mode"] == "local"
    assert [(m["member_id"], m["alive"], m["pool_capacity"]) for m in body["members"]] == [
        ("test-member", True, 2)
    ]
    assert [(lease["name"], lease["holder"]) for lease in body["leases"]] == [
        ("singleton", "test-member")
    ]
