"""Routes for interactive sessions and their statements: the native face of Glue's
CreateSession … CancelStatement (docs/sessions.md)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from stoker.api.deps import Services
from stoker.api.paging import decode_str_token, encode_token
from stoker.api.schemas.common import ErrorOut
from stoker.api.schemas.sessions import (
    SessionIn,
    SessionOut,
    SessionPageOut,
    StatementIn,
    StatementListOut,
    StatementOut,
    session_out,
    statement_out,
)

router = APIRouter(
    prefix="/sessions", tags=["sessions"],
    responses={400: {"model": ErrorOut}, 404: {"model": ErrorOut}, 409: {"model": ErrorOut}},
)  # fmt: skip


@router.post("", status_code=201)
async def create_session(body: SessionIn, services: Services) -> SessionOut:
    """A session PROVISIONING: a warm pool driver is being reserved for it; READY once its
    namespace is up. 409 SessionLimitExceeded when every warm driver is a session's."""
    return session_out(await services.sessions.create(body.to_spec()))


@router.get("")
async def list_sessions(
    services: Services,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    next_token: str | None = None,
) -> SessionPageOut:
    """Sessions by id, ended ones included."""
    after = decode_str_token(next_token, "session")
    found = await services.sessions.list_sessions(limit + 1, after)
    page = found[:limit]
    token = encode_token("session", page[-1].id) if len(found) > limit else None
    return SessionPageOut(sessions=[session_out(s) for s in page], next_token=token)


@router.get("/{session_id}")
async def get_session(session_id: str, services: Services) -> SessionOut:
    return session_out(await services.sessions.get(session_id))


@router.post("/{session_id}/stop")
async def stop_session(session_id: str, services: Services) -> SessionOut:
    """STOPPED, its driver back to the pool; 409 IllegalSessionState if it has ended."""
    return session_out(await services.sessions.stop(session_id))


@router.delete("/{session_id}", status_code=204)
async def delete_session(session_id: str, services: Services) -> Response:
    """Stopped first if it runs; then it and its statements are gone."""
    await services.sessions.delete(session_id)
    return Response(status_code=204)


@router.post("/{session_id}/statements", status_code=201)
async def run_statement(session_id: str, body: StatementIn, services: Services) -> StatementOut:
    """Run Python in the session's namespace; with ``wait``, answer once it has ended (or
    after that many seconds, still RUNNING). 409 IllegalSessionState unless READY."""
    statement_id = await services.sessions.run_statement(session_id, body.code)
    statement = await services.sessions.wait_statement(session_id, statement_id, body.wait)
    return statement_out(statement)


@router.get("/{session_id}/statements")
async def list_statements(session_id: str, services: Services) -> StatementListOut:
    statements = await services.sessions.list_statements(session_id)
    return StatementListOut(statements=[statement_out(s) for s in statements])


@router.get("/{session_id}/statements/{statement_id}")
async def get_statement(
    session_id: str, statement_id: int, services: Services,
    wait: Annotated[float, Query(ge=0, le=300)] = 0,
) -> StatementOut:  # fmt: skip
    """With ``wait``, once it has ended (or after that many seconds)."""
    return statement_out(await services.sessions.wait_statement(session_id, statement_id, wait))


@router.post("/{session_id}/statements/{statement_id}/cancel")
async def cancel_statement(session_id: str, statement_id: int, services: Services) -> StatementOut:
    """A waiting statement is CANCELLED, a running one CANCELLING until it is interrupted."""
    return statement_out(await services.sessions.cancel_statement(session_id, statement_id))
