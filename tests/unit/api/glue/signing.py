"""Requests signed by botocore, the reference signer every AWS SDK for Python uses."""

from __future__ import annotations

import json
from typing import Any

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from stoker.api.glue.sigv4 import SignedRequest

KEY_ID = "AKIASTOKERUNIT000001"
SECRET = "unit-secret-key"
KEYS = {KEY_ID: SECRET}
ENDPOINT = "http://127.0.0.1:8421/glue"


def botocore_headers(
    operation: str,
    body: dict[str, Any] | bytes,
    *,
    key_id: str = KEY_ID,
    secret: str = SECRET,
    url: str = ENDPOINT,
    service: str = "glue",
    token: str | None = None,
) -> tuple[dict[str, str], bytes]:
    """The headers and body boto3 would send for ``operation``, signed now."""
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    request = AWSRequest(
        method="POST",
        url=url,
        data=data,
        headers={
            "X-Amz-Target": f"AWSGlue.{operation}",
            "Content-Type": "application/x-amz-json-1.1",
        },
    )
    SigV4Auth(Credentials(key_id, secret, token), service, "us-east-1").add_auth(request)
    headers = dict(request.headers.items())
    headers["Host"] = request.url.split("/")[2]
    return headers, data


def signed_request(operation: str, body: dict[str, Any], **kwargs: Any) -> SignedRequest:
    headers, data = botocore_headers(operation, body, **kwargs)
    url = kwargs.get("url", ENDPOINT)
    path_and_query = "/" + url.split("/", 3)[3]
    path, _, query = path_and_query.partition("?")
    return SignedRequest(
        method="POST",
        raw_path=path,
        query=query,
        headers={k.lower(): v for k, v in headers.items()},
        body=data,
    )
