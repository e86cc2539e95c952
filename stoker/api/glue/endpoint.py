"""The Glue endpoint: one POST route speaking AWS JSON 1.1, as boto3 and the AWS CLI call it.

A request names its operation in ``X-Amz-Target: AWSGlue.<Operation>`` and carries its
members as a JSON object; it is signed with SigV4 by a key of ``glue_api.access_keys``.
Every answer is Glue-shaped, errors included (``{"__type", "Message"}``): an operation
stoker does not serve is UnknownOperationException naming it, never a 500.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime

from fastapi import APIRouter, Request
from starlette.responses import Response

from stoker.api.access import ANONYMOUS, Principal, audit_entry
from stoker.api.glue import (
    ops_catalog,
    ops_connections,
    ops_jobs,
    ops_other,
    ops_runs,
    ops_security,
    ops_triggers,
    sessions,
)
from stoker.api.glue.access import GLUE_RULES, GlueRule, check, run_principal, target
from stoker.api.glue.caller import SIGNED_BY
from stoker.api.glue.errors import (
    ACCESS_DENIED,
    INTERNAL,
    SERIALIZATION,
    UNKNOWN_OPERATION,
    UNRECOGNIZED_CLIENT,
    GlueError,
    error_response,
    from_stoker,
    glue_response,
)
from stoker.api.glue.members import Members
from stoker.api.glue.operations import Handler
from stoker.api.glue.sigv4 import SignatureRefused, SignedRequest, verify
from stoker.api.ports import ApiServices
from stoker.config.access import grant_of, key_secret
from stoker.config.glue import GlueApiSettings
from stoker.errors import AccessDenied, StokerError
from stoker.runs.credentials import KEY_PREFIX, KeyRing, RunCredentials

log = logging.getLogger(__name__)

TARGET_PREFIX = "AWSGlue."
#: Every operation served, by Glue's name.
OPERATIONS: dict[str, Handler] = {
    **ops_jobs.OPERATIONS,
    **ops_runs.OPERATIONS,
    **ops_triggers.OPERATIONS,
    **ops_other.OPERATIONS,
    **ops_catalog.OPERATIONS,
    **ops_connections.OPERATIONS,
    **ops_security.OPERATIONS,
    **sessions.OPERATIONS,
}
#: AWS JSON 1.1 is what the SDKs send; 1.0 and plain JSON are accepted for hand-made calls.
_MEDIA_TYPES = frozenset({"application/x-amz-json-1.1", "application/x-amz-json-1.0",
                          "application/json"})  # fmt: skip


class GlueEndpoint:
    """Authenticates, decodes, dispatches and answers one Glue request."""

    def __init__(
        self,
        settings: GlueApiSettings,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        *,
        tokens_required: bool = False,
        run_credentials: RunCredentials | None = None,
    ) -> None:
        self._secrets = {k: key_secret(v).get_secret_value()
                         for k, v in settings.access_keys.items()}  # fmt: skip
        self._principals = {k: Principal.of(k, grant_of(v))
                            for k, v in settings.access_keys.items()}  # fmt: skip
        self._runs = run_credentials
        self._keys = KeyRing(self._secrets, run_credentials)
        self._clock = clock
        #: With [api] tokens set, a keyless Glue endpoint would be a way around them.
        self._tokens_required = tokens_required

    async def handle(self, request: Request) -> Response:
        body = await request.body()
        try:
            return await self._dispatch(request, body, self._authenticate(request, body))
        except GlueError as error:
            return error_response(error)
        except StokerError as error:
            if error.http_status >= 500:
                log.error("glue request failed: %s", error.message,
                          extra={"action": "glue_api.error", "code": error.code})  # fmt: skip
            return error_response(from_stoker(error))
        except Exception:
            # The traceback goes to the daemon log; the caller learns it was our fault.
            log.exception("unhandled error in a glue request", extra={"action": "glue_api.crash"})
            return error_response(GlueError(INTERNAL, "internal error; see the daemon log"))

    async def _dispatch(self, request: Request, body: bytes, key_id: str | None) -> Response:
        name, handler = _operation(request.headers.get("x-amz-target", ""))
        members = _members(request.headers.get("content-type", ""), body)
        services: ApiServices = request.app.state.services
        principal = replace(await self._principal(services, key_id),
                            address=request.client.host if request.client else None)  # fmt: skip
        rule = GLUE_RULES[name]
        try:
            await check(rule, name, principal, services, members.raw)
        except AccessDenied as refused:
            await self._record(services, principal, name, rule, members, refused)
            raise
        signer = SIGNED_BY.set(key_id)
        try:
            answer = await handler(services, members)
        except GlueError as error:
            await self._record(services, principal, name, rule, members,
                               StokerError(error.message), code=error.type)  # fmt: skip
            raise
        except StokerError as error:
            await self._record(services, principal, name, rule, members, error)
            raise
        except Exception:
            await self._record(services, principal, name, rule, members,
                               StokerError("internal error; see the daemon log"))  # fmt: skip
            raise
        finally:
            SIGNED_BY.reset(signer)
        await self._record(services, principal, name, rule, members, None)
        return glue_response(200, answer)

    async def _principal(self, services: ApiServices, key_id: str | None) -> Principal:
        """Who signed: a configured key's grant, a run's own key, or (no keys configured,
        loopback only) anyone, as the HTTP API without tokens."""
        if key_id is None:
            return ANONYMOUS
        if key_id in self._principals:
            return self._principals[key_id]
        assert self._runs is not None  # _authenticate accepts no other key
        return await run_principal(services, self._runs, key_id)

    async def _record(self, services: ApiServices, principal: Principal, operation: str,
                      rule: GlueRule, members: Members, error: StokerError | None,
                      code: str | None = None) -> None:  # fmt: skip
        if rule.action is None:
            return
        entry = audit_entry(principal, rule.action, rule.kind, target(members.raw), error,
                            {"request": f"Glue {operation}"})  # fmt: skip
        if error is not None:
            # The outcome is what the caller was answered: Glue's name for the error.
            entry = replace(entry, outcome=code or from_stoker(error).type)
        await services.audit.record(entry)

    def _authenticate(self, request: Request, body: bytes) -> str | None:
        """The access key id that signed the request. No keys configured (loopback only:
        check_listeners) means any caller is let in (None), as the HTTP API lets any
        caller in without tokens. A run's key is checked even then, so it ends with the run."""
        headers = {k.lower(): v for k, v in request.headers.items()}
        run_key = f"Credential={KEY_PREFIX}" in headers.get("authorization", "")
        if not self._secrets and not run_key:
            if self._tokens_required:
                raise GlueError(
                    ACCESS_DENIED,
                    "the HTTP API requires tokens ([api] tokens), so Glue's API needs keys "
                    "too: set [glue_api] access_keys",
                )
            return None
        raw_path = request.scope.get("raw_path") or request.url.path.encode()
        signed = SignedRequest(
            method=request.method,
            raw_path=raw_path.decode("latin-1"),
            query=request.scope.get("query_string", b"").decode("latin-1"),
            headers=headers,
            body=body,
        )
        try:
            key_id = verify(signed, self._keys, self._clock())
            if key_id not in self._secrets:
                self._check_session(key_id, headers.get("x-amz-security-token", ""))
        except SignatureRefused as refused:
            kind = UNRECOGNIZED_CLIENT if refused.unknown_key else ACCESS_DENIED
            log.info("glue request refused: %s", refused.message,
                     extra={"action": "glue_api.refused", "code": kind})  # fmt: skip
            raise GlueError(kind, refused.message) from None
        return key_id

    def _check_session(self, key_id: str, token: str) -> None:
        """A run's key is valid with its session token only (as AWS's temporary keys)."""
        if self._runs is None or not self._runs.session_matches(key_id, token):
            raise SignatureRefused("The security token included in the request is invalid.",
                                   unknown_key=True)  # fmt: skip


def _operation(amz_target: str) -> tuple[str, Handler]:
    prefix, _, name = amz_target.partition(".")
    handler = OPERATIONS.get(name) if f"{prefix}." == TARGET_PREFIX else None
    if handler is None:
        shown = amz_target[:200] or "(no X-Amz-Target header)"
        raise GlueError(
            UNKNOWN_OPERATION,
            f"Operation {shown} is not supported by stoker's Glue endpoint; see "
            "docs/glue-api.md for the operations it serves",
        )
    return name, handler


def _members(content_type: str, body: bytes) -> Members:
    media = content_type.partition(";")[0].strip().lower()
    if media not in _MEDIA_TYPES:
        raise GlueError(SERIALIZATION,
                        "Content-Type must be application/x-amz-json-1.1")  # fmt: skip
    if not body.strip():
        return Members({})
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        raise GlueError(SERIALIZATION, "the request body is not valid JSON") from None
    if not isinstance(data, dict):
        raise GlueError(SERIALIZATION, "the request body must be a JSON object")
    return Members(data)


def glue_router(settings: GlueApiSettings, *, tokens_required: bool = False,
                run_credentials: RunCredentials | None = None) -> APIRouter:  # fmt: skip
    """The route at ``glue_api.path``; the request guard leaves its token and content-type
    checks to it (see Guard's ``delegated``)."""
    endpoint = GlueEndpoint(settings, tokens_required=tokens_required,
                            run_credentials=run_credentials)  # fmt: skip
    router = APIRouter()

    async def glue(request: Request) -> Response:
        return await endpoint.handle(request)

    router.add_api_route(settings.path, glue, methods=["POST"], include_in_schema=False)
    return router
