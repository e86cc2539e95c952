"""Glue's security configuration operations and the job's Role / SecurityConfiguration
members, in-process over the real role and configuration services (SQLite)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from stoker.api.app import create_app
from stoker.api.ports import ApiServices
from stoker.config.glue import GlueApiSettings
from stoker.config.settings import ApiSettings
from tests.unit.api.asgi import asgi_client
from tests.unit.api.fakes import FakeServices
from tests.unit.api.glue.signing import KEY_ID, SECRET
from tests.unit.api.glue.test_endpoint import call
from tests.unit.api.glue.test_shapes import MODEL, conforms

SEALED = {"Name": "sealed", "EncryptionConfiguration": {
    "S3Encryption": [{"S3EncryptionMode": "SSE-S3"}],
    "CloudWatchEncryption": {"CloudWatchEncryptionMode": "SSE-KMS", "KmsKeyArn": "arn:k"},
    "JobBookmarksEncryption": {"JobBookmarksEncryptionMode": "DISABLED"},
}}  # fmt: skip
COMMAND = {"Name": "glueetl", "ScriptLocation": "/scripts/etl.py"}


@pytest.fixture
def glue(services: FakeServices) -> Iterator[httpx.Client]:
    typed: ApiServices = services
    settings = GlueApiSettings(access_keys={KEY_ID: SecretStr(SECRET)})
    with asgi_client(create_app(typed, ApiSettings(), version="9", glue=settings)) as client:
        yield client


def ok(client: httpx.Client, operation: str, body: dict[str, Any]) -> dict[str, Any]:
    answer = call(client, operation, body)
    assert answer.status_code == 200, answer.text
    result: dict[str, Any] = answer.json()
    return result


def test_security_configurations_round_trip_in_glues_shape(glue: httpx.Client) -> None:
    assert ok(glue, "CreateSecurityConfiguration", SEALED)["Name"] == "sealed"
    again = call(glue, "CreateSecurityConfiguration", SEALED)
    assert again.status_code == 400 and "AlreadyExists" in again.text
    got = ok(glue, "GetSecurityConfiguration", {"Name": "sealed"})["SecurityConfiguration"]
    conforms(got, MODEL.shape_for("SecurityConfiguration"), "SecurityConfiguration")
    encryption = got["EncryptionConfiguration"]
    assert encryption["CloudWatchEncryption"] == {"CloudWatchEncryptionMode": "SSE-KMS"}
    assert encryption["S3Encryption"] == [{"S3EncryptionMode": "SSE-S3"}]
    listed = ok(glue, "GetSecurityConfigurations", {})["SecurityConfigurations"]
    assert [c["Name"] for c in listed] == ["sealed"]
    bookmarks = {"Name": "b", "EncryptionConfiguration": {
        "JobBookmarksEncryption": {"JobBookmarksEncryptionMode": "CSE-KMS"}}}  # fmt: skip
    refused = call(glue, "CreateSecurityConfiguration", bookmarks)
    assert refused.status_code == 400 and "not supported yet" in refused.text
    assert ok(glue, "DeleteSecurityConfiguration", {"Name": "sealed"}) == {}
    gone = call(glue, "GetSecurityConfiguration", {"Name": "sealed"})
    assert gone.status_code == 400 and "EntityNotFound" in gone.text


def test_a_jobs_role_names_a_stoker_role_and_an_unknown_iam_role_is_not_kept(
    glue: httpx.Client, client: httpx.Client,
) -> None:
    assert client.post("/roles", json={"name": "etl", "env": {"K": "v"}}).status_code == 201
    ok(glue, "CreateJob", {"Name": "with", "Role": "arn:aws:iam::123456789012:role/svc/etl",
                           "Command": COMMAND, "SecurityConfiguration": "sealed"})  # fmt: skip
    ok(glue, "CreateJob", {"Name": "without", "Role": "arn:aws:iam::1:role/Other",
                           "Command": COMMAND})  # fmt: skip
    job = ok(glue, "GetJob", {"JobName": "with"})["Job"]
    assert (job["Role"], job["SecurityConfiguration"]) == ("etl", "sealed")
    assert "Role" not in ok(glue, "GetJob", {"JobName": "without"})["Job"]
    assert client.get("/jobs/with").json()["role"] == "etl"
