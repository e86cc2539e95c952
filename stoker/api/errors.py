"""Turning every failure into a JSON error {code, message, field} with the right status."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from stoker.api.schemas.common import UNKNOWN_FIELD
from stoker.config.display import is_secret_path
from stoker.domain.limits import quote
from stoker.errors import AccessDenied, StokerError, Unauthorized
from stoker.masking import mask_credentials

logger = logging.getLogger(__name__)

#: Where FastAPI says a value came from; the client knows, so the field name starts after it.
_SOURCES = frozenset({"body", "query", "path", "header", "cookie"})

_HTTP_CODES = {404: "RouteNotFound", 405: "MethodNotAllowed"}
#: A bad value longer than this is not echoed at all (it may be a pasted document).
_ECHO_CHARS = 64


def error_response(status: int, code: str, message: str, field: str | None = None) -> JSONResponse:
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(
        {"code": code, "message": message, "field": field}, status_code=status, headers=headers
    )


def _field(loc: Sequence[Any]) -> str | None:
    """``("body", "triggers", 3, "schedule")`` → ``"triggers[3].schedule"``; a repeated
    query parameter is named without an index (``?state=A&state=B`` has no "state[1]")."""
    parts = list(loc)
    if parts and parts[0] == "query":
        parts = [p for p in parts if not isinstance(p, int)]
    if parts and parts[0] in _SOURCES:
        parts = parts[1:]
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out or None


def describe_validation_error(error: dict[str, Any]) -> tuple[str | None, str]:
    """(field, message) for one pydantic error, saying what was wrong and what is allowed."""
    field = _field(error.get("loc", ()))
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    if kind == UNKNOWN_FIELD:
        unknown = str(ctx.get("unknown"))
        field = f"{field}.{unknown}" if field else unknown
        return field, f"unknown field {unknown!r}; allowed fields: {ctx.get('allowed')}"
    if kind == "json_invalid":
        return None, f"request body is not valid JSON: {ctx.get('error', error.get('msg'))}"
    if kind == "missing":
        if field is None:
            return None, "a JSON request body is required"
        return field, f"{field} is required"
    where = field or "request body"
    message = f"{where}: {error.get('msg', 'invalid value')}"
    shown = _shown_input(field, error)
    if shown is not None:
        message += f" (got {shown})"
    return field, message


def _shown_input(field: str | None, error: dict[str, Any]) -> str | None:
    """The offending value, when it is safe to echo: a short scalar of a field whose name
    does not say secret (never the whole body, never a value under '--password')."""
    if "input" not in error or field is None:
        return None
    value = error["input"]
    if isinstance(value, dict | list | bytes) or is_secret_path(field):
        return None
    if isinstance(value, str):
        value = mask_credentials(value)
    shown = quote(value)
    return shown if len(shown) <= _ECHO_CHARS else None


async def _stoker_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StokerError)
    if exc.http_status >= 500:
        logger.error(
            "request failed: %s",
            exc.message,
            extra={"action": "api_error", "code": exc.code, "path": request.url.path},
        )
    if isinstance(exc, AccessDenied):
        # Who was refused and what it lacked, so the caller (or the console) can say so.
        return JSONResponse(exc.to_dict(), status_code=exc.http_status)
    return error_response(exc.http_status, exc.code, exc.message, exc.field)


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = list(exc.errors())
    field, message = describe_validation_error(dict(errors[0])) if errors else (None, "")
    if len(errors) > 1:
        message += f" (and {len(errors) - 1} more problem(s))"
    return error_response(400, "InvalidInput", message or "invalid request", field)


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 401:
        return error_response(401, Unauthorized.code, str(exc.detail))
    if exc.status_code == 400:
        # FastAPI could not decode the body (e.g. a number of more than 4300 digits); the
        # cause says why without quoting the body.
        cause = str(exc.__cause__)[:200] if exc.__cause__ is not None else str(exc.detail)
        return error_response(400, "InvalidInput", f"request body cannot be decoded: {cause}")
    code = _HTTP_CODES.get(exc.status_code, f"HTTP{exc.status_code}")
    message = str(exc.detail)
    if exc.status_code == 404:
        message = f"no such route: {request.method} {request.url.path}; see /docs"
    elif exc.status_code == 405:
        message = f"method {request.method} is not allowed on {request.url.path}; see /docs"
    return error_response(exc.status_code, code, message)


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    # The traceback goes to the daemon log; the client only learns that it was our fault.
    logger.exception("unhandled error", extra={"action": "api_unhandled", "path": request.url.path})
    return error_response(500, "InternalError", "internal error; see the daemon log")


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(StokerError, _stoker_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
