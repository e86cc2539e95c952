"""Glue's interactive-session operations: CreateSession, GetSession, ListSessions,
StopSession, DeleteSession, RunStatement, GetStatement, ListStatements, CancelStatement —
over the session service, with Glue's members (``Session``, ``Statement``,
``StatementOutput``) and errors."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from stoker.api.glue.errors import GlueError, invalid
from stoker.api.glue.jobs_shapes import compact, epoch
from stoker.api.glue.members import Members
from stoker.api.glue.operations import Handler, page_size
from stoker.api.ports import ApiServices
from stoker.domain.sessions import MAX_CODE, Session, SessionSpec, Statement
from stoker.errors import IllegalSessionState, SessionLimitExceeded

ILLEGAL_SESSION_STATE = "IllegalSessionStateException"
RESOURCE_LIMIT = "ResourceNumberLimitExceededException"
#: Glue's ListSessions page bound; ListStatements pages by the same.
_MAX_RESULTS = 1000
_COMMANDS = frozenset({"glueetl"})


def _session_member(session: Session) -> dict[str, Any]:
    spec = session.spec
    ended = session.completed_on
    return compact({
        "Id": session.id,
        "CreatedOn": epoch(session.created_on),
        "Status": session.state.value,
        "ErrorMessage": session.error_message,
        "Description": spec.description or None,
        "Role": spec.role or None,
        "Command": {"Name": "glueetl", "PythonVersion": "3"},
        "DefaultArguments": spec.default_arguments,
        "Progress": 100.0 if session.state.value != "PROVISIONING" else 0.0,
        "GlueVersion": spec.glue_version or None,
        "IdleTimeout": spec.idle_timeout_minutes,
        "CompletedOn": epoch(ended),
        "ExecutionTime": (ended - session.created_on).total_seconds() if ended else None,
    })  # fmt: skip


def _millis(when: datetime | None) -> int | None:
    """A Statement's StartedOn and CompletedOn are epoch milliseconds (a long) in Glue."""
    return None if when is None else int(when.timestamp() * 1000)


def _statement_member(statement: Statement) -> dict[str, Any]:
    output = statement.output
    member: dict[str, Any] = {
        "Id": statement.id, "Code": statement.code, "State": statement.state.value,
        "Progress": 1.0 if output is not None else 0.0,
        "StartedOn": _millis(statement.started_on),
        "CompletedOn": _millis(statement.completed_on),
    }  # fmt: skip
    if output is not None:
        member["Output"] = compact({
            "Data": {"TextPlain": output.text},
            "ExecutionCount": output.execution_count,
            "Status": output.status,
            "ErrorName": output.error_name,
            "ErrorValue": output.error_value,
            "Traceback": list(output.traceback) if output.status != "ok" else None,
        })  # fmt: skip
    return compact(member)


def _spec(members: Members) -> SessionSpec:
    command = members.structure("Command", required=True)
    assert command is not None
    name = command.string("Name") or "glueetl"
    if name not in _COMMANDS:
        raise invalid(f"Command.Name {name!r} is not supported by stoker: sessions are "
                      "glueetl (Spark) sessions")  # fmt: skip
    python = command.string("PythonVersion")
    if python not in (None, "3"):
        raise invalid("Command.PythonVersion must be 3")
    members.refuse("SecurityConfiguration", why="stoker has no security configurations")
    return SessionSpec(
        id=members.required_string("Id"),
        description=members.string("Description", max_len=2048) or "",
        role=members.required_string("Role", max_len=2048),
        timeout=members.integer("Timeout", 1, 10080),
        idle_timeout=members.integer("IdleTimeout", 1, 10080),
        default_arguments=members.string_map("DefaultArguments", max_entries=75) or {},
        glue_version=members.string("GlueVersion") or "",
        tags=members.string_map("Tags", max_entries=50) or {},
    )


async def create_session(services: ApiServices, members: Members) -> dict[str, Any]:
    return {"Session": _session_member(await services.sessions.create(_spec(members)))}


async def get_session(services: ApiServices, members: Members) -> dict[str, Any]:
    return {"Session": _session_member(await services.sessions.get(members.required_string("Id")))}


async def list_sessions(services: ApiServices, members: Members) -> dict[str, Any]:
    """By id; ``Tags`` keeps the sessions carrying every one of them."""
    limit = page_size(members, _MAX_RESULTS, _MAX_RESULTS)
    wanted = (members.string_map("Tags") or {}).items()
    after = members.string("NextToken")
    page = await services.sessions.list_sessions(limit, after)
    kept = [s for s in page if wanted <= s.spec.tags.items()]
    more = page[-1].id if len(page) == limit else None
    return compact({"Ids": [s.id for s in kept], "Sessions": [_session_member(s) for s in kept],
                    "NextToken": more})  # fmt: skip


async def stop_session(services: ApiServices, members: Members) -> dict[str, Any]:
    return {"Id": (await services.sessions.stop(members.required_string("Id"))).id}


async def delete_session(services: ApiServices, members: Members) -> dict[str, Any]:
    session_id = members.required_string("Id")
    await services.sessions.delete(session_id)
    return {"Id": session_id}


async def run_statement(services: ApiServices, members: Members) -> dict[str, Any]:
    session_id = members.required_string("SessionId")
    code = members.required_string("Code", max_len=MAX_CODE)
    return {"Id": await services.sessions.run_statement(session_id, code)}


def _statement_id(members: Members) -> int:
    value = members.integer("Id", 0, 2**31 - 1)
    if value is None:
        raise invalid("Id is required")
    return value


async def get_statement(services: ApiServices, members: Members) -> dict[str, Any]:
    session_id = members.required_string("SessionId")
    statement = await services.sessions.get_statement(session_id, _statement_id(members))
    return {"Statement": _statement_member(statement)}


async def list_statements(services: ApiServices, members: Members) -> dict[str, Any]:
    statements = await services.sessions.list_statements(members.required_string("SessionId"))
    token = members.string("NextToken")
    start = int(token) if token is not None and token.isdigit() else 0
    if token is not None and not token.isdigit():
        raise invalid("NextToken is not one this endpoint gave out")
    page = statements[start:start + _MAX_RESULTS]
    more = str(start + len(page)) if start + len(page) < len(statements) else None
    return compact({"Statements": [_statement_member(s) for s in page], "NextToken": more})


async def cancel_statement(services: ApiServices, members: Members) -> dict[str, Any]:
    session_id = members.required_string("SessionId")
    await services.sessions.cancel_statement(session_id, _statement_id(members))
    return {}


def _glue_errors(handler: Handler) -> Handler:
    """The session service's own refusals under Glue's names for them."""

    async def handle(services: ApiServices, members: Members) -> dict[str, Any]:
        try:
            return await handler(services, members)
        except IllegalSessionState as exc:
            raise GlueError(ILLEGAL_SESSION_STATE, exc.message) from None
        except SessionLimitExceeded as exc:
            raise GlueError(RESOURCE_LIMIT, exc.message) from None

    return handle


_HANDLERS: dict[str, Callable[[ApiServices, Members], Awaitable[dict[str, Any]]]] = {
    "CreateSession": create_session,
    "GetSession": get_session,
    "ListSessions": list_sessions,
    "StopSession": stop_session,
    "DeleteSession": delete_session,
    "RunStatement": run_statement,
    "GetStatement": get_statement,
    "ListStatements": list_statements,
    "CancelStatement": cancel_statement,
}
OPERATIONS: dict[str, Handler] = {name: _glue_errors(h) for name, h in _HANDLERS.items()}
