"""Routes for the Data Catalog: /catalog/databases (with their tables and partitions),
/catalog/connections and /catalog/infer (Glue's CreateDatabase, CreateTable, GetTables,
BatchCreatePartition, CreateConnection, and a crawler's schema)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from stoker.api.deps import Services
from stoker.api.paging import decode_str_token, encode_token
from stoker.api.schemas.catalog import (
    ConnectionIn,
    ConnectionOut,
    ConnectionPage,
    DatabaseIn,
    DatabaseOut,
    DatabasePage,
    InferIn,
    InferOut,
    PartitionPage,
    PartitionsAdded,
    PartitionsIn,
    TableIn,
    TableOut,
    TablePage,
    columns_io,
    connection_from_in,
    connection_out,
    database_out,
    partition_out,
    table_from_in,
    table_out,
)
from stoker.api.schemas.common import ErrorOut
from stoker.domain.datacatalog import CatalogDatabase, Partition
from stoker.errors import InvalidInput

router = APIRouter(
    prefix="/catalog", tags=["catalog"],
    responses={400: {"model": ErrorOut}, 404: {"model": ErrorOut}},
)  # fmt: skip
_EXISTS: dict[int | str, dict[str, object]] = {409: {"model": ErrorOut}}
Limit = Annotated[int, Query(ge=1, le=1000)]
_GONE = status.HTTP_204_NO_CONTENT


@router.post("/databases", status_code=status.HTTP_201_CREATED, responses=_EXISTS)
async def create_database(body: DatabaseIn, services: Services) -> DatabaseOut:
    database = CatalogDatabase(body.name, body.description, body.location, body.parameters)
    return database_out(await services.catalog.create_database(database))


@router.get("/databases")
async def list_databases(services: Services, limit: Limit = 100,
                         next_token: str | None = None) -> DatabasePage:  # fmt: skip
    found = await services.catalog.list_databases(limit + 1, decode_str_token(next_token, "dbs"))
    page = found[:limit]
    token = encode_token("dbs", page[-1].name) if len(found) > limit else None
    return DatabasePage(databases=[database_out(d) for d in page], next_token=token)


@router.get("/databases/{database}")
async def get_database(database: str, services: Services) -> DatabaseOut:
    return database_out(await services.catalog.get_database(database))


@router.delete("/databases/{database}", status_code=_GONE)
async def delete_database(database: str, services: Services) -> Response:
    """Delete the database with its tables and their partitions (Glue DeleteDatabase)."""
    await services.catalog.delete_database(database)
    return Response(status_code=_GONE)


@router.post("/databases/{database}/tables", status_code=status.HTTP_201_CREATED,
             responses=_EXISTS)  # fmt: skip
async def create_table(database: str, body: TableIn, services: Services) -> TableOut:
    if body.name is None:
        raise InvalidInput("name is required", field="name")
    return table_out(await services.catalog.create_table(table_from_in(body, database, body.name)))


@router.put("/databases/{database}/tables/{table}")
async def put_table(database: str, table: str, body: TableIn, services: Services,
                    response: Response) -> TableOut:  # fmt: skip
    """Create or replace the whole table (Glue UpdateTable); 201 when it was created."""
    if body.name is not None and body.name.lower() != table.lower():
        raise InvalidInput(f"name {body.name!r} in the body differs from {table!r} in the path",
                           field="name")  # fmt: skip
    written, created = await services.catalog.put_table(table_from_in(body, database, table))
    response.status_code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
    return table_out(written)


@router.get("/databases/{database}/tables")
async def list_tables(database: str, services: Services, limit: Limit = 100,
                      next_token: str | None = None) -> TablePage:  # fmt: skip
    after = decode_str_token(next_token, "tables")
    found = await services.catalog.list_tables(database, limit + 1, after)
    page = found[:limit]
    token = encode_token("tables", page[-1].name) if len(found) > limit else None
    return TablePage(tables=[table_out(t) for t in page], next_token=token)


@router.get("/databases/{database}/tables/{table}")
async def get_table(database: str, table: str, services: Services) -> TableOut:
    return table_out(await services.catalog.get_table(database, table))


@router.delete("/databases/{database}/tables/{table}", status_code=_GONE)
async def delete_table(database: str, table: str, services: Services) -> Response:
    await services.catalog.delete_table(database, table)
    return Response(status_code=_GONE)


@router.post("/databases/{database}/tables/{table}/partitions")
async def add_partitions(database: str, table: str, body: PartitionsIn,
                         services: Services) -> PartitionsAdded:  # fmt: skip
    """Glue BatchCreatePartition: one value per partition key each."""
    partitions = [Partition(tuple(p.values), p.location) for p in body.partitions]
    return PartitionsAdded(added=await services.catalog.add_partitions(database, table,
                                                                       partitions))


@router.get("/databases/{database}/tables/{table}/partitions")
async def list_partitions(database: str, table: str, services: Services, limit: Limit = 100,
                          next_token: str | None = None) -> PartitionPage:  # fmt: skip
    after = decode_str_token(next_token, "partitions")
    found = await services.catalog.list_partitions(database, table, limit + 1, after)
    page = found[:limit]
    token = encode_token("partitions", page[-1][0]) if len(found) > limit else None
    return PartitionPage(partitions=[partition_out(p) for _, p in page], next_token=token)


@router.post("/connections", status_code=status.HTTP_201_CREATED, responses=_EXISTS)
async def create_connection(body: ConnectionIn, services: Services) -> ConnectionOut:
    """A named JDBC connection; its password is kept for runs and shown as '****'."""
    return connection_out(await services.catalog.create_connection(connection_from_in(body)))


@router.get("/connections")
async def list_connections(services: Services, limit: Limit = 100,
                           next_token: str | None = None) -> ConnectionPage:  # fmt: skip
    after = decode_str_token(next_token, "connections")
    found = await services.catalog.list_connections(limit + 1, after)
    page = found[:limit]
    token = encode_token("connections", page[-1].name) if len(found) > limit else None
    return ConnectionPage(connections=[connection_out(c) for c in page], next_token=token)


@router.get("/connections/{name}")
async def get_connection(name: str, services: Services) -> ConnectionOut:
    return connection_out(await services.catalog.get_connection(name))


@router.delete("/connections/{name}", status_code=_GONE)
async def delete_connection(name: str, services: Services) -> Response:
    await services.catalog.delete_connection(name)
    return Response(status_code=_GONE)


@router.post("/infer")
async def infer(body: InferIn, services: Services) -> InferOut:
    """The schema of a sample of the data at ``path``; with ``database`` and ``table``,
    also written to that table (created at ``path`` when missing)."""
    if (body.database is None) != (body.table is None):
        raise InvalidInput("give both database and table, or neither",
                           field="table" if body.table is None else "database")  # fmt: skip
    written = None
    if body.database is not None and body.table is not None:
        found, table = await services.catalog.infer_into(
            body.path, body.format, body.database, body.table, body.format_options)
        written = table_out(table)
    else:
        found = await services.catalog.infer(body.path, body.format, body.format_options)
    return InferOut(format=found.format, columns=columns_io(found.columns),
                    partition_keys=columns_io(found.partition_keys), files=found.files,
                    table=written)  # fmt: skip
