"""The lines a run appends to its updates file."""

from __future__ import annotations

import json

import pytest

from stoker.datacatalog.updates import parse_line
from stoker.errors import InvalidInput

UPSERT = {"op": "upsert_table", "database": "Lake", "table": "T", "location": "s3://l/t/",
          "format": "parquet", "columns": [{"name": "id", "type": "bigint"}]}  # fmt: skip


def test_an_upsert_is_a_checked_table() -> None:
    line = parse_line(json.dumps(UPSERT).encode())
    assert line.table is not None and line.partitions is None
    assert (line.table.database, line.table.name, line.table.columns[0].type) == (
        "lake", "t", "bigint")  # fmt: skip


def test_partitions_are_read() -> None:
    line = parse_line(json.dumps({"op": "add_partitions", "database": "lake", "table": "t",
                                  "partitions": [{"values": ["1"], "location": "/x"}]}))
    assert line.partitions is not None
    assert line.partitions[0:2] == ("lake", "t") and line.partitions[2][0].values == ("1",)


@pytest.mark.parametrize(("raw", "message"), [
    ("{", "not JSON"),
    ("[]", "op None"),
    (json.dumps({**UPSERT, "op": "drop"}), "op 'drop'"),
    (json.dumps({**UPSERT, "owner": "x"}), "unknown table field 'owner'"),
    (json.dumps({**UPSERT, "format": None}), "format is required"),
    (json.dumps({**UPSERT, "database": "a b"}), "not a catalog name"),
    (json.dumps({"op": "add_partitions", "database": "l", "table": "t",
                 "partitions": [{"values": [1]}]}), "list of strings"),
])  # fmt: skip
def test_bad_lines_say_why(raw: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        parse_line(raw)
