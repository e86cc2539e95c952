"""Verifying AWS Signature Version 4 on a request, against the configured access keys.

The server side of SigV4 (header form, as every AWS SDK and the AWS CLI sign a JSON
request): rebuild the canonical request from what arrived, derive the signing key from
the secret of the access key the ``Credential`` names, and compare signatures in constant
time. Presigned URLs (query-string signatures) are not accepted: no Glue client uses them.
"""

from __future__ import annotations

import hashlib
import hmac
import posixpath
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl, quote

ALGORITHM = "AWS4-HMAC-SHA256"
SERVICE = "glue"
#: AWS refuses a request signed more than 15 minutes from its own clock ("Signature expired").
MAX_SKEW = timedelta(minutes=15)


class SignatureRefused(Exception):
    """Raised when a request is unsigned, badly signed, stale or signed with an unknown key.

    ``unknown_key`` tells Glue's two answers apart: UnrecognizedClientException for a key
    id nobody configured, AccessDeniedException for everything else.
    """

    def __init__(self, message: str, *, unknown_key: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.unknown_key = unknown_key


@dataclass(frozen=True)
class SignedRequest:
    """What arrived, as the verifier needs it: header names lower-case, path as sent."""

    method: str
    raw_path: str
    query: str
    headers: Mapping[str, str]
    body: bytes


@dataclass(frozen=True)
class _Authorization:
    key_id: str
    date: str
    region: str
    service: str
    signed_headers: tuple[str, ...]
    signature: str


def verify(request: SignedRequest, secrets: Mapping[str, str], now: datetime) -> str:
    """The access key id that signed ``request``; SignatureRefused otherwise."""
    auth = _parse_authorization(request.headers.get("authorization", ""))
    secret = secrets.get(auth.key_id)
    if secret is None:
        raise SignatureRefused(
            "The security token included in the request is invalid (unknown access key id "
            f"{auth.key_id[:128]!r}).",
            unknown_key=True,
        )
    amz_date = _request_time(request.headers, auth, now)
    expected = signature(request, auth, secret, amz_date)
    if not hmac.compare_digest(expected.encode(), auth.signature.encode()):
        raise SignatureRefused(
            "The request signature we calculated does not match the signature you provided. "
            "Check your AWS Secret Access Key and signing method."
        )
    return auth.key_id


def _parse_authorization(header: str) -> _Authorization:
    algorithm, _, rest = header.strip().partition(" ")
    if algorithm != ALGORITHM:
        raise SignatureRefused(
            "Missing Authentication Token: sign requests with AWS Signature Version 4 "
            f"({ALGORITHM}) and a key of glue_api.access_keys."
        )
    parts: dict[str, str] = {}
    for item in rest.split(","):
        name, _, value = item.strip().partition("=")
        parts[name] = value
    try:
        key_id, date, region, service, terminal = parts["Credential"].split("/")
        signed = tuple(parts["SignedHeaders"].split(";"))
        sig = parts["Signature"]
    except (KeyError, ValueError):
        raise SignatureRefused(
            "Authorization header requires 'Credential', 'SignedHeaders' and 'Signature'."
        ) from None
    if terminal != "aws4_request" or service != SERVICE:
        raise SignatureRefused(
            f"Credential should be scoped to a valid service ({SERVICE!r}) and end with "
            "'aws4_request'."
        )
    if "host" not in signed:
        raise SignatureRefused("'Host' must be a signed header.")
    return _Authorization(key_id, date, region, service, signed, sig)


def _request_time(headers: Mapping[str, str], auth: _Authorization, now: datetime) -> str:
    amz_date = headers.get("x-amz-date", "")
    try:
        when = datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    except ValueError:
        raise SignatureRefused(
            "Missing or malformed X-Amz-Date header (expected YYYYMMDDTHHMMSSZ)."
        ) from None
    if amz_date[:8] != auth.date:
        raise SignatureRefused("Credential date does not match the X-Amz-Date header.")
    if abs(now - when) > MAX_SKEW:
        raise SignatureRefused(
            f"Signature expired: {amz_date} is more than 15 minutes from the server's time "
            f"{now:%Y%m%dT%H%M%SZ}."
        )
    return amz_date


def signature(request: SignedRequest, auth: _Authorization, secret: str, amz_date: str) -> str:
    scope = f"{auth.date}/{auth.region}/{auth.service}/aws4_request"
    canonical = canonical_request(request, auth.signed_headers)
    to_sign = "\n".join(
        [ALGORITHM, amz_date, scope, hashlib.sha256(canonical.encode()).hexdigest()]
    )
    key = f"AWS4{secret}".encode()
    for part in (auth.date, auth.region, auth.service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()


def canonical_request(request: SignedRequest, signed_headers: tuple[str, ...]) -> str:
    headers = "".join(
        f"{name}:{' '.join(request.headers.get(name, '').split())}\n" for name in signed_headers
    )
    return "\n".join(
        [
            request.method.upper(),
            canonical_path(request.raw_path),
            canonical_query(request.query),
            headers,
            ";".join(signed_headers),
            hashlib.sha256(request.body).hexdigest(),
        ]
    )


def canonical_path(raw_path: str) -> str:
    """Every service but S3 normalizes the path and URI-encodes the (already encoded) path
    once more, so '%20' is signed as '%2520'."""
    path = posixpath.normpath(raw_path) if raw_path else "/"
    if raw_path.endswith("/") and path != "/":
        path += "/"
    path = "/" + path.lstrip("/")
    return quote(path, safe="/~")


def canonical_query(query: str) -> str:
    pairs = parse_qsl(query, keep_blank_values=True)
    encoded = sorted((quote(k, safe="-_.~"), quote(v, safe="-_.~")) for k, v in pairs)
    return "&".join(f"{k}={v}" for k, v in encoded)
