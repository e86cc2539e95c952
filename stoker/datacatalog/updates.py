"""The lines a run appends to its catalog updates file, read into checked domain objects.

``{"op": "upsert_table", "database": D, "table": T, <the table's fields>}`` creates or
replaces a table; ``{"op": "add_partitions", "database": D, "table": T, "partitions":
[{"values": [...], "location": ...}]}`` adds partitions. Anything else is InvalidInput.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from stoker.domain.datacatalog import (
    MAX_PARTITIONS,
    CatalogTable,
    Partition,
    catalog_name,
    validate_table,
)
from stoker.errors import InvalidInput

TABLE_FIELDS = ("location", "connection", "jdbc_table", "format", "format_options",
                "columns", "partition_keys", "parameters", "description")  # fmt: skip
OPS = ("upsert_table", "add_partitions")


@dataclass(frozen=True)
class UpdateLine:
    table: CatalogTable | None = None
    #: (database, table, partitions) — checked against the table's keys when applied.
    partitions: tuple[str, str, tuple[Partition, ...]] | None = None


def parse_line(raw: bytes | str) -> UpdateLine:
    try:
        data = json.loads(raw)
    except ValueError as exc:
        raise InvalidInput(f"not JSON: {exc}") from None
    if not isinstance(data, dict) or data.get("op") not in OPS:
        op = data.get("op") if isinstance(data, dict) else None
        raise InvalidInput(f"op {op!r} is not one of {', '.join(OPS)}", field="op")
    database = catalog_name(data.get("database"), "database")
    table = catalog_name(data.get("table"), "table")
    if data["op"] == "upsert_table":
        return UpdateLine(table=table_from_fields(database, table, data, ignore=("op",
                                                                               "database",
                                                                               "table")))
    return UpdateLine(partitions=(database, table, partitions_of(data.get("partitions"))))


def table_from_fields(database: str, name: str, data: dict[str, Any],
                      ignore: tuple[str, ...] = ()) -> CatalogTable:  # fmt: skip
    """A checked table from its fields as the glue context writes them."""
    unknown = sorted(set(data) - set(TABLE_FIELDS) - set(ignore))
    if unknown:
        raise InvalidInput(f"unknown table field {unknown[0]!r}; fields: "
                           + ", ".join(TABLE_FIELDS), field=unknown[0])  # fmt: skip
    return validate_table(CatalogTable(
        database=database, name=name, location=data.get("location"),
        connection=data.get("connection"), jdbc_table=data.get("jdbc_table"),
        format=data.get("format"), format_options=data.get("format_options") or {},
        columns=data.get("columns") or (), partition_keys=data.get("partition_keys") or (),
        parameters=data.get("parameters") or {}, description=data.get("description") or "",
    ))  # fmt: skip


def partitions_of(value: Any) -> tuple[Partition, ...]:
    if not isinstance(value, list) or len(value) > MAX_PARTITIONS:
        raise InvalidInput(f"partitions must be a list of at most {MAX_PARTITIONS} "
                           "{values, location}", field="partitions")  # fmt: skip
    out = []
    for i, item in enumerate(value):
        values = item.get("values") if isinstance(item, dict) else None
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise InvalidInput(f"partitions[{i}].values must be a list of strings",
                               field=f"partitions[{i}].values")  # fmt: skip
        out.append(Partition(tuple(values), item.get("location")))
    return tuple(out)
