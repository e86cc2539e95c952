"""SigV4 verification against botocore's signer: what it signs passes, anything changed
after signing, a wrong secret, an unknown key or a stale date is refused."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from stoker.api.glue.sigv4 import SignatureRefused, canonical_path, canonical_query, verify
from tests.unit.api.glue.signing import KEY_ID, KEYS, SECRET, signed_request


def test_a_request_botocore_signed_is_verified_and_names_its_key() -> None:
    request = signed_request("GetJob", {"JobName": "etl"})
    assert verify(request, KEYS, datetime.now(UTC)) == KEY_ID


def test_a_path_and_query_that_need_encoding_verify_as_botocore_signs_them() -> None:
    request = signed_request("GetJobs", {}, url="http://127.0.0.1:8421/glue%20api/x?b=2&a=%2F")
    assert verify(request, KEYS, datetime.now(UTC)) == KEY_ID


@pytest.mark.parametrize(
    "tamper",
    [
        lambda r: replace(r, body=b'{"JobName": "other"}'),
        lambda r: replace(r, headers={**r.headers, "x-amz-target": "AWSGlue.DeleteJob"}),
        lambda r: replace(r, raw_path="/elsewhere"),
        lambda r: replace(r, method="PUT"),
    ],
    ids=["body", "signed header", "path", "method"],
)
def test_anything_changed_after_signing_is_refused(tamper: object) -> None:
    request = tamper(signed_request("GetJob", {"JobName": "etl"}))  # type: ignore[operator]
    with pytest.raises(SignatureRefused) as refused:
        verify(request, KEYS, datetime.now(UTC))
    assert not refused.value.unknown_key
    assert "signature we calculated does not match" in refused.value.message


def test_a_wrong_secret_is_refused_and_the_secret_never_shown() -> None:
    request = signed_request("GetJob", {"JobName": "etl"}, secret="not-the-secret")
    with pytest.raises(SignatureRefused) as refused:
        verify(request, KEYS, datetime.now(UTC))
    assert SECRET not in refused.value.message and "not-the-secret" not in refused.value.message


def test_an_unknown_key_is_told_apart() -> None:
    request = signed_request("GetJob", {}, key_id="AKIANOBODYCONFIGURED")
    with pytest.raises(SignatureRefused) as refused:
        verify(request, KEYS, datetime.now(UTC))
    assert refused.value.unknown_key


def test_a_request_signed_more_than_15_minutes_away_is_expired() -> None:
    request = signed_request("GetJob", {})
    for skew in (timedelta(minutes=16), -timedelta(minutes=16)):
        with pytest.raises(SignatureRefused, match="Signature expired"):
            verify(request, KEYS, datetime.now(UTC) + skew)
    assert verify(request, KEYS, datetime.now(UTC) + timedelta(minutes=14)) == KEY_ID


def test_unsigned_and_malformed_authorization_are_refused() -> None:
    request = signed_request("GetJob", {})
    for header in ("", "Bearer abc", "AWS4-HMAC-SHA256 Credential=x", "AWS4-HMAC-SHA256 "):
        broken = replace(request, headers={**request.headers, "authorization": header})
        with pytest.raises(SignatureRefused):
            verify(broken, KEYS, datetime.now(UTC))
    dateless = {k: v for k, v in request.headers.items() if k != "x-amz-date"}
    with pytest.raises(SignatureRefused, match="X-Amz-Date"):
        verify(replace(request, headers=dateless), KEYS, datetime.now(UTC))


def test_a_signature_for_another_service_is_refused() -> None:
    request = signed_request("GetJob", {}, service="s3")
    with pytest.raises(SignatureRefused, match="valid service"):
        verify(request, KEYS, datetime.now(UTC))


def test_canonical_forms() -> None:
    assert canonical_path("") == "/"
    assert canonical_path("/a/./b/../c/") == "/a/c/"
    assert canonical_path("/a%20b") == "/a%2520b"
    assert canonical_query("b=2&a=1&a=0") == "a=0&a=1&b=2"
    assert canonical_query("k=a%2Fb&e=") == "e=&k=a%2Fb"
