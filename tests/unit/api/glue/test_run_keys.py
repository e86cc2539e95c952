"""The Glue endpoint accepts a live run's minted keys with their session token, and
refuses them once the run has ended — with configured keys or without."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from pydantic import SecretStr

from stoker.api.app import create_app
from stoker.api.ports import ApiServices
from stoker.config.glue import GlueApiSettings
from stoker.config.settings import ApiSettings
from stoker.runs.credentials import RunCredentials
from tests.unit.api.asgi import asgi_client
from tests.unit.api.fakes import FakeServices, make_job, make_run
from tests.unit.api.glue.signing import KEY_ID, SECRET
from tests.unit.api.glue.test_endpoint import call, error_of


@pytest.fixture(params=["configured keys", "no keys"])
def setup(request: pytest.FixtureRequest,
          services: FakeServices) -> Iterator[tuple[httpx.Client, RunCredentials]]:  # fmt: skip
    keys = {KEY_ID: SecretStr(SECRET)} if request.param == "configured keys" else {}
    creds = RunCredentials("http://127.0.0.1:8421/glue", "local")
    services.jobs.jobs["etl"] = make_job()
    services.runs.runs["jr_1"] = make_run(id="jr_1")
    typed: ApiServices = services
    app = create_app(typed, ApiSettings(), version="9", glue=GlueApiSettings(access_keys=keys),
                     run_credentials=creds)  # fmt: skip
    with asgi_client(app) as client:
        yield client, creds


def test_a_live_runs_keys_are_accepted_and_end_with_it(
    setup: tuple[httpx.Client, RunCredentials],
) -> None:
    client, creds = setup
    env = creds.environment("jr_1")
    sign = {"key_id": env["AWS_ACCESS_KEY_ID"], "secret": env["AWS_SECRET_ACCESS_KEY"],
            "token": env["AWS_SESSION_TOKEN"]}  # fmt: skip
    assert call(client, "GetJob", {"JobName": "etl"}, **sign).status_code == 200
    wrong = call(client, "GetJob", {"JobName": "etl"}, **{**sign, "token": "forged"})
    assert error_of(wrong) == (403, "UnrecognizedClientException")
    no_token = call(client, "GetJob", {"JobName": "etl"}, **{**sign, "token": None})
    assert error_of(no_token) == (403, "UnrecognizedClientException")
    creds.revoke("jr_1")
    assert error_of(call(client, "GetJob", {"JobName": "etl"}, **sign)) == (
        403, "UnrecognizedClientException")  # fmt: skip


def test_with_api_tokens_and_no_access_keys_only_a_runs_keys_get_in(
    services: FakeServices,
) -> None:
    creds = RunCredentials("http://127.0.0.1:8421/glue", "local")
    services.jobs.jobs["etl"] = make_job()
    services.runs.runs["jr_1"] = make_run(id="jr_1")
    typed: ApiServices = services
    api = ApiSettings(tokens=[SecretStr("bearer-token")])
    app = create_app(typed, api, version="9", glue=GlueApiSettings(), run_credentials=creds)
    env = creds.environment("jr_1")
    with asgi_client(app) as client:
        assert error_of(call(client, "GetJob", {"JobName": "etl"})) == (
            403, "AccessDeniedException")  # fmt: skip
        answer = call(client, "GetJob", {"JobName": "etl"}, key_id=env["AWS_ACCESS_KEY_ID"],
                      secret=env["AWS_SECRET_ACCESS_KEY"], token=env["AWS_SESSION_TOKEN"])
        assert answer.status_code == 200
        bearer = {"Authorization": f"Bearer {env['AWS_SECRET_ACCESS_KEY']}"}
        assert client.get("/jobs", headers=bearer).status_code == 401
