"""The Data Catalog service: what the API asks of the catalog, checked, on the thread boundary.

Every connection it hands out is masked (the password only ever reaches runs, through
``runs.RunCatalog``). Inference and script generation read the catalog for their source.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from stoker.aio import Blocking
from stoker.datacatalog.infer import Inferred, infer_schema
from stoker.datacatalog.scriptgen import (
    Endpoint,
    GeneratedScript,
    build_mappings,
    catalog_endpoint,
    generate_script,
    parse_rule,
)
from stoker.domain.datacatalog import (
    CatalogDatabase,
    CatalogTable,
    Column,
    Connection,
    Partition,
    catalog_name,
    connection_name,
    location,
    validate_connection,
    validate_database,
    validate_partitions,
    validate_table,
)
from stoker.errors import InvalidInput, NotFound
from stoker.masking import MASK
from stoker.store.datacatalog import CatalogStore

log = logging.getLogger(__name__)


def csv_options(fmt: str, options: Mapping[str, Any] | None) -> dict[str, Any]:
    """CSV read with its header, as inference read it (Glue's reader assumes none)."""
    given = dict(options or {})
    if fmt == "csv":
        return {"withHeader": True, "separator": ",", **given}
    return given


class CatalogService:
    def __init__(self, store: CatalogStore, io: Blocking, clock: Callable[[], datetime],
                 s3_buckets: Mapping[str, str]) -> None:  # fmt: skip
        self._store = store
        self._io = io
        self._clock = clock
        self._s3 = dict(s3_buckets)

    # -- databases ------------------------------------------------------------------------

    async def create_database(self, database: CatalogDatabase) -> CatalogDatabase:
        return await self._io(self._store.create_database, validate_database(database),
                              self._clock())  # fmt: skip

    async def get_database(self, name: str) -> CatalogDatabase:
        return await self._io(self._store.get_database, catalog_name(name, "database"))

    async def list_databases(self, limit: int, after: str | None) -> list[CatalogDatabase]:
        return await self._io(self._store.list_databases, limit, after)

    async def update_database(self, database: CatalogDatabase) -> CatalogDatabase:
        return await self._io(self._store.update_database, validate_database(database))

    async def delete_database(self, name: str) -> None:
        await self._io(self._store.delete_database, catalog_name(name, "database"))
        log.info("catalog database deleted", extra={"action": "catalog.database_deleted",
                                                    "database": name})  # fmt: skip

    # -- tables ---------------------------------------------------------------------------

    async def create_table(self, table: CatalogTable) -> CatalogTable:
        table = validate_table(table)
        await self._check_connection(table)
        return await self._io(self._store.create_table, table, self._clock())

    async def put_table(self, table: CatalogTable) -> tuple[CatalogTable, bool]:
        table = validate_table(table)
        await self._check_connection(table)
        return await self._io(self._store.put_table, table, self._clock())

    async def _check_connection(self, table: CatalogTable) -> None:
        if table.connection is not None:
            await self._io(self._store.get_connection, table.connection)

    async def get_table(self, database: str, name: str) -> CatalogTable:
        return await self._io(self._store.get_table, catalog_name(database, "database"),
                              catalog_name(name, "table"))  # fmt: skip

    async def list_tables(self, database: str, limit: int, after: str | None) -> list[CatalogTable]:
        return await self._io(self._store.list_tables, catalog_name(database, "database"),
                              limit, after)  # fmt: skip

    async def delete_table(self, database: str, name: str) -> None:
        await self._io(self._store.delete_table, catalog_name(database, "database"),
                       catalog_name(name, "table"))  # fmt: skip

    async def add_partitions(self, database: str, name: str,
                             partitions: Sequence[Partition]) -> int:  # fmt: skip
        table = await self.get_table(database, name)
        checked = validate_partitions(table, partitions)
        return await self._io(self._store.add_partitions, table.database, table.name, checked,
                              self._clock())  # fmt: skip

    async def list_partitions(self, database: str, name: str, limit: int,
                              after: str | None) -> list[tuple[str, Partition]]:  # fmt: skip
        return await self._io(self._store.list_partitions, catalog_name(database, "database"),
                              catalog_name(name, "table"), limit, after)  # fmt: skip

    # -- connections (masked) -------------------------------------------------------------

    async def create_connection(self, connection: Connection) -> Connection:
        if connection.password == MASK:
            raise InvalidInput("password is the mask '****'; send the real password",
                               field="password")  # fmt: skip
        created = await self._io(self._store.create_connection, validate_connection(connection),
                                 self._clock())  # fmt: skip
        log.info("catalog connection created", extra={"action": "catalog.connection_created",
                                                      "connection": created.name})  # fmt: skip
        return created.masked()

    async def get_connection(self, name: str) -> Connection:
        return (await self._io(self._store.get_connection, connection_name(name))).masked()

    async def reveal_connection(self, name: str) -> Connection:
        """The connection with its password, for a Glue caller that asked for it with its
        access key (GetConnection's HidePassword=false); logged without the password."""
        found = await self._io(self._store.get_connection, connection_name(name))
        log.info("catalog connection read with its password", extra={
            "action": "catalog.connection_revealed", "connection": found.name})  # fmt: skip
        return found

    async def list_connections(self, limit: int, after: str | None) -> list[Connection]:
        found = await self._io(self._store.list_connections, limit, after)
        return [c.masked() for c in found]

    async def delete_connection(self, name: str) -> None:
        await self._io(self._store.delete_connection, connection_name(name))

    # -- inference and generation ---------------------------------------------------------

    async def infer(self, path: str, fmt: str | None,
                    options: Mapping[str, Any] | None = None) -> Inferred:  # fmt: skip
        return await self._io(infer_schema, location(path, "path"), fmt, self._s3, options)

    async def infer_into(self, path: str, fmt: str | None, database: str, name: str,
                         options: Mapping[str, Any] | None = None,
                         ) -> tuple[Inferred, CatalogTable]:  # fmt: skip
        """The table ``database.name`` with the schema inferred from ``path``: created at
        ``path`` when missing, its columns and partition keys replaced when it exists."""
        inferred = await self.infer(path, fmt, options)
        try:
            current = await self.get_table(database, name)
        except NotFound:
            current = CatalogTable(database=database, name=name, location=path,
                                   format_options=csv_options(inferred.format, options))
        table = replace(current, format=current.format or inferred.format,
                        columns=inferred.columns, partition_keys=inferred.partition_keys)
        return inferred, (await self.put_table(table))[0]

    async def generate(self, source: str, target: str, rules: Sequence[str], *,
                       source_format: str | None = None,
                       source_options: Mapping[str, Any] | None = None,
                       target_format: str | None = None,
                       partition_keys: Sequence[str] = ()) -> GeneratedScript:  # fmt: skip
        """A Glue-style script from ``source`` to ``target`` (each ``catalog:db.table``,
        ``connection:NAME/schema.table`` or a path), columns inferred from the source."""
        src, columns = await self._source(source, source_format, dict(source_options or {}))
        dst = await self._endpoint(target, target_format or "parquet", {}, "target")
        dst = replace(dst, partition_keys=tuple(partition_keys))
        mappings = build_mappings(columns, [parse_rule(r) for r in rules])
        if not columns and not rules:
            raise InvalidInput(
                f"the columns of {src.describe()} are unknown; give --mapping src:type=dst:type "
                "for each column", field="mappings")  # fmt: skip
        return GeneratedScript(src, dst, columns, tuple(mappings),
                               generate_script(src, dst, mappings))  # fmt: skip

    async def _source(self, spec: str, fmt: str | None,
                      options: dict[str, Any]) -> tuple[Endpoint, tuple[Column, ...]]:  # fmt: skip
        endpoint = await self._endpoint(spec, fmt, options, "source")
        if endpoint.kind == "catalog":
            table = await self.get_table(endpoint.database or "", endpoint.table or "")
            if table.columns or table.location is None:
                return endpoint, table.columns
            inferred = await self.infer(table.location, table.format, table.format_options)
            return endpoint, inferred.columns + inferred.partition_keys
        if endpoint.kind == "jdbc":
            return endpoint, ()
        inferred = await self.infer(endpoint.path or "", fmt, options)
        endpoint = replace(endpoint, format=inferred.format,
                           format_options=csv_options(inferred.format, options))
        return endpoint, inferred.columns + inferred.partition_keys

    async def _endpoint(self, spec: str, fmt: str | None, options: dict[str, Any],
                        field: str) -> Endpoint:  # fmt: skip
        if spec.startswith("catalog:"):
            return catalog_endpoint(spec.removeprefix("catalog:"))
        if spec.startswith("connection:"):
            name, slash, jdbc_table = spec.removeprefix("connection:").partition("/")
            if not slash or not jdbc_table:
                raise InvalidInput(f"{spec[:80]!r} is not connection:NAME/schema.table",
                                   field=field)  # fmt: skip
            link = await self._io(self._store.get_connection, connection_name(name, field))
            return Endpoint("jdbc", connection=link.name, connection_url=link.url,
                            jdbc_table=jdbc_table)  # fmt: skip
        path = location(spec, field)
        return Endpoint("path", path=path, format=fmt, format_options=options)
