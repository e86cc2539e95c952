"""Run credentials: minted per attempt, looked up by key id, gone once revoked."""

from __future__ import annotations

from stoker.config.glue import GlueApiSettings, run_endpoint_url
from stoker.runs.credentials import KeyRing, RunCredentials, is_run_key


def test_a_run_gets_the_glue_environment_until_it_is_revoked() -> None:
    creds = RunCredentials("http://127.0.0.1:8421/glue", "local")
    env = creds.environment("jr_1")
    assert env["AWS_ENDPOINT_URL_GLUE"] == "http://127.0.0.1:8421/glue"
    assert env["AWS_REGION"] == env["AWS_DEFAULT_REGION"] == "local"
    key = env["AWS_ACCESS_KEY_ID"]
    assert is_run_key(key) and len(key) == 20
    found = creds.lookup(key)
    assert found is not None and found.run_id == "jr_1"
    assert env["AWS_SECRET_ACCESS_KEY"] not in repr(found)
    assert creds.session_matches(key, env["AWS_SESSION_TOKEN"])
    assert not creds.session_matches(key, "other")
    ring = KeyRing({"AKIACONFIGURED000001": "s"}, creds)
    assert ring[key] == env["AWS_SECRET_ACCESS_KEY"] and len(ring) == 2
    again = creds.environment("jr_1")  # a new attempt: the old keys end
    assert creds.lookup(key) is None and creds.lookup(again["AWS_ACCESS_KEY_ID"]) is not None
    creds.revoke("jr_1")
    assert creds.lookup(again["AWS_ACCESS_KEY_ID"]) is None and ring.get(key) is None
    assert list(ring) == ["AKIACONFIGURED000001"]


def test_no_glue_endpoint_means_no_credentials() -> None:
    assert RunCredentials(None, "local").environment("jr_1") == {}
    off = GlueApiSettings(enabled=False)
    assert run_endpoint_url("127.0.0.1", 8421, off) is None
    on = GlueApiSettings(path="/aws/glue")
    assert run_endpoint_url("0.0.0.0", 80, on) == "http://127.0.0.1:80/aws/glue"
    assert run_endpoint_url("::", 80, on) == "http://[::1]:80/aws/glue"
    assert run_endpoint_url("10.0.0.5", 80, on) == "http://10.0.0.5:80/aws/glue"
