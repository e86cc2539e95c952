"""Schema inference from a sample of CSV and JSON files, their partitions and buckets."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from stoker.datacatalog.infer import infer_schema, local_path
from stoker.errors import InvalidInput


def kinds(path: Path | str, fmt: str | None = None, **options: object) -> dict[str, str]:
    return {c.name: c.type for c in infer_schema(str(path), fmt, {}, options).columns}


def test_csv_types_widen_across_rows_and_files(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text("id,price,ok,day,at,mixed,empty\n"
                                    "1,2,true,2024-01-01,2024-01-01 10:00:00,1,\n")
    (tmp_path / "b.csv").write_text("id,price,ok,day,at,mixed,empty\n"
                                    "2,2.5,FALSE,2024-01-02T10:00:00,2024-01-02T10:00:00Z,x,\n")
    assert kinds(tmp_path) == {"id": "bigint", "price": "double", "ok": "boolean",
                               "day": "timestamp", "at": "timestamp", "mixed": "string",
                               "empty": "string"}  # fmt: skip


def test_csv_options_and_compression(tmp_path: Path) -> None:
    (tmp_path / "x.tsv").write_text("a\tb\n1\tz\n")
    assert kinds(tmp_path / "x.tsv") == {"a": "bigint", "b": "string"}
    (tmp_path / "n.csv").write_text("1;x\n2;y\n")
    assert kinds(tmp_path / "n.csv", withHeader=False, separator=";") == {
        "col0": "bigint", "col1": "string"}  # fmt: skip
    with gzip.open(tmp_path / "z.csv.gz", "wt") as fh:
        fh.write("q\n1.5\n")
    assert kinds(tmp_path / "z.csv.gz") == {"q": "double"}


def test_json_lines_and_arrays_with_nested_types(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_text('{"a": 1, "s": {"x": "1"}, "l": [1]}\n'
                                     '{"a": 2.0, "s": {"y": true}, "l": [], "n": null}\n')
    assert kinds(tmp_path / "a.json") == {"a": "double", "s": "struct<x:string,y:boolean>",
                                          "l": "array<bigint>", "n": "string"}  # fmt: skip
    (tmp_path / "b.json").write_text('[{"k": true}, {"k": false}]')
    assert kinds(tmp_path / "b.json") == {"k": "boolean"}


def test_key_value_directories_are_partitions(tmp_path: Path) -> None:
    leaf = tmp_path / "year=2024" / "month=01"
    leaf.mkdir(parents=True)
    (leaf / "part-0.csv").write_text("id\n1\n")
    (tmp_path / "_SUCCESS").write_text("")
    found = infer_schema(str(tmp_path), None, {})
    assert found.format == "csv" and [c.name for c in found.partition_keys] == ["year", "month"]
    assert [c.name for c in found.columns] == ["id"] and found.files == 1


def test_s3_paths_follow_the_bucket_mapping(tmp_path: Path) -> None:
    assert local_path("s3://raw/a/b", {"raw": str(tmp_path)}) == tmp_path / "a" / "b"
    assert local_path("s3://raw/a", {"raw": f"file://{tmp_path}/"}) == tmp_path / "a"
    with pytest.raises(InvalidInput, match="not in \\[glue\\] s3_buckets"):
        local_path("s3://other/a", {"raw": str(tmp_path)})
    with pytest.raises(InvalidInput, match="local files only"):
        local_path("s3://raw/a", {"raw": "hdfs://nn/lake"})


def test_what_cannot_be_inferred_says_why(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="does not exist"):
        infer_schema(str(tmp_path / "nope"), None, {})
    (tmp_path / "empty").mkdir()
    with pytest.raises(InvalidInput, match="no data files"):
        infer_schema(str(tmp_path / "empty"), None, {})
    (tmp_path / "data.bin").write_text("x")
    with pytest.raises(InvalidInput, match="cannot tell the format"):
        infer_schema(str(tmp_path / "data.bin"), None, {})
    with pytest.raises(InvalidInput, match="cannot be inferred"):
        infer_schema(str(tmp_path / "data.bin"), "avro", {})
