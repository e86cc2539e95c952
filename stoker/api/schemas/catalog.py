"""Wire models of the Data Catalog (/catalog) and of generated jobs (/jobs/generate)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from stoker.api.schemas.common import StrictModel, UtcTime, utc_or_none
from stoker.api.schemas.jobs import JobOut
from stoker.domain.datacatalog import CatalogDatabase, CatalogTable, Column, Connection, Partition

InferFormat = Literal["csv", "json", "parquet", "glueparquet", "orc"]


class ColumnIO(StrictModel):
    name: str
    #: A Hive type string: string, bigint, double, decimal(10,2), array<string>, …
    type: str = "string"


class DatabaseIn(StrictModel):
    name: str
    description: str = ""
    location: str | None = None
    parameters: dict[str, str] = Field(default_factory=dict)


class DatabaseOut(BaseModel):
    name: str
    description: str
    location: str | None
    parameters: dict[str, str]
    created_on: UtcTime | None


class DatabasePage(BaseModel):
    databases: list[DatabaseOut]
    next_token: str | None


class TableIn(StrictModel):
    """Exactly one of ``location`` and ``connection`` (with ``jdbc_table``)."""

    #: Required on POST; on PUT it may be omitted but must equal the path if given.
    name: str | None = None
    location: str | None = None
    connection: str | None = None
    jdbc_table: str | None = None
    #: csv, json, parquet, glueparquet, orc, avro or xml; required with a location.
    format: str | None = None
    #: Glue's format options (withHeader, separator, …).
    format_options: dict[str, str | int | float | bool] = Field(default_factory=dict)
    columns: list[ColumnIO] = Field(default_factory=list)
    partition_keys: list[ColumnIO] = Field(default_factory=list)
    parameters: dict[str, str] = Field(default_factory=dict)


class TableOut(BaseModel):
    database: str
    name: str
    location: str | None
    connection: str | None
    jdbc_table: str | None
    format: str | None
    format_options: dict[str, Any]
    columns: list[ColumnIO]
    partition_keys: list[ColumnIO]
    parameters: dict[str, str]
    created_on: UtcTime | None
    updated_on: UtcTime | None


class TablePage(BaseModel):
    tables: list[TableOut]
    next_token: str | None


class PartitionIO(StrictModel):
    #: One value per partition key, in the keys' order.
    values: list[str]
    location: str | None = None


class PartitionsIn(StrictModel):
    partitions: list[PartitionIO]


class PartitionsAdded(BaseModel):
    #: How many were new (a known one takes the location given).
    added: int


class PartitionOut(BaseModel):
    values: list[str]
    location: str | None
    created_on: UtcTime | None


class PartitionPage(BaseModel):
    partitions: list[PartitionOut]
    next_token: str | None


class ConnectionIn(StrictModel):
    name: str
    type: Literal["JDBC"] = "JDBC"
    #: jdbc:postgresql://host:5432/db, jdbc:mysql://…, jdbc:sqlite:/path/db, …
    url: str
    user: str | None = None
    #: Kept for runs only; every answer shows "****".
    password: str | None = None
    properties: dict[str, str] = Field(default_factory=dict)
    description: str = ""


class ConnectionOut(BaseModel):
    """A connection as a person sees it: password and secret properties masked."""

    name: str
    type: str
    url: str
    user: str | None
    password: str | None
    properties: dict[str, str]
    description: str
    created_on: UtcTime | None


class ConnectionPage(BaseModel):
    connections: list[ConnectionOut]
    next_token: str | None


class InferIn(StrictModel):
    #: A local path, file:// URI or s3:// path of a bucket in [glue] s3_buckets.
    path: str
    #: Guessed from the file names when omitted.
    format: InferFormat | None = None
    format_options: dict[str, str | int | float | bool] = Field(default_factory=dict)
    #: With ``table``: the table whose schema is filled (created at ``path`` if missing).
    database: str | None = None
    table: str | None = None


class InferOut(BaseModel):
    format: str
    columns: list[ColumnIO]
    partition_keys: list[ColumnIO]
    #: How many files were sampled.
    files: int
    #: The table written, when ``database`` and ``table`` were given.
    table: TableOut | None = None


class GenerateIn(StrictModel):
    """Glue's "Add job" with a generated script."""

    name: str
    #: ``catalog:db.table``, ``connection:NAME/schema.table`` or a path.
    source: str
    source_format: InferFormat | None = None
    source_format_options: dict[str, str | int | float | bool] = Field(default_factory=dict)
    target: str
    #: The format written to a path target.
    target_format: InferFormat = "parquet"
    partition_keys: list[str] = Field(default_factory=list)
    #: ``src[:type]=dst[:type]`` renames/retypes, ``src:type`` retypes, ``src=`` drops;
    #: every other source column is kept as it is.
    mappings: list[str] = Field(default_factory=list)
    description: str = ""
    executor: Literal["pool", "isolated"] = "pool"
    #: Only show the columns, mapping and script; create nothing.
    dry_run: bool = False


class MappingOut(BaseModel):
    source: str
    source_type: str
    target: str
    target_type: str


class GenerateOut(BaseModel):
    #: The job created (None on a dry run).
    job: JobOut | None
    script: str
    #: The source's columns as inferred or read from the catalog.
    columns: list[ColumnIO]
    mappings: list[MappingOut]


def columns_io(columns: tuple[Column, ...]) -> list[ColumnIO]:
    return [ColumnIO(name=c.name, type=c.type) for c in columns]


def database_out(d: CatalogDatabase) -> DatabaseOut:
    return DatabaseOut(name=d.name, description=d.description, location=d.location,
                       parameters=d.parameters, created_on=utc_or_none(d.created_on))  # fmt: skip


def table_out(t: CatalogTable) -> TableOut:
    return TableOut(
        database=t.database, name=t.name, location=t.location, connection=t.connection,
        jdbc_table=t.jdbc_table, format=t.format, format_options=t.format_options,
        columns=columns_io(t.columns), partition_keys=columns_io(t.partition_keys),
        parameters=t.parameters, created_on=utc_or_none(t.created_on),
        updated_on=utc_or_none(t.updated_on),
    )  # fmt: skip


def table_from_in(body: TableIn, database: str, name: str) -> CatalogTable:
    return CatalogTable(
        database=database, name=name, location=body.location, connection=body.connection,
        jdbc_table=body.jdbc_table, format=body.format, format_options=dict(body.format_options),
        columns=tuple(Column(c.name, c.type) for c in body.columns),
        partition_keys=tuple(Column(c.name, c.type) for c in body.partition_keys),
        parameters=body.parameters,
    )  # fmt: skip


def partition_out(p: Partition) -> PartitionOut:
    return PartitionOut(values=list(p.values), location=p.location,
                        created_on=utc_or_none(p.created_on))  # fmt: skip


def connection_out(c: Connection) -> ConnectionOut:
    """``c`` arrives masked from the service; masked again here, so no path can leak."""
    shown = c.masked()
    return ConnectionOut(
        name=shown.name, type=shown.type, url=shown.url, user=shown.user,
        password=shown.password, properties=shown.properties, description=shown.description,
        created_on=utc_or_none(shown.created_on),
    )  # fmt: skip


def connection_from_in(body: ConnectionIn) -> Connection:
    return Connection(name=body.name, url=body.url, user=body.user, password=body.password,
                      properties=body.properties, description=body.description,
                      type=body.type)  # fmt: skip
