"""Bearer-token authentication of API calls, and the rule on where the API may listen."""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable

from fastapi import Depends
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from stoker.config.settings import ApiSettings
from stoker.errors import ConfigError, Unauthorized

#: Documents the scheme in OpenAPI; auto_error=False so that we answer with our own 401.
_bearer = HTTPBearer(auto_error=False, description="Any token from api.tokens")


def check_bind_allowed(api: ApiSettings) -> None:
    """Raise ConfigError unless listening on ``api.host`` is safe with ``api.tokens``.

    A non-loopback address reachable by others needs tokens; an empty token would let
    anyone in who sends "Bearer " and is refused wherever it is.
    """
    for index, token in enumerate(api.tokens):
        if not token.get_secret_value().strip():
            raise ConfigError(
                f"api.tokens[{index}] is empty; every token must be a non-empty secret",
                field=f"api.tokens[{index}]",
            )
    if not api.loopback and not api.tokens:
        raise ConfigError(
            f"api.host = {api.host!r} is reachable from other machines, so api.tokens must "
            "list at least one bearer token (or bind a loopback address such as 127.0.0.1)",
            field="api.tokens",
            value=api.host,
        )


def token_matches(presented: str, tokens: list[bytes]) -> bool:
    """Constant-time check against every token (no early exit that would time the match)."""
    candidate = presented.encode()
    matched = False
    for token in tokens:
        matched |= hmac.compare_digest(candidate, token)
    return matched


def bearer_auth(api: ApiSettings) -> Callable[..., Awaitable[None]]:
    """A FastAPI dependency that lets a request through only with a configured token.

    With no tokens configured the API is open (check_bind_allowed keeps that to loopback).
    """
    tokens = [t.get_secret_value().encode() for t in api.tokens if t.get_secret_value()]

    async def require_token(
        credentials: HTTPAuthorizationCredentials | None = Depends(_bearer),  # noqa: B008
    ) -> None:
        if not tokens:
            return
        if credentials is None:
            raise Unauthorized(
                "this API needs 'Authorization: Bearer <token>' (set STOKER_API_TOKEN for the CLI)"
            )
        if not token_matches(credentials.credentials, tokens):
            # Never echo the presented token: it may be a real secret typed into the wrong place.
            raise Unauthorized("the bearer token is not valid for this daemon")

    return require_token
