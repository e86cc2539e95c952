"""The Glue endpoint in-process over fake services: signed requests answered with Glue's
members, every refusal Glue-shaped (the guard's too), the bearer token not asked for."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from stoker.api.app import create_app
from stoker.api.glue.errors import from_stoker
from stoker.api.ports import ApiServices
from stoker.config.glue import GlueApiSettings
from stoker.config.settings import ApiSettings
from stoker.errors import (
    ConcurrentRunsExceeded,
    Conflict,
    InvalidInput,
    InvalidTransition,
    NotFound,
    ShuttingDown,
)
from tests.unit.api.asgi import asgi_client
from tests.unit.api.fakes import FakeServices, make_job
from tests.unit.api.glue.signing import KEY_ID, SECRET, botocore_headers

GLUE = GlueApiSettings(access_keys={KEY_ID: SecretStr(SECRET)})


@pytest.fixture
def glue(services: FakeServices) -> Iterator[httpx.Client]:
    typed: ApiServices = services
    api = ApiSettings(tokens=[SecretStr("bearer-token")], max_body_bytes=4096)
    with asgi_client(create_app(typed, api, version="9", glue=GLUE)) as client:
        yield client


def call(client: httpx.Client, operation: str, body: dict[str, Any] | bytes,
         **sign: Any) -> httpx.Response:  # fmt: skip
    headers, data = botocore_headers(operation, body, **sign)
    headers.pop("Host")
    return client.post("/glue", content=data, headers=headers)


def error_of(response: httpx.Response) -> tuple[int, str]:
    assert response.headers["content-type"] == "application/x-amz-json-1.1"
    body = response.json()
    assert response.headers["x-amzn-errortype"] == body["__type"]
    return response.status_code, body["__type"]


def test_signed_calls_are_served_without_a_bearer_token(
    glue: httpx.Client, services: FakeServices
) -> None:
    services.jobs.jobs["etl"] = make_job()
    answer = call(glue, "GetJob", {"JobName": "etl"})
    assert answer.status_code == 200, answer.text
    assert answer.json()["Job"]["Name"] == "etl"
    started = call(glue, "StartJobRun", {"JobName": "etl", "Arguments": {"--day": "2"}})
    run_id = started.json()["JobRunId"]
    run = call(glue, "GetJobRun", {"JobName": "etl", "RunId": run_id}).json()["JobRun"]
    assert (run["Id"], run["JobRunState"], run["Arguments"]) == (run_id, "RUNNING",
                                                                 {"--day": "2"})  # fmt: skip


def test_refusals_carry_glues_error_names(glue: httpx.Client, services: FakeServices) -> None:
    services.jobs.jobs["etl"] = make_job()
    assert error_of(call(glue, "GetJob", {"JobName": "nope"})) == (400, "EntityNotFoundException")
    assert error_of(call(glue, "GetJob", {})) == (400, "InvalidInputException")
    assert error_of(call(glue, "GetJob", {"JobName": 5})) == (400, "InvalidInputException")
    assert error_of(call(glue, "CreateCrawler", {})) == (400, "UnknownOperationException")
    assert call(glue, "CreateCrawler", {}).json()["Message"].startswith(
        "Operation AWSGlue.CreateCrawler is not supported")
    assert error_of(call(glue, "GetJob", b"[1]")) == (400, "SerializationException")
    assert error_of(call(glue, "GetJob", b"{nope")) == (400, "SerializationException")
    services.runs.start_error = ConcurrentRunsExceeded("job etl has 1 run")
    assert error_of(call(glue, "StartJobRun", {"JobName": "etl"})) == (
        400, "ConcurrentRunsExceededException")  # 400, not 429: SDKs would retry that


def test_bad_signatures_and_unknown_keys(glue: httpx.Client) -> None:
    assert error_of(call(glue, "GetJobs", {}, secret="wrong")) == (403, "AccessDeniedException")
    assert error_of(call(glue, "GetJobs", {}, key_id="AKIAUNKNOWN000000000")) == (
        403, "UnrecognizedClientException")  # fmt: skip
    unsigned = glue.post("/glue", content=b"{}", headers={
        "X-Amz-Target": "AWSGlue.GetJobs", "Content-Type": "application/x-amz-json-1.1"})
    assert error_of(unsigned) == (403, "AccessDeniedException")


def test_the_guards_own_refusals_are_glue_shaped_there(glue: httpx.Client) -> None:
    headers, data = botocore_headers("GetJobs", {})
    headers["Host"] = "evil.example"
    assert error_of(glue.post("/glue", content=data, headers=headers))[1] == (
        "AccessDeniedException")  # fmt: skip
    big = call(glue, "GetJobs", {"NextToken": "x" * 5000})
    assert error_of(big) == (413, "InvalidInputException")
    # Elsewhere the API still wants its token, and says so in its own format.
    assert glue.get("/jobs").json()["code"] == "Unauthorized"


def test_without_keys_any_caller_is_let_in(services: FakeServices) -> None:
    typed: ApiServices = services
    with asgi_client(create_app(typed, ApiSettings(), version="9",
                                glue=GlueApiSettings())) as client:  # fmt: skip
        answer = client.post("/glue", content=b"", headers={
            "X-Amz-Target": "AWSGlue.GetJobs", "Content-Type": "application/x-amz-json-1.1"})
    assert answer.status_code == 200 and answer.json() == {"Jobs": []}


def test_with_api_tokens_a_keyless_endpoint_refuses_everyone(services: FakeServices) -> None:
    """Tokens on the HTTP API and no Glue keys: /glue must not be the way around them."""
    typed: ApiServices = services
    api = ApiSettings(tokens=[SecretStr("bearer-token")])
    with asgi_client(create_app(typed, api, version="9", glue=GlueApiSettings())) as client:
        answer = client.post("/glue", content=b"", headers={
            "X-Amz-Target": "AWSGlue.GetJobs", "Content-Type": "application/x-amz-json-1.1",
            "Authorization": "Bearer bearer-token"})  # fmt: skip
    assert error_of(answer) == (403, "AccessDeniedException")
    assert "glue_api] access_keys" in answer.text


def test_a_disabled_endpoint_is_not_there(services: FakeServices) -> None:
    typed: ApiServices = services
    with asgi_client(create_app(typed, ApiSettings(), version="9",
                                glue=GlueApiSettings(enabled=False))) as client:  # fmt: skip
        assert client.post("/glue", content=b"{}").status_code == 404


def test_stokers_errors_map_to_glues() -> None:
    cases = {
        InvalidInput("bad", field="timeout"): "InvalidInputException",
        NotFound("gone"): "EntityNotFoundException",
        ConcurrentRunsExceeded("full"): "ConcurrentRunsExceededException",
        Conflict("job 'a' already exists"): "AlreadyExistsException",
        Conflict("a live run holds it"): "ConcurrentModificationException",
        InvalidTransition("ended"): "ConcurrentModificationException",
        ShuttingDown("later"): "InternalServiceException",
    }
    for error, name in cases.items():
        assert from_stoker(error).type == name
    assert "timeout" in from_stoker(InvalidInput("bad", field="timeout")).message


def test_config_show_masks_the_secrets_not_the_key_ids() -> None:
    from stoker.config.settings import Settings, masked_dump

    dumped = masked_dump(Settings(glue_api=GLUE))
    assert dumped["glue_api"]["access_keys"] == {KEY_ID: "****"}
    assert SECRET not in json.dumps(dumped)


def test_off_loopback_the_glue_endpoint_needs_keys() -> None:
    from stoker.api.auth import check_listeners
    from stoker.config.events import MetricsSettings
    from stoker.config.settings import Settings
    from stoker.errors import ConfigError

    public = ApiSettings(host="0.0.0.0", tokens=[SecretStr("t")])
    scrape = MetricsSettings(require_auth=True)
    with pytest.raises(ConfigError) as refused:
        check_listeners(Settings(api=public, metrics=scrape))
    assert refused.value.field == "glue_api.access_keys"
    check_listeners(Settings(api=public, metrics=scrape, glue_api=GLUE))
    check_listeners(Settings(api=public, metrics=scrape,
                             glue_api=GlueApiSettings(enabled=False)))  # fmt: skip


def test_bad_glue_settings_are_refused() -> None:
    from pydantic import ValidationError

    for bad in ({"path": "/jobs"}, {"path": "glue"}, {"path": "/glue/"},
                {"access_keys": {"short": "s"}}, {"access_keys": {KEY_ID: " "}}):  # fmt: skip
        with pytest.raises(ValidationError):
            GlueApiSettings(**bad)  # type: ignore[arg-type]
