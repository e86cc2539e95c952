"""The Data Catalog's model (Glue's databases, tables, partitions, connections) and its rules.

Names are kept in lower case, as Glue keeps them (a script's ``from_catalog(database=
"Sales")`` finds ``sales``). A table's data is either at a ``location`` (a path or URI,
``s3://bucket/key`` included) or a table of a named JDBC ``connection``. A connection's
password is stored for runs only: every view a person or a log sees masks it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from stoker.domain.limits import check_string_map, check_text, quote
from stoker.errors import InvalidInput
from stoker.masking import MASK, mask_credentials, mask_value

#: The argument that tells a run's script where its catalog context is (stoker's own).
GLUE_CONTEXT_ARG = "--stoker-glue-context"
CONTEXT_VERSION = 1

CATALOG_NAME = re.compile(r"[a-z0-9_][a-z0-9_\-]{0,254}")
CONNECTION_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.\-]{0,254}")
_LOCATION = re.compile(r"/.*|[A-Za-z][A-Za-z0-9+.\-]{0,39}:.+")
_TYPE = re.compile(r"[A-Za-z][A-Za-z0-9_<>,:()\s.`]*")
_JDBC_TABLE = re.compile(r"[A-Za-z0-9_$\"\[\]`][A-Za-z0-9_$.\"\[\]` \-]{0,254}")
#: The formats Glue's readers and writers name (stoker's runtime implements csv, json,
#: parquet, glueparquet and orc; the catalog may describe the others).
FORMATS = frozenset({"csv", "json", "parquet", "glueparquet", "orc", "avro", "xml"})
MAX_DESCRIPTION = 2048
MAX_LOCATION = 2048
MAX_COLUMNS = 1000
MAX_PARTITION_KEYS = 100
MAX_PARTITIONS = 1000
MAX_MAP = 200
MAX_TYPE = 4096
MAX_URL = 2048


@dataclass(frozen=True)
class Column:
    """A column (or partition key): Glue's name and Hive type string (``bigint``,
    ``array<string>``, ``decimal(10,2)``)."""

    name: str
    type: str

    def to_dict(self) -> dict[str, str]:
        return {"name": self.name, "type": self.type}


@dataclass(frozen=True)
class CatalogDatabase:
    name: str
    description: str = ""
    location: str | None = None
    parameters: dict[str, str] = field(default_factory=dict)
    created_on: datetime | None = None


@dataclass(frozen=True)
class CatalogTable:
    """A table: where its data is, how it is written, its schema."""

    database: str
    name: str
    location: str | None = None
    connection: str | None = None
    jdbc_table: str | None = None
    format: str | None = None
    format_options: dict[str, Any] = field(default_factory=dict)
    columns: tuple[Column, ...] = ()
    partition_keys: tuple[Column, ...] = ()
    parameters: dict[str, str] = field(default_factory=dict)
    description: str = ""
    created_on: datetime | None = None
    updated_on: datetime | None = None

    def fields(self) -> dict[str, Any]:
        """The table's fields as the glue context and the updates file write them."""
        return {
            "location": self.location, "connection": self.connection,
            "jdbc_table": self.jdbc_table, "format": self.format,
            "format_options": dict(self.format_options),
            "columns": [c.to_dict() for c in self.columns],
            "partition_keys": [c.to_dict() for c in self.partition_keys],
            "parameters": dict(self.parameters), "description": self.description,
        }  # fmt: skip


@dataclass(frozen=True)
class Partition:
    values: tuple[str, ...]
    location: str | None = None
    created_on: datetime | None = None


@dataclass(frozen=True)
class Connection:
    """A named JDBC connection (Glue's CreateConnection, type JDBC)."""

    name: str
    url: str
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    properties: dict[str, str] = field(default_factory=dict)
    description: str = ""
    type: str = "JDBC"
    created_on: datetime | None = None

    def masked(self) -> Connection:
        """What a person or a log may see: the password and secret properties masked."""
        return Connection(
            name=self.name, url=mask_credentials(self.url), user=self.user,
            password=MASK if self.password else None,
            properties={k: mask_value(k, v) for k, v in self.properties.items()},
            description=self.description, type=self.type, created_on=self.created_on,
        )  # fmt: skip


def catalog_name(value: Any, field: str) -> str:
    """A database or table name, lower-cased (Glue's rule)."""
    if not isinstance(value, str) or not CATALOG_NAME.fullmatch(value.lower()):
        raise InvalidInput(
            f"{field} {quote(value)} is not a catalog name: 1-255 characters of letters, "
            "digits, '_' and '-' (kept in lower case, as in Glue)",
            field=field,
            value=value if isinstance(value, str) else None,
        )
    return value.lower()


def connection_name(value: Any, field: str = "name") -> str:
    if not isinstance(value, str) or not CONNECTION_NAME.fullmatch(value):
        raise InvalidInput(
            f"{field} {quote(value)} is not a connection name: 1-255 characters of letters, "
            "digits, '_', '.' and '-'",
            field=field,
        )
    return value


def location(value: Any, field: str = "location") -> str:
    """An absolute path or a URI (``s3://bucket/key``, ``file:///dir``, ``hdfs://nn/dir``)."""
    text = check_text(value, field, MAX_LOCATION)
    if not _LOCATION.fullmatch(text):
        raise InvalidInput(
            f"{field} {quote(text)} is neither an absolute path nor a URI such as "
            "s3://bucket/key, file:///dir or hdfs://namenode/dir",
            field=field,
        )
    return text


def validate_database(database: CatalogDatabase) -> CatalogDatabase:
    return CatalogDatabase(
        name=catalog_name(database.name, "name"),
        description=check_text(
            database.description, "description", MAX_DESCRIPTION, multiline=True
        ),
        location=None if database.location is None else location(database.location),
        parameters=_map(database.parameters, "parameters"),
        created_on=database.created_on,
    )


def validate_table(table: CatalogTable) -> CatalogTable:
    """The table with lower-cased names; InvalidInput names the field it refuses."""
    has_location, has_connection = table.location is not None, table.connection is not None
    if has_location == has_connection:
        raise InvalidInput(
            "give exactly one of location (a path or URI) and connection (a named JDBC "
            "connection, with jdbc_table)",
            field="connection" if has_location else "location",
        )
    if has_connection and not table.jdbc_table:
        raise InvalidInput("a table of a connection needs jdbc_table (e.g. public.orders)",
                           field="jdbc_table")  # fmt: skip
    if has_location and table.jdbc_table is not None:
        raise InvalidInput("jdbc_table belongs to a table of a connection, not of a location",
                           field="jdbc_table")  # fmt: skip
    if table.jdbc_table is not None and not _JDBC_TABLE.fullmatch(table.jdbc_table):
        raise InvalidInput(f"jdbc_table {quote(table.jdbc_table)} is not a table name",
                           field="jdbc_table")  # fmt: skip
    return CatalogTable(
        database=catalog_name(table.database, "database"),
        name=catalog_name(table.name, "name"),
        location=None if table.location is None else location(table.location),
        connection=None if table.connection is None else connection_name(table.connection,
                                                                          "connection"),
        jdbc_table=table.jdbc_table, format=_format(table.format, has_location),
        format_options=_options(table.format_options),
        columns=columns(table.columns, "columns", MAX_COLUMNS),
        partition_keys=columns(table.partition_keys, "partition_keys", MAX_PARTITION_KEYS),
        parameters=_map(table.parameters, "parameters"),
        description=check_text(table.description, "description", MAX_DESCRIPTION,
                               multiline=True),
        created_on=table.created_on, updated_on=table.updated_on,
    )  # fmt: skip


def validate_partitions(
    table: CatalogTable, partitions: Sequence[Partition], field: str = "partitions"
) -> list[Partition]:
    """Each partition has one value per partition key of the table."""
    if len(partitions) > MAX_PARTITIONS:
        raise InvalidInput(f"{field}: at most {MAX_PARTITIONS} partitions at once", field=field)
    checked = []
    for i, partition in enumerate(partitions):
        where = f"{field}[{i}]"
        if len(partition.values) != len(table.partition_keys):
            keys = ", ".join(k.name for k in table.partition_keys) or "none"
            raise InvalidInput(
                f"{where}: {len(partition.values)} values for table {table.name!r}, whose "
                f"partition keys are: {keys}",
                field=f"{where}.values",
            )
        values = tuple(check_text(v, f"{where}.values", 1024) for v in partition.values)
        where_at = None if partition.location is None else location(partition.location,
                                                                    f"{where}.location")
        checked.append(Partition(values, where_at))  # fmt: skip
    return checked


def validate_connection(connection: Connection) -> Connection:
    if connection.type != "JDBC":
        raise InvalidInput(
            f"connection type {quote(connection.type)} is not supported; stoker keeps JDBC "
            "connections only",
            field="type",
        )
    url = check_text(connection.url, "url", MAX_URL)
    if not url.startswith("jdbc:") or len(url) < 8:
        raise InvalidInput(
            f"url {quote(mask_credentials(url))} is not a JDBC URL (e.g. "
            "jdbc:postgresql://host:5432/db)",
            field="url",
        )
    return Connection(
        name=connection_name(connection.name), url=url,
        user=None if connection.user is None else check_text(connection.user, "user", 255),
        password=None if connection.password is None else check_text(
            connection.password, "password", 1024),
        properties=_map(connection.properties, "properties"),
        description=check_text(connection.description, "description", MAX_DESCRIPTION,
                               multiline=True),
        created_on=connection.created_on,
    )  # fmt: skip


def columns(value: Any, field: str, limit: int) -> tuple[Column, ...]:
    """Columns from Column objects or ``{"name", "type"}`` maps; names unique."""
    if not isinstance(value, Sequence) or isinstance(value, str):
        raise InvalidInput(f"{field} must be a list of {{name, type}}", field=field)
    if len(value) > limit:
        raise InvalidInput(f"{field} has {len(value)} entries; at most {limit}", field=field)
    seen: set[str] = set()
    out = []
    for i, item in enumerate(value):
        raw = item.to_dict() if isinstance(item, Column) else item
        if not isinstance(raw, Mapping) or set(raw) - {"name", "type", "comment"}:
            raise InvalidInput(f"{field}[{i}] must be {{name, type}}", field=f"{field}[{i}]")
        name = check_text(raw.get("name"), f"{field}[{i}].name", 255)
        kind = check_text(raw.get("type", "string"), f"{field}[{i}].type", MAX_TYPE)
        if not name or name.lower() in seen:
            raise InvalidInput(f"{field}[{i}].name {quote(name)} is empty or repeated",
                               field=f"{field}[{i}].name")  # fmt: skip
        if not _TYPE.fullmatch(kind) or kind.count("<") != kind.count(">"):
            raise InvalidInput(
                f"{field}[{i}].type {quote(kind)} is not a type such as string, bigint, "
                "double, decimal(10,2), array<string> or struct<a:int>",
                field=f"{field}[{i}].type",
            )
        seen.add(name.lower())
        out.append(Column(name, kind.strip()))
    return tuple(out)


def _format(value: str | None, required: bool) -> str | None:
    if value is None:
        if required:
            raise InvalidInput(
                "format is required for a table at a location: " + ", ".join(sorted(FORMATS)),
                field="format",
            )
        return None
    if value not in FORMATS:
        raise InvalidInput(
            f"format {quote(value)} is not one of " + ", ".join(sorted(FORMATS)),
            field="format",
            value=value,
        )
    return value


def _options(value: Any) -> dict[str, Any]:
    """Glue's format options: names to strings, numbers or booleans."""
    if not isinstance(value, Mapping) or len(value) > MAX_MAP:
        raise InvalidInput(f"format_options must be a map of at most {MAX_MAP} entries",
                           field="format_options")  # fmt: skip
    for key, item in value.items():
        check_text(key, "format_options key", 255)
        if not isinstance(item, str | int | float | bool):
            raise InvalidInput(f"format_options.{key} must be a string, number or boolean",
                               field=f"format_options.{key}")  # fmt: skip
        if isinstance(item, str):
            check_text(item, f"format_options.{key}", 1024)
    return dict(value)


def _map(value: Any, field: str) -> dict[str, str]:
    return check_string_map(value, field, max_entries=MAX_MAP, max_key=255, max_value=4096)
