"""Glue's Data Catalog operations: databases, tables and partitions — over the catalog
service the HTTP API's /catalog uses, so a table made either way is the same table."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from stoker.api.glue.catalog_shapes import (
    database_from_glue,
    database_member,
    partition_from_glue,
    partition_member,
    table_from_glue,
    table_member,
)
from stoker.api.glue.errors import ALREADY_EXISTS, INVALID_INPUT, invalid
from stoker.api.glue.members import Members
from stoker.api.glue.operations import Handler, page_size
from stoker.api.paging import decode_str_token, encode_token
from stoker.api.ports import ApiServices
from stoker.domain.datacatalog import CatalogTable, Partition, catalog_name

#: Glue's MaxResults bounds: GetDatabases and GetTables 1-100, GetPartitions 1-1000.
MAX_TABLES_PAGE = 100
MAX_PARTITIONS_PAGE = 1000
#: BatchCreatePartition's PartitionInputList holds at most 100 partitions.
MAX_BATCH_PARTITIONS = 100
#: ``key = 'value'`` terms joined by AND: the part of Glue's partition predicates stoker reads.
_TERM = re.compile(r"\s*`?(?P<key>[A-Za-z0-9_]+)`?\s*=\s*'(?P<value>(?:[^']|'')*)'\s*")
_AND = re.compile(r"\s+and\s+", re.IGNORECASE)

T = TypeVar("T")


async def _filtered_page(
    fetch: Callable[[int, str | None], Awaitable[list[tuple[str, T]]]],
    keep: Callable[[T], bool], limit: int, after: str | None,
) -> tuple[list[T], str | None]:  # fmt: skip
    """Up to ``limit`` kept items after ``after``, and the key to go on from when more may
    follow: store pages are read until the page is full, so a filter never shortens it."""
    page: list[T] = []
    while True:
        rows = await fetch(limit + 1, after)
        for key, item in rows:
            if not keep(item):
                after = key
                continue
            if len(page) == limit:
                return page, after
            page.append(item)
            after = key
        if len(rows) <= limit:
            return page, None


def _token(kind: str, members: Members) -> str | None:
    return decode_str_token(members.string("NextToken", max_len=2048), kind)


def _with_token(body: dict[str, Any], kind: str, after: str | None) -> dict[str, Any]:
    return {**body, "NextToken": encode_token(kind, after)} if after is not None else body


# -- databases ----------------------------------------------------------------------------


async def create_database(services: ApiServices, members: Members) -> dict[str, Any]:
    if members.string_map("Tags"):
        raise invalid("Tags are not supported by stoker on databases (only jobs and triggers)")
    given = members.structure("DatabaseInput", required=True)
    assert given is not None
    await services.catalog.create_database(database_from_glue(given))
    return {}


async def get_database(services: ApiServices, members: Members) -> dict[str, Any]:
    database = await services.catalog.get_database(members.required_string("Name"))
    return {"Database": database_member(database)}


async def get_databases(services: ApiServices, members: Members) -> dict[str, Any]:
    limit = page_size(members, MAX_TABLES_PAGE, MAX_TABLES_PAGE)
    found = await services.catalog.list_databases(limit + 1, _token("glue-databases", members))
    page = found[:limit]
    after = page[-1].name if len(found) > limit else None
    return _with_token({"DatabaseList": [database_member(d) for d in page]}, "glue-databases",
                       after)  # fmt: skip


async def update_database(services: ApiServices, members: Members) -> dict[str, Any]:
    """Glue renames a database whose input names another; stoker does not."""
    name = catalog_name(members.required_string("Name"), "Name")
    given = members.structure("DatabaseInput", required=True)
    assert given is not None
    database = database_from_glue(given)
    if database.name.lower() != name:
        raise invalid(f"DatabaseInput.Name {database.name[:255]!r} differs from Name "
                      f"{name!r}: stoker does not rename databases")  # fmt: skip
    await services.catalog.update_database(database)
    return {}


async def delete_database(services: ApiServices, members: Members) -> dict[str, Any]:
    await services.catalog.delete_database(members.required_string("Name"))
    return {}


# -- tables -------------------------------------------------------------------------------


def _table_input(members: Members) -> Members:
    members.refuse("TransactionId", "OpenTableFormatInput", "PartitionIndexes",
                   why="governed tables, open table formats and partition indexes are not kept")
    given = members.structure("TableInput", required=True)
    assert given is not None
    return given


async def create_table(services: ApiServices, members: Members) -> dict[str, Any]:
    database = members.required_string("DatabaseName")
    await services.catalog.create_table(table_from_glue(database, _table_input(members)))
    return {}


async def get_table(services: ApiServices, members: Members) -> dict[str, Any]:
    members.refuse("TransactionId", "QueryAsOfTime", why="table versions are not kept")
    table = await services.catalog.get_table(members.required_string("DatabaseName"),
                                             members.required_string("Name"))  # fmt: skip
    return {"Table": table_member(table)}


def name_pattern(expression: str) -> re.Pattern[str]:
    """Glue's (Hive's) table name pattern: a regular expression in which a bare ``*`` is
    any run of characters and ``|`` separates alternatives, matched case-insensitively."""
    wildcard = re.sub(r"(?<![.\\\]])\*", ".*", expression)
    try:
        return re.compile(f"(?:{wildcard})", re.IGNORECASE)
    except re.error as exc:
        raise invalid(f"Expression {expression[:200]!r} is not a pattern: {exc}") from None


async def get_tables(services: ApiServices, members: Members) -> dict[str, Any]:
    members.refuse("TransactionId", "QueryAsOfTime", why="table versions are not kept")
    database = members.required_string("DatabaseName")
    expression = members.string("Expression", max_len=2048)
    pattern = name_pattern(expression) if expression else None
    limit = page_size(members, MAX_TABLES_PAGE, MAX_TABLES_PAGE)

    async def fetch(n: int, after: str | None) -> list[tuple[str, CatalogTable]]:
        return [(t.name, t) for t in await services.catalog.list_tables(database, n, after)]

    page, after = await _filtered_page(
        fetch, lambda t: pattern is None or bool(pattern.fullmatch(t.name)), limit,
        _token("glue-tables", members),
    )  # fmt: skip
    return _with_token({"TableList": [table_member(t) for t in page]}, "glue-tables", after)


async def update_table(services: ApiServices, members: Members) -> dict[str, Any]:
    """The whole definition is replaced, as in Glue; the table must exist."""
    database = members.required_string("DatabaseName")
    table = table_from_glue(database, _table_input(members))
    await services.catalog.get_table(database, table.name)
    await services.catalog.put_table(table)
    return {}


async def delete_table(services: ApiServices, members: Members) -> dict[str, Any]:
    members.refuse("TransactionId", why="governed tables are not kept")
    await services.catalog.delete_table(members.required_string("DatabaseName"),
                                        members.required_string("Name"))  # fmt: skip
    return {}


# -- partitions ---------------------------------------------------------------------------


def partition_filter(expression: str | None, keys: list[str]) -> Callable[[Partition], bool]:
    """Glue's partition predicate, as far as stoker reads it: ``key = 'value'`` terms
    joined by AND, on the table's partition keys."""
    if not expression or not expression.strip():
        return lambda _: True
    wanted: dict[int, str] = {}
    lowered = [k.lower() for k in keys]
    for term in _AND.split(expression.strip()):
        match = _TERM.fullmatch(term)
        if match is None:
            raise invalid(f"Expression {expression[:200]!r}: stoker reads only key = 'value' "
                          "terms joined by AND")  # fmt: skip
        if match["key"].lower() not in lowered:
            raise invalid(f"Expression: {match['key']!r} is not a partition key (keys: "
                          f"{', '.join(keys) or 'none'})")  # fmt: skip
        wanted[lowered.index(match["key"].lower())] = match["value"].replace("''", "'")
    return lambda p: all(p.values[i] == v for i, v in wanted.items())


async def get_partitions(services: ApiServices, members: Members) -> dict[str, Any]:
    members.refuse("Segment", "TransactionId", "QueryAsOfTime",
                   why="segments and table versions are not kept")  # fmt: skip
    database = members.required_string("DatabaseName")
    name = members.required_string("TableName")
    table = await services.catalog.get_table(database, name)
    keep = partition_filter(members.string("Expression", max_len=2048),
                            [k.name for k in table.partition_keys])  # fmt: skip
    limit = page_size(members, MAX_PARTITIONS_PAGE, MAX_PARTITIONS_PAGE)

    async def fetch(n: int, after: str | None) -> list[tuple[str, Partition]]:
        return await services.catalog.list_partitions(database, name, n, after)

    page, after = await _filtered_page(fetch, keep, limit, _token("glue-partitions", members))
    columns = not members.boolean("ExcludeColumnSchema")
    found = [partition_member(table, p, columns=columns) for p in page]
    return _with_token({"Partitions": found}, "glue-partitions", after)


async def _existing(services: ApiServices, database: str, name: str) -> set[tuple[str, ...]]:
    values: set[tuple[str, ...]] = set()
    after = None
    while True:
        rows = await services.catalog.list_partitions(database, name, MAX_PARTITIONS_PAGE, after)
        values.update(p.values for _, p in rows)
        if len(rows) < MAX_PARTITIONS_PAGE:
            return values
        after = rows[-1][0]


def _error(values: tuple[str, ...], code: str, message: str) -> dict[str, Any]:
    return {"PartitionValues": list(values),
            "ErrorDetail": {"ErrorCode": code, "ErrorMessage": message}}  # fmt: skip


async def batch_create_partition(services: ApiServices, members: Members) -> dict[str, Any]:
    """Each partition is created or answered in ``Errors`` (one that exists, values that do
    not fit the table's keys), as Glue answers; the rest are added in one transaction."""
    database = members.required_string("DatabaseName")
    name = members.required_string("TableName")
    inputs = members.structures("PartitionInputList", required=True)
    if len(inputs) > MAX_BATCH_PARTITIONS:
        raise invalid(f"PartitionInputList has more than {MAX_BATCH_PARTITIONS} partitions")
    table = await services.catalog.get_table(database, name)
    existing = await _existing(services, table.database, table.name)
    errors, new = [], []
    for partition in map(partition_from_glue, inputs):
        if len(partition.values) != len(table.partition_keys):
            errors.append(_error(partition.values, INVALID_INPUT,
                                 f"{len(partition.values)} values for "
                                 f"{len(table.partition_keys)} partition keys"))  # fmt: skip
        elif partition.values in existing:
            errors.append(_error(partition.values, ALREADY_EXISTS, "Partition already exists."))
        else:
            existing.add(partition.values)
            new.append(partition)
    if new:
        await services.catalog.add_partitions(table.database, table.name, new)
    return {"Errors": errors}


OPERATIONS: dict[str, Handler] = {
    "CreateDatabase": create_database,
    "GetDatabase": get_database,
    "GetDatabases": get_databases,
    "UpdateDatabase": update_database,
    "DeleteDatabase": delete_database,
    "CreateTable": create_table,
    "GetTable": get_table,
    "GetTables": get_tables,
    "UpdateTable": update_table,
    "DeleteTable": delete_table,
    "GetPartitions": get_partitions,
    "BatchCreatePartition": batch_create_partition,
}
