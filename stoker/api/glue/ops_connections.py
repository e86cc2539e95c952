"""Glue's connection operations: GetConnection, GetConnections — over the catalog service.

Glue returns a JDBC connection's password unless the caller sets ``HidePassword``; stoker
does the same for a request signed with an access key (a configured key or a run's own),
and never to an unsigned one (loopback without keys): it stays hidden, as with
``HidePassword=true``. Every password read is logged (never the password).
"""

from __future__ import annotations

from typing import Any

from stoker.api.glue.caller import signed
from stoker.api.glue.errors import invalid
from stoker.api.glue.jobs_shapes import compact, epoch
from stoker.api.glue.members import Members
from stoker.api.glue.operations import Handler, page_size
from stoker.api.paging import decode_str_token, encode_token
from stoker.api.ports import ApiServices
from stoker.domain.datacatalog import Connection

MAX_PAGE = 1000
DEFAULT_PAGE = 100
#: Glue's ConnectionType values; stoker keeps JDBC connections only.
CONNECTION_TYPES = frozenset({"JDBC", "SFTP", "MONGODB", "KAFKA", "NETWORK", "MARKETPLACE",
                              "CUSTOM", "SALESFORCE", "VIEW_VALIDATION_REDSHIFT",
                              "VIEW_VALIDATION_ATHENA"})  # fmt: skip


def connection_member(connection: Connection, *, with_password: bool) -> dict[str, Any]:
    """Glue's ``Connection``: the URL, user and password as ``ConnectionProperties``."""
    properties = {**connection.properties, "JDBC_CONNECTION_URL": connection.url}
    if connection.user is not None:
        properties["USERNAME"] = connection.user
    if with_password and connection.password is not None:
        properties["PASSWORD"] = connection.password
    return compact({
        "Name": connection.name, "Description": connection.description or None,
        "ConnectionType": connection.type, "MatchCriteria": [],
        "ConnectionProperties": properties, "CreationTime": epoch(connection.created_on),
        "LastUpdatedTime": epoch(connection.created_on),
    })  # fmt: skip


def _reveal(members: Members) -> bool:
    return not members.boolean("HidePassword") and signed()


async def _member(services: ApiServices, connection: Connection,
                  reveal: bool) -> dict[str, Any]:  # fmt: skip
    if reveal and connection.password is not None:
        connection = await services.catalog.reveal_connection(connection.name)
    return connection_member(connection, with_password=reveal)


async def get_connection(services: ApiServices, members: Members) -> dict[str, Any]:
    found = await services.catalog.get_connection(members.required_string("Name"))
    return {"Connection": await _member(services, found, _reveal(members))}


def _keep(members: Members) -> tuple[str | None, bool]:
    """(ConnectionType wanted, whether any is: a MatchCriteria filter matches none, as
    stoker's connections record no criteria)."""
    wanted = members.structure("Filter")
    if wanted is None:
        return None, True
    kind = wanted.string("ConnectionType")
    if kind is not None and kind not in CONNECTION_TYPES:
        raise invalid(f"Filter.ConnectionType {kind[:40]!r} is not one of Glue's types")
    return kind, not wanted.string_list("MatchCriteria", high=10)


async def get_connections(services: ApiServices, members: Members) -> dict[str, Any]:
    kind, any_match = _keep(members)
    limit = page_size(members, DEFAULT_PAGE, MAX_PAGE)
    after = decode_str_token(members.string("NextToken", max_len=2048), "glue-connections")
    found = await services.catalog.list_connections(limit + 1, after)
    page = found[:limit]
    reveal = _reveal(members)
    listed = [await _member(services, c, reveal) for c in page
              if any_match and kind in (None, c.type)]  # fmt: skip
    body: dict[str, Any] = {"ConnectionList": listed}
    if len(found) > limit:
        body["NextToken"] = encode_token("glue-connections", page[-1].name)
    return body


OPERATIONS: dict[str, Handler] = {
    "GetConnection": get_connection,
    "GetConnections": get_connections,
}
