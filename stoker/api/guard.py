"""The HTTP boundary, checked before a byte of a request body is read.

In order: the ``Host`` header must name this daemon (DNS rebinding); a state-changing
request must not come from a foreign ``Origin`` (a web page of another site); the bearer
token must be valid (unless the route is public or no tokens are configured); a
state-changing request must send JSON (an HTML form cannot, and a cross-site ``fetch``
that does is preflighted, which this API never grants); and the body may not exceed
``api.max_body_bytes``, counted while it is read. Each refusal is the usual JSON error.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Iterable
from dataclasses import dataclass, replace
from urllib.parse import urlsplit

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from stoker.api.access import ANONYMOUS, PRINCIPAL_KEY, Principal
from stoker.api.auth import match_token, token_principals
from stoker.api.glue.errors import CONTENT_TYPE
from stoker.api.glue.errors import error_body as glue_error_body
from stoker.config.settings import ApiSettings
from stoker.errors import (
    Forbidden,
    InvalidInput,
    PayloadTooLarge,
    StokerError,
    Unauthorized,
    UnsupportedMediaType,
)

#: Methods that only read; every other method changes state.
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
#: Routes anyone who reaches the port may call (the daemon's liveness and its API docs).
PUBLIC_PATHS = frozenset({"/", "/health", "/docs", "/docs/oauth2-redirect", "/openapi.json"})
_WILDCARDS = ("0.0.0.0", "::", "")  # noqa: S104 - names of "every address", not a bind
_DEFAULT_PORTS = {"http": 80, "https": 443}


def split_host(value: str, default_port: int) -> tuple[str, int] | None:
    """``"Name:8421"`` → ``("name", 8421)``; ``"[::1]:80"`` → ``("::1", 80)``; a missing
    port is ``default_port``; None when ``value`` is not a host[:port]."""
    value = value.strip().lower()
    if value.startswith("["):
        name, bracket, rest = value[1:].partition("]")
        if not bracket or (rest and not rest.startswith(":")):
            return None
        port_text = rest[1:]
    elif value.count(":") == 1:
        name, _, port_text = value.partition(":")
    else:  # a bare IPv6 address (configuration only) or a name without a port
        name, port_text = value, ""
    if not name:
        return None
    if not port_text:
        return name, default_port
    if not (port_text.isascii() and port_text.isdigit()) or not 0 < int(port_text[:6]) < 65536:
        return None
    return name, int(port_text)


@dataclass(frozen=True)
class Hosts:
    """The host names (with ports) a request may address; ``any`` only with tokens."""

    names: frozenset[tuple[str, int]]
    any: bool = False

    def allows(self, host: str, port: int) -> bool:
        return self.any or (host, port) in self.names


def allowed_hosts(host: str, port: int, configured: Iterable[str] | None) -> Hosts:
    """``configured`` (entries "name" or "name:port"; "*" for any), else the listener's own
    address, localhost, 127.0.0.1 and ::1, plus this machine's name on a wildcard bind."""
    if configured is not None:
        entries = list(configured)
        names = {found for e in entries if e != "*" and (found := split_host(e, port))}
        return Hosts(frozenset(names), any="*" in entries)
    defaults = {"localhost", "127.0.0.1", "::1"}
    if host in _WILDCARDS:
        defaults.add(socket.gethostname().lower())
    else:
        defaults.add(host.lower().strip("[]"))
    return Hosts(frozenset((name, port) for name in defaults))


def _error_body(error: StokerError) -> bytes:
    return json.dumps(error.to_dict()).encode()


class Guard:
    """Pure ASGI middleware in front of the FastAPI app (see the module docstring)."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        api: ApiSettings,
        hosts: Hosts,
        public: frozenset[str],
        public_prefixes: tuple[str, ...] = (),
        delegated: str | None = None,
    ) -> None:
        self._app = app
        #: The Glue endpoint's path: it authenticates (SigV4) and checks its content type
        #: itself, and the guard's own refusals there are Glue-shaped.
        self._delegated = delegated
        self._hosts = hosts
        self._public = public
        #: Paths under these need no token either (the console's page and assets); the
        #: Host, Origin and JSON checks apply to them like to every other path.
        self._public_prefixes = public_prefixes
        self._tokens = token_principals(api)
        self._limit = api.max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self._app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        try:
            self._check(scope, headers)
        except StokerError as error:
            if scope["type"] == "websocket":  # refused before the handshake is accepted
                await send({"type": "websocket.close", "code": 1008, "reason": error.code})
            else:
                await _refuse(send, error, glue=self._is_delegated(scope))
            return
        refused = _Refused()
        limited = self._limited(receive, send, refused, glue=self._is_delegated(scope))
        await self._app(scope, limited, _unless(refused, send))

    def _check(self, scope: Scope, headers: dict[str, str]) -> None:
        _check_no_nul(scope)
        port = _server_port(scope)
        host = split_host(headers.get("host", ""), port)
        if host is None or not self._hosts.allows(*host):
            raise Forbidden(
                "this daemon does not answer to that Host; add the name you use to "
                "api.allowed_hosts (STOKER_API__ALLOWED_HOSTS)",
                field="Host",
            )
        # A WebSocket is never a simple request: browsers open one from any page, so its
        # Origin is checked whatever it then does.
        changes = scope["type"] == "websocket" or scope["method"] not in SAFE_METHODS
        if changes and "origin" in headers and not self._same_origin(headers["origin"], port):
            raise Forbidden(
                "requests that change state are refused from web pages of another origin",
                field="Origin",
            )
        delegated = self._is_delegated(scope)
        principal = ANONYMOUS
        if self._tokens and not self._is_public(scope["path"]) and not delegated:
            principal = _check_token(headers.get("authorization", ""), self._tokens)
        client = scope.get("client")
        # The routes' access check (stoker.api.access.authorize) and the audit log read it;
        # a key of the request's own scope (``state`` may be the server's, shared).
        scope[PRINCIPAL_KEY] = replace(principal, address=client[0] if client else None)
        if scope["type"] == "websocket":
            return
        if changes and not delegated and not _is_json(headers.get("content-type", "")):
            raise UnsupportedMediaType(
                "requests that change state must send 'Content-Type: application/json' "
                "(with a JSON body, or none)",
                field="Content-Type",
            )
        length = headers.get("content-length", "")
        if length.isascii() and length.isdigit() and int(length[:20]) > self._limit:
            raise self._too_large()

    def _is_delegated(self, scope: Scope) -> bool:
        return self._delegated is not None and scope["path"] == self._delegated

    def _is_public(self, path: str) -> bool:
        return path in self._public or path.startswith(self._public_prefixes)

    def _same_origin(self, origin: str, port: int) -> bool:
        parts = urlsplit(origin.strip())
        if parts.scheme not in _DEFAULT_PORTS or not parts.hostname:
            return False  # "null" (sandboxed pages, file: URLs) included
        try:
            origin_port = parts.port or _DEFAULT_PORTS[parts.scheme]
        except ValueError:
            return False
        return self._hosts.allows(parts.hostname.lower(), origin_port)

    def _too_large(self) -> PayloadTooLarge:
        return PayloadTooLarge(
            f"the request body is larger than {self._limit} bytes (api.max_body_bytes)",
            field="body",
        )

    def _limited(self, receive: Receive, send: Send, refused: _Refused, *,
                 glue: bool) -> Receive:  # fmt: skip
        """``receive`` that answers 413 itself once the body passes the limit; the app then
        sees a disconnect and whatever it sends afterwards is dropped."""
        received = 0

        async def limited() -> Message:
            nonlocal received
            if refused.done:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self._limit:
                    refused.done = True
                    await _refuse(send, self._too_large(), glue=glue)
                    return {"type": "http.disconnect"}
            return message

        return limited


class _Refused:
    """Per request: whether the guard has answered it already."""

    done = False


def _unless(refused: _Refused, send: Send) -> Send:
    async def guarded(message: Message) -> None:
        if not refused.done:
            await send(message)

    return guarded


def _server_port(scope: Scope) -> int:
    server = scope.get("server")
    return int(server[1]) if server and server[1] is not None else 80


def _check_token(authorization: str, tokens: list[tuple[bytes, Principal]]) -> Principal:
    scheme, _, presented = authorization.partition(" ")
    if scheme.lower() != "bearer" or not presented.strip():
        raise Unauthorized(
            "this API needs 'Authorization: Bearer <token>' (set STOKER_API_TOKEN for the CLI)"
        )
    principal = match_token(presented.strip(), tokens)
    if principal is None:
        # Never echo the presented token: it may be a real secret typed into the wrong place.
        raise Unauthorized("the bearer token is not valid for this daemon")
    return principal


def _is_json(content_type: str) -> bool:
    media = content_type.partition(";")[0].strip().lower()
    return media == "application/json" or (
        media.startswith("application/") and media.endswith("+json")
    )


def _check_no_nul(scope: Scope) -> None:
    """No name, id or filter stoker keeps may hold a NUL (PostgreSQL text cannot), so a path
    or query that carries one is refused here, before any route or store sees it."""
    query: bytes = scope.get("query_string", b"")
    if "\x00" in scope["path"]:
        raise InvalidInput("the request path holds a NUL character (%00)", field="path")
    if b"\x00" in query or b"%00" in query:
        raise InvalidInput("the query string holds a NUL character (%00)", field="query")


async def _refuse(send: Send, error: StokerError, *, glue: bool = False) -> None:
    status, body, extra = error.http_status, _error_body(error), []
    media = b"application/json"
    if glue:
        status, body, kind = glue_error_body(error)
        media = CONTENT_TYPE.encode()
        extra = [(b"x-amzn-errortype", kind.encode())]
    headers = [
        (b"content-type", media),
        (b"content-length", str(len(body)).encode()),
        (b"connection", b"close"),
        *extra,
    ]
    if error.http_status == 401 and not glue:
        headers.append((b"www-authenticate", b"Bearer"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
