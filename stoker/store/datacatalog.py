"""The Data Catalog's rows: databases, tables, partitions and named connections.

A database's tables and their partitions go with it (Glue's DeleteDatabase), a table's
partitions with the table. Connections are independent: a table names one by name.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection as Conn
from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from stoker.domain.datacatalog import (
    CatalogDatabase,
    CatalogTable,
    Connection,
    Partition,
    columns,
)
from stoker.errors import Conflict, NotFound
from stoker.store.engine import Database
from stoker.store.tables import (
    catalog_connections,
    catalog_databases,
    catalog_partitions,
    catalog_tables,
)


def _dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), sort_keys=True)


def _database(row: Any) -> CatalogDatabase:
    return CatalogDatabase(row.name, row.description, row.location, json.loads(row.parameters),
                           row.created_on)  # fmt: skip


def _table(row: Any) -> CatalogTable:
    data = json.loads(row.definition)
    return CatalogTable(
        database=row.database_name, name=row.name, location=data.get("location"),
        connection=data.get("connection"), jdbc_table=data.get("jdbc_table"),
        format=data.get("format"), format_options=data.get("format_options") or {},
        columns=columns(data.get("columns") or [], "columns", 10**6),
        partition_keys=columns(data.get("partition_keys") or [], "partition_keys", 10**6),
        parameters=data.get("parameters") or {}, description=data.get("description") or "",
        created_on=row.created_on, updated_on=row.updated_on,
    )  # fmt: skip


def _connection(row: Any) -> Connection:
    return Connection(
        name=row.name, url=row.url, user=row.user_name, password=row.password,
        properties=json.loads(row.properties), description=row.description,
        created_on=row.created_on,
    )  # fmt: skip


def values_key(values: Sequence[str]) -> str:
    return hashlib.sha256(_dumps(list(values)).encode()).hexdigest()


class CatalogStore:
    """Blocking reads and writes; callers pass validated domain objects."""

    def __init__(self, db: Database) -> None:
        self._db = db

    # -- databases ------------------------------------------------------------------------

    def create_database(self, database: CatalogDatabase, now: datetime) -> CatalogDatabase:
        try:
            with self._db.write() as conn:
                conn.execute(insert(catalog_databases).values(
                    name=database.name, description=database.description,
                    location=database.location, parameters=_dumps(database.parameters),
                    created_on=now,
                ))  # fmt: skip
        except IntegrityError:
            raise Conflict(f"database {database.name!r} already exists", field="name",
                           value=database.name) from None  # fmt: skip
        return self.get_database(database.name)

    def get_database(self, name: str) -> CatalogDatabase:
        with self._db.read() as conn:
            return self._database_in(conn, name)

    def _database_in(self, conn: Conn, name: str) -> CatalogDatabase:
        row = conn.execute(
            select(catalog_databases).where(catalog_databases.c.name == name)
        ).one_or_none()
        if row is None:
            raise NotFound(f"database {name!r} does not exist", field="database", value=name)
        return _database(row)

    def list_databases(self, limit: int, after: str | None) -> list[CatalogDatabase]:
        query = select(catalog_databases).order_by(catalog_databases.c.name).limit(limit)
        if after is not None:
            query = query.where(catalog_databases.c.name > after)
        with self._db.read() as conn:
            return [_database(row) for row in conn.execute(query)]

    def update_database(self, database: CatalogDatabase) -> CatalogDatabase:
        """Replace the description, location and parameters (the name and creation time
        stay)."""
        with self._db.write() as conn:
            changed = conn.execute(
                update(catalog_databases).where(catalog_databases.c.name == database.name)
                .values(description=database.description, location=database.location,
                        parameters=_dumps(database.parameters))
            ).rowcount  # fmt: skip
            if not changed:
                raise NotFound(f"database {database.name!r} does not exist", field="database",
                               value=database.name)  # fmt: skip
            return self._database_in(conn, database.name)

    def delete_database(self, name: str) -> None:
        """The database, its tables and their partitions."""
        with self._db.write() as conn:
            gone = conn.execute(delete(catalog_databases).where(catalog_databases.c.name == name))
            if gone.rowcount == 0:
                raise NotFound(f"database {name!r} does not exist", field="database", value=name)
            conn.execute(delete(catalog_tables).where(catalog_tables.c.database_name == name))
            conn.execute(
                delete(catalog_partitions).where(catalog_partitions.c.database_name == name)
            )

    # -- tables ---------------------------------------------------------------------------

    def create_table(self, table: CatalogTable, now: datetime) -> CatalogTable:
        with self._db.write() as conn:
            self._database_in(conn, table.database)
            try:
                with conn.begin_nested():
                    self._insert_table(conn, table, now)
            except IntegrityError:
                raise Conflict(
                    f"table {table.database}.{table.name} already exists; replace it "
                    "(PUT) or choose another name",
                    field="name", value=table.name,
                ) from None  # fmt: skip
            return self._table_in(conn, table.database, table.name)

    def put_table(self, table: CatalogTable, now: datetime) -> tuple[CatalogTable, bool]:
        """Create or replace the table; True when it was created."""
        with self._db.write() as conn:
            self._database_in(conn, table.database)
            return self.put_table_in(conn, table, now)

    def put_table_in(self, conn: Conn, table: CatalogTable,
                     now: datetime) -> tuple[CatalogTable, bool]:  # fmt: skip
        replaced = conn.execute(
            update(catalog_tables)
            .where(catalog_tables.c.database_name == table.database,
                   catalog_tables.c.name == table.name)
            .values(definition=_dumps(table.fields()), updated_on=now)
        ).rowcount  # fmt: skip
        if not replaced:
            self._insert_table(conn, table, now)
        return self._table_in(conn, table.database, table.name), not replaced

    def _insert_table(self, conn: Conn, table: CatalogTable, now: datetime) -> None:
        conn.execute(insert(catalog_tables).values(
            database_name=table.database, name=table.name,
            definition=_dumps(table.fields()), created_on=now, updated_on=now,
        ))  # fmt: skip

    def get_table(self, database: str, name: str) -> CatalogTable:
        with self._db.read() as conn:
            self._database_in(conn, database)
            return self._table_in(conn, database, name)

    def _table_in(self, conn: Conn, database: str, name: str) -> CatalogTable:
        row = conn.execute(select(catalog_tables).where(
            catalog_tables.c.database_name == database, catalog_tables.c.name == name,
        )).one_or_none()  # fmt: skip
        if row is None:
            raise NotFound(f"table {database}.{name} does not exist", field="table", value=name)
        return _table(row)

    def list_tables(self, database: str, limit: int, after: str | None) -> list[CatalogTable]:
        query = (
            select(catalog_tables)
            .where(catalog_tables.c.database_name == database)
            .order_by(catalog_tables.c.name)
            .limit(limit)
        )
        if after is not None:
            query = query.where(catalog_tables.c.name > after)
        with self._db.read() as conn:
            self._database_in(conn, database)
            return [_table(row) for row in conn.execute(query)]

    def delete_table(self, database: str, name: str) -> None:
        with self._db.write() as conn:
            gone = conn.execute(delete(catalog_tables).where(
                catalog_tables.c.database_name == database, catalog_tables.c.name == name,
            ))  # fmt: skip
            if gone.rowcount == 0:
                self._database_in(conn, database)
                raise NotFound(f"table {database}.{name} does not exist", field="table",
                               value=name)  # fmt: skip
            conn.execute(delete(catalog_partitions).where(
                catalog_partitions.c.database_name == database,
                catalog_partitions.c.table_name == name,
            ))  # fmt: skip

    # -- partitions -----------------------------------------------------------------------

    def add_partitions(self, database: str, table: str, partitions: Sequence[Partition],
                       now: datetime) -> int:  # fmt: skip
        """Add the partitions (an existing one takes the new location); how many were new."""
        with self._db.write() as conn:
            self._table_in(conn, database, table)
            return self.add_partitions_in(conn, database, table, partitions, now)

    def add_partitions_in(self, conn: Conn, database: str, table: str,
                          partitions: Sequence[Partition], now: datetime) -> int:  # fmt: skip
        added = 0
        for partition in partitions:
            key = values_key(partition.values)
            moved = conn.execute(
                update(catalog_partitions).where(
                    catalog_partitions.c.database_name == database,
                    catalog_partitions.c.table_name == table,
                    catalog_partitions.c.values_key == key,
                ).values(location=partition.location)
            ).rowcount  # fmt: skip
            if not moved:
                conn.execute(insert(catalog_partitions).values(
                    database_name=database, table_name=table, values_key=key,
                    partition_values=_dumps(list(partition.values)),
                    location=partition.location, created_on=now,
                ))  # fmt: skip
                added += 1
        return added

    def list_partitions(self, database: str, table: str, limit: int,
                        after: str | None) -> list[tuple[str, Partition]]:  # fmt: skip
        """(key, partition) in key order: the key pages the list."""
        c = catalog_partitions.c
        query = (
            select(catalog_partitions)
            .where(c.database_name == database, c.table_name == table)
            .order_by(c.values_key)
            .limit(limit)
        )
        if after is not None:
            query = query.where(c.values_key > after)
        with self._db.read() as conn:
            self._table_in(conn, database, table)
            return [
                (row.values_key, Partition(tuple(json.loads(row.partition_values)),
                                           row.location, row.created_on))
                for row in conn.execute(query)
            ]  # fmt: skip

    # -- connections ----------------------------------------------------------------------

    def create_connection(self, connection: Connection, now: datetime) -> Connection:
        try:
            with self._db.write() as conn:
                conn.execute(insert(catalog_connections).values(
                    name=connection.name, url=connection.url, user_name=connection.user,
                    password=connection.password, properties=_dumps(connection.properties),
                    description=connection.description, created_on=now,
                ))  # fmt: skip
        except IntegrityError:
            raise Conflict(f"connection {connection.name!r} already exists", field="name",
                           value=connection.name) from None  # fmt: skip
        return self.get_connection(connection.name)

    def get_connection(self, name: str) -> Connection:
        """With its password: callers mask it for anything but a run's context."""
        with self._db.read() as conn:
            row = conn.execute(
                select(catalog_connections).where(catalog_connections.c.name == name)
            ).one_or_none()
        if row is None:
            raise NotFound(f"connection {name!r} does not exist", field="connection", value=name)
        return _connection(row)

    def list_connections(self, limit: int, after: str | None) -> list[Connection]:
        query = select(catalog_connections).order_by(catalog_connections.c.name).limit(limit)
        if after is not None:
            query = query.where(catalog_connections.c.name > after)
        with self._db.read() as conn:
            return [_connection(row) for row in conn.execute(query)]

    def delete_connection(self, name: str) -> None:
        with self._db.write() as conn:
            gone = conn.execute(
                delete(catalog_connections).where(catalog_connections.c.name == name)
            )
        if gone.rowcount == 0:
            raise NotFound(f"connection {name!r} does not exist", field="connection", value=name)

    # -- a run's view ---------------------------------------------------------------------

    def everything(self) -> tuple[list[CatalogDatabase], list[CatalogTable], list[Connection]]:
        """The whole catalog, read in one transaction, for a run's context file."""
        with self._db.read() as conn:
            dbs = [_database(r) for r in conn.execute(
                select(catalog_databases).order_by(catalog_databases.c.name))]
            tables = [_table(r) for r in conn.execute(select(catalog_tables).order_by(
                catalog_tables.c.database_name, catalog_tables.c.name))]
            links = [_connection(r) for r in conn.execute(
                select(catalog_connections).order_by(catalog_connections.c.name))]
        return dbs, tables, links  # fmt: skip

    def apply_line(self, table: CatalogTable | None,
                   partitions: tuple[str, str, Sequence[Partition]] | None,
                   now: datetime) -> None:  # fmt: skip
        """One update line of a run, in a transaction of its own: a table created or
        replaced (its database must exist, as in Glue), or partitions added to a table."""
        with self._db.write() as conn:
            if table is not None:
                self._database_in(conn, table.database)
                self.put_table_in(conn, table, now)
            if partitions is not None:
                database, name, items = partitions
                self._table_in(conn, database, name)
                self.add_partitions_in(conn, database, name, items, now)
