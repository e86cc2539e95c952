"""Parquet and ORC footers read with pyarrow: Spark's spelling of each type, clear errors."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.orc as orc
import pyarrow.parquet as pq
import pytest

from stoker.datacatalog.columnar import columnar_columns, spark_type
from stoker.datacatalog.infer import infer_schema
from stoker.errors import InvalidInput

TYPES = [
    (pa.bool_(), "boolean"), (pa.int8(), "tinyint"), (pa.int16(), "smallint"),
    (pa.int32(), "int"), (pa.int64(), "bigint"), (pa.uint64(), "decimal(20,0)"),
    (pa.float32(), "float"), (pa.float64(), "double"), (pa.string(), "string"),
    (pa.large_string(), "string"), (pa.binary(), "binary"), (pa.date32(), "date"),
    (pa.timestamp("us", tz="UTC"), "timestamp"), (pa.timestamp("ns"), "timestamp"),
    (pa.decimal128(10, 2), "decimal(10,2)"), (pa.list_(pa.int32()), "array<int>"),
    (pa.map_(pa.string(), pa.int64()), "map<string,bigint>"),
    (pa.struct([("a", pa.string()), ("b", pa.list_(pa.float64()))]),
     "struct<a:string,b:array<double>>"),
    (pa.dictionary(pa.int32(), pa.string()), "string"),
]  # fmt: skip


@pytest.mark.parametrize(("kind", "expected"), TYPES, ids=[e for _, e in TYPES])
def test_types_are_spelled_as_spark_does(kind: pa.DataType, expected: str) -> None:
    assert spark_type(kind, "c") == expected


def test_a_type_spark_cannot_read_is_refused_naming_the_column() -> None:
    with pytest.raises(InvalidInput, match="column 'at' has type time64"):
        spark_type(pa.time64("us"), "at")


def test_partitioned_parquet_files_are_unified(tmp_path: Path) -> None:
    for day, table in (("1", pa.table({"id": [1]})), ("2", pa.table({"id": [2], "x": ["a"]}))):
        (tmp_path / f"day={day}").mkdir()
        pq.write_table(table, tmp_path / f"day={day}" / "part-0.parquet")
    found = infer_schema(str(tmp_path), None, {})
    assert found.format == "parquet" and found.files == 2
    assert [(c.name, c.type) for c in found.columns] == [("id", "bigint"), ("x", "string")]
    assert [(c.name, c.type) for c in found.partition_keys] == [("day", "string")]


def test_orc_file(tmp_path: Path) -> None:
    orc.write_table(pa.table({"n": pa.array([1], pa.int32())}), tmp_path / "a.orc")
    assert [(c.name, c.type) for c in columnar_columns([tmp_path / "a.orc"], "orc")] == [
        ("n", "int")]  # fmt: skip


def test_files_that_disagree_are_a_clear_error(tmp_path: Path) -> None:
    pq.write_table(pa.table({"id": [1]}), tmp_path / "a.parquet")
    pq.write_table(pa.table({"id": ["x"]}), tmp_path / "b.parquet")
    with pytest.raises(InvalidInput, match="disagree on their schema"):
        infer_schema(str(tmp_path), None, {})


def test_a_file_that_is_not_parquet_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "a.parquet").write_text("not parquet")
    with pytest.raises(InvalidInput, match=r"a\.parquet is not a readable parquet file"):
        infer_schema(str(tmp_path / "a.parquet"), None, {})
