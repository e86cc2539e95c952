"""Glue's ``DatabaseInput``/``Database``, ``TableInput``/``Table`` and ``Partition`` members,
to and from stoker's Data Catalog model.

A table's format is what Glue's readers take from it: ``Parameters.classification``, else
the SerDe library, else the input format class; Glue's Hive class names are given back on
the way out. CSV SerDe parameters (``field.delim``/``separatorChar``, ``quoteChar``,
``escapeChar``) and ``skip.header.line.count`` become stoker's format options. A table of
a JDBC connection is Glue's: ``Parameters.connectionName`` names it and the location is
the JDBC table. What stoker does not keep (column comments, bucketing, skew, other SerDe
parameters) is listed in docs/glue-api.md.
"""

from __future__ import annotations

from typing import Any

from stoker.api.glue.errors import invalid
from stoker.api.glue.jobs_shapes import compact, epoch
from stoker.api.glue.members import Members
from stoker.domain.datacatalog import (
    FORMATS,
    CatalogDatabase,
    CatalogTable,
    Column,
    Partition,
)

_TEXT_IN = "org.apache.hadoop.mapred.TextInputFormat"
_TEXT_OUT = "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat"
_PARQUET = ("org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
            "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat",
            "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe")  # fmt: skip
#: (InputFormat, OutputFormat, SerializationLibrary) Glue's crawlers write for each format.
HIVE_CLASSES: dict[str, tuple[str, str, str]] = {
    "parquet": _PARQUET,
    "glueparquet": _PARQUET,
    "csv": (_TEXT_IN, _TEXT_OUT, "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe"),
    "json": (_TEXT_IN, _TEXT_OUT, "org.openx.data.jsonserde.JsonSerDe"),
    "orc": ("org.apache.hadoop.hive.ql.io.orc.OrcInputFormat",
            "org.apache.hadoop.hive.ql.io.orc.OrcOutputFormat",
            "org.apache.hadoop.hive.ql.io.orc.OrcSerde"),
    "avro": ("org.apache.hadoop.hive.ql.io.avro.AvroContainerInputFormat",
             "org.apache.hadoop.hive.ql.io.avro.AvroContainerOutputFormat",
             "org.apache.hadoop.hive.serde2.avro.AvroSerDe"),
    "xml": ("com.ibm.spss.hive.serde2.xml.XmlInputFormat",
            "org.apache.hadoop.hive.ql.io.IgnoreKeyTextOutputFormat",
            "com.ibm.spss.hive.serde2.xml.XmlSerDe"),
}  # fmt: skip
#: Words of SerDe and input format class names, to the format they read (first match).
_CLASS_WORDS = (("parquet", "parquet"), ("orc", "orc"), ("avro", "avro"), ("json", "json"),
                ("xml", "xml"), ("csv", "csv"), ("lazysimple", "csv"))  # fmt: skip
#: CSV SerDe parameters -> Glue's format options (the first of each pair is written back).
_SERDE_OPTIONS = (("field.delim", "separator"), ("separatorChar", "separator"),
                  ("quoteChar", "quoteChar"), ("escapeChar", "escaper"))  # fmt: skip
HEADER = "skip.header.line.count"
CLASSIFICATION = "classification"
CONNECTION = "connectionName"
TABLE_TYPES = frozenset({"EXTERNAL_TABLE", "MANAGED_TABLE"})


# -- databases ----------------------------------------------------------------------------


def database_from_glue(members: Members) -> CatalogDatabase:
    """A ``DatabaseInput``; members stoker cannot honour are refused by name."""
    members.refuse("TargetDatabase", "FederatedDatabase",
                   why="databases of other catalogs are not kept")  # fmt: skip
    return CatalogDatabase(
        name=members.required_string("Name"),
        description=members.string("Description", max_len=2048) or "",
        location=members.string("LocationUri", max_len=1024),
        parameters=members.string_map("Parameters") or {},
    )


def database_member(database: CatalogDatabase) -> dict[str, Any]:
    return compact({
        "Name": database.name, "Description": database.description or None,
        "LocationUri": database.location, "Parameters": dict(database.parameters),
        "CreateTime": epoch(database.created_on),
    })  # fmt: skip


# -- tables -------------------------------------------------------------------------------


def _columns(members: Members, member: str) -> tuple[Column, ...]:
    out = []
    for column in members.structures(member):
        out.append(Column(column.required_string("Name"),
                          column.string("Type", max_len=131072) or "string"))  # fmt: skip
    return tuple(out)


def _format(params: dict[str, str], storage: Members, serde: Members | None) -> str | None:
    classification = params.pop(CLASSIFICATION, None)
    if classification is None:
        classification = (storage.string_map("Parameters") or {}).get(CLASSIFICATION)
    if classification is not None:
        if classification.lower() not in FORMATS:
            raise invalid(f"classification {classification[:80]!r} is not one of "
                          + ", ".join(sorted(FORMATS)))  # fmt: skip
        return classification.lower()
    classes = [serde.string("SerializationLibrary") if serde else None,
               storage.string("InputFormat")]  # fmt: skip
    for name in filter(None, classes):
        for word, fmt in _CLASS_WORDS:
            if word in name.lower():
                return fmt
    return None


def _options(fmt: str | None, params: dict[str, str], serde: Members | None) -> dict[str, Any]:
    if fmt != "csv":
        return {}
    given = (serde.string_map("Parameters") if serde else None) or {}
    options: dict[str, Any] = {}
    for key, option in _SERDE_OPTIONS:
        if key in given:
            options[option] = given[key]
    if params.get(HEADER, "0").strip() not in ("", "0"):
        options["withHeader"] = True
    return options


def table_from_glue(database: str, members: Members) -> CatalogTable:
    """A ``TableInput``: its data at ``StorageDescriptor.Location``, or a JDBC table when
    ``Parameters.connectionName`` names a connection."""
    table_type = members.string("TableType")
    if table_type is not None and table_type not in TABLE_TYPES:
        raise invalid(f"TableInput.TableType {table_type[:40]!r} is not supported by stoker: "
                      "it keeps EXTERNAL_TABLE and MANAGED_TABLE (no views)")  # fmt: skip
    members.refuse("ViewOriginalText", "ViewExpandedText", "TargetTable",
                   why="views and tables of other catalogs are not kept")  # fmt: skip
    storage = members.structure("StorageDescriptor") or Members({}, "TableInput.StorageDescriptor")
    serde = storage.structure("SerdeInfo")
    params = members.string_map("Parameters") or {}
    where = storage.string("Location", max_len=2056)
    connection = params.pop(CONNECTION, None)
    if where is None:
        raise invalid("TableInput.StorageDescriptor.Location is required: stoker's tables "
                      "are at a location (or, with Parameters.connectionName, a JDBC table)")
    fmt = None if connection is not None else _format(params, storage, serde)
    if connection is None and fmt is None:
        raise invalid(
            "the table's format is unknown: set TableInput.Parameters.classification (csv, "
            "json, parquet, orc, avro, xml) or StorageDescriptor.SerdeInfo."
            "SerializationLibrary"
        )
    return CatalogTable(
        database=database, name=members.required_string("Name"),
        location=None if connection else where, connection=connection,
        jdbc_table=where if connection else None, format=fmt,
        format_options=_options(fmt, params, serde),
        columns=_columns(storage, "Columns"),
        partition_keys=_columns(members, "PartitionKeys"),
        parameters=params, description=members.string("Description", max_len=2048) or "",
    )  # fmt: skip


def _column_members(columns: tuple[Column, ...]) -> list[dict[str, str]]:
    return [{"Name": c.name, "Type": c.type} for c in columns]


def _serde(table: CatalogTable) -> dict[str, Any]:
    """Glue's ``SerdeInfo``: the format's SerDe, CSV options under Hive's names (the first
    of each of ``_SERDE_OPTIONS``; ``separatorChar`` is read, ``field.delim`` written)."""
    params = {k: str(table.format_options[o]) for k, o in _SERDE_OPTIONS
              if o in table.format_options and k != "separatorChar"}  # fmt: skip
    if table.format == "csv":
        params.setdefault("field.delim", ",")
    classes = HIVE_CLASSES.get(table.format or "")
    return compact({"SerializationLibrary": classes[2] if classes else None,
                    "Parameters": params})  # fmt: skip


def storage_member(table: CatalogTable, location: str | None, *,
                   columns: bool = True) -> dict[str, Any]:  # fmt: skip
    """Glue's ``StorageDescriptor`` of the table (a partition's: at its own location)."""
    classes = HIVE_CLASSES.get(table.format or "")
    return compact({
        "Columns": _column_members(table.columns) if columns else None,
        "Location": location,
        "InputFormat": classes[0] if classes else None,
        "OutputFormat": classes[1] if classes else None,
        "Compressed": False, "NumberOfBuckets": -1, "SerdeInfo": _serde(table),
        "BucketColumns": [], "SortColumns": [], "Parameters": {},
        "StoredAsSubDirectories": False,
    })  # fmt: skip


def table_parameters(table: CatalogTable) -> dict[str, str]:
    params = dict(table.parameters)
    if table.format is not None:
        params[CLASSIFICATION] = "parquet" if table.format == "glueparquet" else table.format
    if table.connection is not None:
        params[CONNECTION] = table.connection
    if table.format_options.get("withHeader") is True:
        params.setdefault(HEADER, "1")
    return params


def table_member(table: CatalogTable) -> dict[str, Any]:
    where = table.location if table.connection is None else table.jdbc_table
    return compact({
        "Name": table.name, "DatabaseName": table.database,
        "Description": table.description or None,
        "CreateTime": epoch(table.created_on), "UpdateTime": epoch(table.updated_on),
        "Retention": 0, "StorageDescriptor": storage_member(table, where),
        "PartitionKeys": _column_members(table.partition_keys),
        "TableType": "EXTERNAL_TABLE", "Parameters": table_parameters(table),
        "IsRegisteredWithLakeFormation": False,
    })  # fmt: skip


# -- partitions ---------------------------------------------------------------------------


def partition_from_glue(members: Members) -> Partition:
    """A ``PartitionInput``: its values and ``StorageDescriptor.Location``."""
    storage = members.structure("StorageDescriptor")
    where = None if storage is None else storage.string("Location", max_len=2056)
    return Partition(tuple(members.string_list("Values", high=100)), where)


def partition_member(table: CatalogTable, partition: Partition, *,
                     columns: bool = True) -> dict[str, Any]:  # fmt: skip
    where = partition.location or _under(table, partition.values)
    return compact({
        "Values": list(partition.values), "DatabaseName": table.database,
        "TableName": table.name, "CreationTime": epoch(partition.created_on),
        "StorageDescriptor": storage_member(table, where, columns=columns),
        "Parameters": {},
    })  # fmt: skip


def _under(table: CatalogTable, values: tuple[str, ...]) -> str | None:
    """Hive's layout, where Glue's readers look for a partition given no location."""
    if table.location is None:
        return None
    keys = "/".join(f"{k.name}={v}" for k, v in zip(table.partition_keys, values, strict=False))
    return f"{table.location.rstrip('/')}/{keys}"
