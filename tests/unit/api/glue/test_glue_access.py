"""The Glue endpoint's access: every operation for every kind of signer, with requests
signed by botocore; a refusal is Glue's AccessDeniedException (400), a bad signature 403.
A run's own key acts on its own job and the catalog; changes reach the audit log."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from stoker.api.app import create_app
from stoker.api.glue.endpoint import OPERATIONS
from stoker.api.ports import ApiServices
from stoker.config.access import KeyGrant
from stoker.config.glue import GlueApiSettings
from stoker.config.settings import ApiSettings
from stoker.domain.audit import AuditEntry, AuditFilter
from stoker.runs.credentials import RunCredentials
from tests.unit.api.asgi import asgi_client
from tests.unit.api.fakes import FakeServices, make_job, make_run
from tests.unit.api.glue.test_endpoint import call

V, OP, A = "viewer", "operator", "admin"
#: What a key limited to job ``etl`` gets from an operation its role allows: JOB (it
#: names job etl here), ANY (the catalog: about no job) or NO (it spans jobs).
JOB, ANY, NO = "job", "any", "no"
ROLES = (V, OP, A)

#: Operation → (the least role allowed, what a job-limited key gets).
EXPECTED: dict[str, tuple[str, str]] = {
    "BatchCreatePartition": (A, ANY),
    "BatchGetJobs": (V, JOB),
    "BatchGetTriggers": (V, NO),
    "BatchStopJobRun": (OP, JOB),
    "CancelStatement": (OP, NO),
    "CreateDatabase": (A, ANY),
    "CreateJob": (A, NO),
    "CreateSecurityConfiguration": (A, NO),
    "CreateSession": (OP, NO),
    "CreateTable": (A, ANY),
    "CreateTrigger": (A, NO),
    "DeleteDatabase": (A, ANY),
    "DeleteJob": (A, JOB),
    "DeleteSecurityConfiguration": (A, NO),
    "DeleteSession": (OP, NO),
    "DeleteTable": (A, ANY),
    "DeleteTrigger": (A, NO),
    "GetConnection": (V, ANY),
    "GetConnections": (V, ANY),
    "GetDatabase": (V, ANY),
    "GetDatabases": (V, ANY),
    "GetJob": (V, JOB),
    "GetJobBookmark": (V, JOB),
    "GetJobRun": (V, JOB),
    "GetJobRuns": (V, JOB),
    "GetJobs": (V, NO),
    "GetPartitions": (V, ANY),
    "GetSecurityConfiguration": (A, NO),
    "GetSecurityConfigurations": (A, NO),
    "GetSession": (V, NO),
    "GetStatement": (V, NO),
    "GetTable": (V, ANY),
    "GetTables": (V, ANY),
    "GetTags": (V, NO),
    "GetTrigger": (V, NO),
    "GetTriggers": (V, NO),
    "ListJobs": (V, NO),
    "ListSessions": (V, NO),
    "ListStatements": (V, NO),
    "ListTriggers": (V, NO),
    "ResetJobBookmark": (OP, JOB),
    "RunStatement": (OP, NO),
    "StartJobRun": (OP, JOB),
    "StartTrigger": (OP, NO),
    "StopSession": (OP, NO),
    "StopTrigger": (OP, NO),
    "TagResource": (A, NO),
    "UntagResource": (A, NO),
    "UpdateDatabase": (A, ANY),
    "UpdateJob": (A, JOB),
    "UpdateTable": (A, ANY),
    "UpdateTrigger": (A, NO),
}

KEYS = {
    "admin": ("AKIASTOKERADMIN00001", "admin-secret"),
    "operator": ("AKIASTOKEROPERATOR01", "operator-secret"),
    "viewer": ("AKIASTOKERVIEWER0001", "viewer-secret"),
    "viewer-etl": ("AKIASTOKERVIEWERETL1", "viewer-etl-secret"),
}
#: Names the job etl wherever an operation reads one.
BODY = {"JobName": "etl", "Name": "etl", "JobNames": ["etl"]}


def _settings() -> GlueApiSettings:
    admin_id, admin_secret = KEYS["admin"]
    grants: dict[str, SecretStr | KeyGrant] = {admin_id: SecretStr(admin_secret)}
    for caller, role, jobs in (("operator", "operator", []), ("viewer", "viewer", []),
                               ("viewer-etl", "viewer", ["etl"])):  # fmt: skip
        key_id, secret = KEYS[caller]
        grants[key_id] = KeyGrant(secret=SecretStr(secret), role=role, jobs=jobs)
    return GlueApiSettings(access_keys=grants)


@pytest.fixture(scope="module")
def glue(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[httpx.Client, FakeServices, RunCredentials]]:
    services = FakeServices(tmp_path_factory.mktemp("glue-access") / "logs")
    creds = RunCredentials("http://127.0.0.1:8421/glue", "local")
    typed: ApiServices = services
    app = create_app(typed, ApiSettings(tokens=[SecretStr("bearer")]), version="9",
                     glue=_settings(), run_credentials=creds)  # fmt: skip
    with asgi_client(app) as client:
        yield client, services, creds


def _expected(caller: str, operation: str) -> str | None:
    least, limited = EXPECTED[operation]
    role = "viewer" if caller == "viewer-etl" else caller
    if ROLES.index(role) < ROLES.index(least):
        return "AccessDeniedException"
    if caller == "viewer-etl" and limited == NO:
        return "AccessDeniedException"
    return None


def test_the_table_covers_every_operation() -> None:
    assert set(EXPECTED) == set(OPERATIONS)


@pytest.mark.parametrize("operation", sorted(EXPECTED))
def test_every_operation_for_every_signer(
    glue: tuple[httpx.Client, FakeServices, RunCredentials], operation: str
) -> None:
    client, services, _ = glue
    for caller, (key_id, secret) in KEYS.items():
        services.jobs.jobs["etl"] = make_job("etl")  # an admin's DeleteJob earlier is undone
        answer = call(client, operation, BODY, key_id=key_id, secret=secret)
        kind = answer.json().get("__type") if answer.status_code != 200 else None
        where = f"{caller}: {operation} -> {answer.status_code} {answer.text[:300]}"
        if _expected(caller, operation) is None:
            assert kind != "AccessDeniedException" and answer.status_code < 500, where
        else:
            assert (answer.status_code, kind) == (400, "AccessDeniedException"), where
            assert answer.headers["x-amzn-errortype"] == kind
    unknown = call(client, operation, BODY, key_id="AKIASTOKERNOBODY0001", secret="x")
    assert (unknown.status_code, unknown.json()["__type"]) == (403, "UnrecognizedClientException")
    forged = call(client, operation, BODY, key_id=KEYS["admin"][0], secret="wrong")
    assert forged.status_code == 403


def _entries(services: FakeServices, **where: Any) -> list[AuditEntry]:
    found = asyncio.run(services.audit.list_entries(AuditFilter(**where), limit=100,
                                                    before_id=None))  # fmt: skip
    return found


def test_a_runs_own_key_acts_on_its_job_and_the_catalog(
    glue: tuple[httpx.Client, FakeServices, RunCredentials],
) -> None:
    client, services, creds = glue
    services.jobs.jobs["etl"] = make_job("etl")
    services.jobs.jobs["other"] = make_job("other")
    run = make_run("etl")
    services.runs.runs[run.id] = run
    env = creds.environment(run.id)
    sign = {"key_id": env["AWS_ACCESS_KEY_ID"], "secret": env["AWS_SECRET_ACCESS_KEY"],
            "token": env["AWS_SESSION_TOKEN"]}  # fmt: skip

    def status(operation: str, body: dict[str, Any]) -> tuple[int, str | None]:
        answer = call(client, operation, body, **sign)
        return answer.status_code, answer.json().get("__type")

    assert status("GetJob", {"JobName": "etl"}) == (200, None)
    assert status("GetJobBookmark", {"JobName": "etl"}) == (200, None)
    assert status("CreateDatabase", {"DatabaseInput": {"Name": "from_run"}}) == (200, None)
    assert status("GetDatabases", {})[0] == 200
    for operation, body in (("GetJob", {"JobName": "other"}),
                            ("StartJobRun", {"JobName": "other"}),
                            ("DeleteJob", {"JobName": "etl"}), ("GetJobs", {}),
                            ("CreateJob", {"Name": "new", "Role": "r",
                                           "Command": {"Name": "glueetl"}})):  # fmt: skip
        assert status(operation, body) == (400, "AccessDeniedException"), operation
    created = _entries(services, action="database.create", target="from_run")
    assert created and created[0].principal == f"run {run.id}" and created[0].outcome == "ok"
    refused = _entries(services, principal=f"run {run.id}", action="job.delete")
    assert refused and refused[0].outcome == "AccessDeniedException"


def test_glue_changes_and_refusals_are_audited(
    glue: tuple[httpx.Client, FakeServices, RunCredentials],
) -> None:
    client, services, _ = glue
    services.jobs.jobs["etl"] = make_job("etl")
    admin_id, admin_secret = KEYS["admin"]
    viewer_id, viewer_secret = KEYS["viewer"]
    assert call(client, "StartJobRun", {"JobName": "etl"}, key_id=admin_id,
                secret=admin_secret).status_code == 200  # fmt: skip
    assert call(client, "StartJobRun", {"JobName": "etl"}, key_id=viewer_id,
                secret=viewer_secret).status_code == 400  # fmt: skip
    assert call(client, "GetJob", {"JobName": "etl"}, key_id=admin_id,
                secret=admin_secret).status_code == 200  # fmt: skip
    started = _entries(services, action="run.start", target="etl")
    by = {(e.principal, e.outcome) for e in started}
    assert (admin_id, "ok") in by and (viewer_id, "AccessDeniedException") in by
    assert all(e.address == "127.0.0.1" and e.detail["request"] == "Glue StartJobRun"
               for e in started)  # fmt: skip
    assert not [e for e in _entries(services, principal=admin_id) if e.action.startswith("Get")]


def test_a_session_key_reads_and_changes_the_catalog_only(tmp_path: Path) -> None:
    services = FakeServices(tmp_path / "logs")
    services.jobs.jobs["etl"] = make_job("etl")
    creds = RunCredentials("http://127.0.0.1:8421/glue", "local")
    typed: ApiServices = services
    app = create_app(typed, ApiSettings(), version="9", glue=GlueApiSettings(),
                     run_credentials=creds)  # fmt: skip
    env = creds.environment("session:s1")
    sign = {"key_id": env["AWS_ACCESS_KEY_ID"], "secret": env["AWS_SECRET_ACCESS_KEY"],
            "token": env["AWS_SESSION_TOKEN"]}  # fmt: skip
    with asgi_client(app) as client:
        assert call(client, "GetJob", {"JobName": "etl"}, **sign).status_code == 200
        made = call(client, "CreateDatabase", {"DatabaseInput": {"Name": "s_db"}}, **sign)
        assert made.status_code == 200
        started = call(client, "StartJobRun", {"JobName": "etl"}, **sign)
        assert started.json()["__type"] == "AccessDeniedException"
