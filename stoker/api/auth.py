"""Bearer tokens, and the rules on where the API and /metrics may listen.

Tokens are checked by the guard (stoker.api.guard) before a request body is read; the
``documented`` dependency only tells OpenAPI about the scheme.
"""

from __future__ import annotations

import hmac
import ipaddress

from fastapi.security import HTTPBearer

from stoker.api.access import Principal
from stoker.config.access import grant_of, token_name, token_secret
from stoker.config.settings import ApiSettings, Settings
from stoker.errors import ConfigError

#: Documents the scheme in OpenAPI; auto_error=False: it never refuses anything itself.
documented = HTTPBearer(auto_error=False, description="Any token from api.tokens")


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_bind_allowed(api: ApiSettings) -> None:
    """Raise ConfigError unless listening on ``api.host`` is safe with ``api.tokens``.

    A non-loopback address reachable by others needs tokens; an empty token would let
    anyone in who sends "Bearer " and is refused wherever it is; answering any Host
    ("*") gives up the DNS-rebinding check, so it needs tokens too.
    """
    for index, entry in enumerate(api.tokens):
        if not token_secret(entry).get_secret_value().strip():
            raise ConfigError(
                f"api.tokens[{index}] is empty; every token must be a non-empty secret",
                field=f"api.tokens[{index}]",
            )
    if not is_loopback(api.host) and not api.tokens:
        raise ConfigError(
            f"api.host = {api.host!r} is reachable from other machines, so api.tokens must "
            "list at least one bearer token (or bind a loopback address such as 127.0.0.1)",
            field="api.tokens",
            value=api.host,
        )
    if "*" in (api.allowed_hosts or ()) and not api.tokens:
        raise ConfigError(
            'api.allowed_hosts = ["*"] answers any Host header, which lets a web page reach '
            "a tokenless daemon through DNS rebinding; list the names clients use, or set "
            "api.tokens",
            field="api.allowed_hosts",
        )


def check_listeners(settings: Settings) -> None:
    """check_bind_allowed, the same rule for the Glue endpoint (off loopback it needs
    ``glue_api.access_keys``), and for /metrics on a port of its own: off loopback it needs
    tokens and ``metrics.require_auth`` (else anyone on the network reads every job's
    figures)."""
    check_bind_allowed(settings.api)
    metrics = settings.metrics
    if metrics.port is None:
        host, where = settings.api.host, "api.host"
    else:
        host = metrics.host or settings.api.host
        where = "metrics.host" if metrics.host else "api.host"
    if not is_loopback(host) and not metrics.require_auth:
        raise ConfigError(
            f"/metrics would be served on {host!r} ({where}), reachable from other machines, "
            "without a token: set metrics.require_auth = true (with api.tokens; give the "
            "scraper one of them), or serve it on loopback (metrics.port with "
            "metrics.host = 127.0.0.1)",
            field="metrics.require_auth",
            value=host,
        )
    glue = settings.glue_api
    if glue.enabled and not glue.access_keys and not is_loopback(settings.api.host):
        raise ConfigError(
            f"api.host = {settings.api.host!r} is reachable from other machines, so the Glue "
            "endpoint needs glue_api.access_keys (access key id = secret key), or "
            "glue_api.enabled = false",
            field="glue_api.access_keys",
            value=settings.api.host,
        )


def token_principals(api: ApiSettings) -> list[tuple[bytes, Principal]]:
    """Each token's secret with the caller it stands for (its name, role and limits)."""
    return [
        (token_secret(entry).get_secret_value().encode(),
         Principal.of(token_name(entry, index), grant_of(entry)))
        for index, entry in enumerate(api.tokens)
    ]  # fmt: skip


def match_token(presented: str, tokens: list[tuple[bytes, Principal]]) -> Principal | None:
    """Constant-time check against every token (no early exit that would time the match)."""
    candidate = presented.encode()
    found = None
    for secret, principal in tokens:
        if hmac.compare_digest(candidate, secret):
            found = principal
    return found
