"""GlueContext on local Spark: sources, sinks, the catalog, named connections, errors."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from stoker.glue.errors import NotSupported
from stoker.glue.testing import use_context, write_context
from stoker.glue.transforms.collection import DynamicFrameCollection

pytestmark = pytest.mark.spark


@pytest.fixture
def lake(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """A bucket 'lake' mapped to a local directory, a catalog and a SQLite connection."""
    root = tmp_path / "lake"
    (root / "in").mkdir(parents=True)
    (root / "in" / "a.csv").write_text("id,name,amount\n1,ann,10.5\n2,bob,3\n")
    (root / "in" / "b.csv").write_text("id,name,amount\n3,cy,7\n")
    db = tmp_path / "src.db"
    with sqlite3.connect(db) as c:
        c.execute("CREATE TABLE t (id INTEGER, v TEXT)")
        c.execute("CREATE TABLE t2 (id INTEGER, v TEXT)")
        c.executemany("INSERT INTO t VALUES (?, ?)", [(1, "a"), (2, "b")])
    databases = {"sales": {"tables": {
        "orders": {"location": "s3://lake/in/", "format": "csv",
                   "format_options": {"withHeader": True},
                   "columns": [{"name": "id", "type": "int"}, {"name": "name", "type": "string"},
                               {"name": "amount", "type": "double"}], "partition_keys": []},
        "out": {"location": "s3://lake/out/", "format": "parquet", "columns": [],
                "partition_keys": [{"name": "name", "type": "string"}]},
        "rows": {"connection": "src", "jdbc_table": "t", "location": None},
        "events": {"location": "s3://lake/events/", "format": "avro", "columns": [],
                   "partition_keys": []},
    }}}  # fmt: skip
    updates = tmp_path / "updates.jsonl"
    path = write_context(
        tmp_path / "ctx.json", s3={"lake": str(root)}, databases=databases,
        connections={"src": {"type": "JDBC", "url": f"jdbc:sqlite:{db}"}}, updates=updates,
    )  # fmt: skip
    monkeypatch.setenv("STOKER_GLUE_CONTEXT", str(path))
    use_context(path)
    return {"root": root, "updates": updates}


def glue(spark: Any) -> Any:
    from awsglue.context import GlueContext

    return GlueContext(spark.sparkContext)


def test_csv_from_options_over_a_mapped_bucket(glue_spark: Any, lake: dict[str, Any]) -> None:
    ctx = glue(glue_spark)
    frame = ctx.create_dynamic_frame.from_options(
        "s3", {"paths": ["s3://lake/in/"]}, "csv", {"withHeader": True}, transformation_ctx="src"
    )
    assert frame.count() == 3
    assert sorted(r["name"] for r in frame.toDF().collect()) == ["ann", "bob", "cy"]


def test_multiline_in_either_spelling_and_write_from_options(
    glue_spark: Any, lake: dict[str, Any]
) -> None:
    ctx = glue(glue_spark)
    (lake["root"] / "quoted").mkdir()
    (lake["root"] / "quoted" / "a.csv").write_text('id,note\n1,"two\nlines"\n2,one\n')
    for spelling in ("multiline", "multiLine"):
        frame = ctx.create_dynamic_frame.from_options(
            "s3", {"paths": ["s3://lake/quoted/"]}, "csv", {"withHeader": True, spelling: True})
        assert sorted(r["note"] for r in frame.toDF().collect()) == ["one", "two\nlines"]
    written = ctx.write_from_options(frame_or_dfc=frame, connection_type="s3",
                                     connection_options={"path": "s3://lake/wfo/"},
                                     format="json")  # fmt: skip
    assert written is frame
    assert glue_spark.read.json(str(lake["root"] / "wfo")).count() == 2
    collection = DynamicFrameCollection({"a": frame}, ctx)
    with pytest.raises(NotSupported, match="write_from_options"):
        ctx.write_from_options(collection, connection_type="s3",
                               connection_options={"path": "s3://lake/wfo2/"}, format="json")


def test_exclusions_skip_matching_files(glue_spark: Any, lake: dict[str, Any]) -> None:
    ctx = glue(glue_spark)

    def names(exclusions: Any) -> list[str]:
        frame = ctx.create_dynamic_frame.from_options("s3", {
            "paths": ["s3://lake/in/"], "exclusions": exclusions}, "csv", {"withHeader": True})
        return sorted(r["name"] for r in frame.toDF().collect())  # fmt: skip

    assert names('["**b.csv"]') == ["ann", "bob"]  # Glue's form: a JSON list in a string
    assert names(["s3://lake/in/a.csv"]) == ["cy"]  # a whole bucket path, mapped
    assert names("[]") == ["ann", "bob", "cy"]
    with pytest.raises(Exception, match="exclusions must be a JSON list"):
        names("**.csv")


def test_attach_filename_names_each_records_file(glue_spark: Any, lake: dict[str, Any]) -> None:
    frame = glue(glue_spark).create_dynamic_frame.from_options(
        "s3", {"paths": ["s3://lake/in/"]}, "csv", {"withHeader": True, "attachFilename": "src"})
    got = sorted((r["name"], r["src"]) for r in frame.toDF().collect())
    assert got == [("ann", "s3://lake/in/a.csv"), ("bob", "s3://lake/in/a.csv"),
                   ("cy", "s3://lake/in/b.csv")]  # fmt: skip


def test_json_path_picks_the_records(glue_spark: Any, lake: dict[str, Any]) -> None:
    ctx = glue(glue_spark)
    (lake["root"] / "doc").mkdir()
    (lake["root"] / "doc" / "a.json").write_text(
        '{"meta": {"n": 1}, "records": [{"id": 1}, {"id": 2}]}\n')
    (lake["root"] / "arr").mkdir()
    (lake["root"] / "arr" / "a.json").write_text('[{"id": 7}, {"id": 8}]\n')

    def read(folder: str, json_path: str) -> list[tuple[Any, ...]]:
        frame = ctx.create_dynamic_frame.from_options(
            "s3", {"paths": [f"s3://lake/{folder}/"]}, "json", {"jsonPath": json_path})
        return sorted(tuple(r) for r in frame.toDF().collect())

    assert read("doc", "$.records[*]") == [(1,), (2,)]
    assert read("doc", "$.meta") == [(1,)]
    assert read("arr", "$[*]") == [(7,), (8,)]
    with pytest.raises(Exception, match=re.escape("jsonPath '$..id' is not supported")):
        read("doc", "$..id")


def test_spark_itself_reads_and_writes_mapped_buckets(
    glue_spark: Any, lake: dict[str, Any]
) -> None:
    """Real scripts mix Glue's readers with spark.read/df.write on s3:// paths."""
    glue(glue_spark)
    df = glue_spark.read.option("header", "true").csv("s3://lake/in/")
    assert df.count() == 3
    df.write.mode("overwrite").parquet("s3a://lake/copy/")
    assert list((lake["root"] / "copy").glob("part-*.parquet"))
    assert glue_spark.read.parquet("s3://lake/copy").count() == 3


def test_catalog_csv_is_typed_by_the_catalog(glue_spark: Any, lake: dict[str, Any]) -> None:
    df = glue(glue_spark).create_data_frame.from_catalog(database="sales", table_name="orders")
    assert dict(df.dtypes) == {"id": "int", "name": "string", "amount": "double"}
    assert sorted(r["amount"] for r in df.collect()) == [3.0, 7.0, 10.5]


def test_write_to_catalog_with_partitions_updates_the_catalog(
    glue_spark: Any, lake: dict[str, Any]
) -> None:
    ctx = glue(glue_spark)
    frame = ctx.create_dynamic_frame.from_catalog(database="sales", table_name="orders")
    sink = ctx.getSink(connection_type="s3", path="s3://lake/out/", enableUpdateCatalog=True,
                       updateBehavior="UPDATE_IN_DATABASE", partitionKeys=["name"])  # fmt: skip
    sink.setFormat("glueparquet", compression="snappy")
    sink.setCatalogInfo(catalogDatabase="sales", catalogTableName="out")
    sink.writeFrame(frame)
    back = ctx.create_data_frame.from_catalog(database="sales", table_name="out")
    got = sorted((r["id"], r["name"]) for r in back.collect())
    assert got == [(1, "ann"), (2, "bob"), (3, "cy")]
    lines = [json.loads(x) for x in lake["updates"].read_text().splitlines()]
    assert [x["op"] for x in lines] == ["upsert_table", "add_partitions"]
    assert lines[0]["partition_keys"] == [{"name": "name", "type": "string"}]
    assert [p["values"] for p in lines[1]["partitions"]] == [["ann"], ["bob"], ["cy"]]
    assert lines[1]["partitions"][0]["location"] == "s3://lake/out/name=ann"
    pruned = ctx.create_dynamic_frame.from_catalog(
        database="sales", table_name="out", push_down_predicate="name != 'cy'",
        additional_options={"catalogPartitionPredicate": "name < 'bob'",
                            "excludeStorageClasses": ["GLACIER"], "isFailFast": True},
    ).toDF()  # fmt: skip
    assert [(r["id"], r["name"]) for r in pruned.collect()] == [(1, "ann")]


def test_jdbc_through_a_named_connection(glue_spark: Any, lake: dict[str, Any]) -> None:
    ctx = glue(glue_spark)
    rows = ctx.create_dynamic_frame.from_catalog(database="sales", table_name="rows")
    assert sorted(r["v"] for r in rows.toDF().collect()) == ["a", "b"]
    ctx.write_dynamic_frame.from_jdbc_conf(rows, catalog_connection="src",
                                           connection_options={"dbtable": "t2"})  # fmt: skip
    same = ctx.create_data_frame.from_options("jdbc", {
        "connectionName": "src", "useConnectionProperties": "true", "dbtable": "t2"})
    assert same.count() == 2
    assert ctx.extract_jdbc_conf("src")["url"].startswith("jdbc:sqlite:")


def test_avro_from_options_and_the_catalog(glue_spark: Any, lake: dict[str, Any]) -> None:
    from awsglue.dynamicframe import DynamicFrame

    ctx = glue(glue_spark)
    df = glue_spark.createDataFrame(
        [(1, "ann", 10.5, [1, 2]), (2, "bob", None, [])],
        "id long, name string, amount double, tags array<int>",
    )
    frame = DynamicFrame.fromDF(df, ctx, "events")
    ctx.write_dynamic_frame.from_options(
        frame=frame, connection_type="s3", connection_options={"path": "s3://lake/avro/"},
        format="avro", format_options={"version": "1.8", "compression": "snappy"},
    )  # fmt: skip
    assert list((lake["root"] / "avro").glob("*.snappy.avro"))
    back = ctx.create_dynamic_frame.from_options(
        "s3", {"paths": ["s3://lake/avro/"]}, "avro", {"version": "1.8"}
    ).toDF()
    assert back.schema.simpleString() == df.schema.simpleString()
    assert sorted(map(tuple, back.collect())) == sorted(map(tuple, df.collect()))
    ctx.write_dynamic_frame.from_catalog(frame=frame, database="sales", table_name="events")
    table = ctx.create_data_frame.from_catalog(database="sales", table_name="events")
    assert sorted(map(tuple, table.collect())) == sorted(map(tuple, df.collect()))


def test_an_external_format_without_its_jar_is_a_clear_error(
    glue_spark: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from stoker.glue import formats
    from stoker.glue.errors import NotSupported

    # The lookup the reader makes, of a module this session does not have.
    monkeypatch.setitem(formats.EXTERNAL, "avro", ("org.example.NoSuchAvro", "spark-avro_2.13 jar"))
    with pytest.raises(NotSupported, match=re.escape("spark-avro_2.13 jar to [spark] conf")):
        formats.require_source("create_dynamic_frame.from_options", glue_spark, "avro")


def test_purge_keeps_recent_files_by_default(glue_spark: Any, lake: dict[str, Any]) -> None:
    ctx = glue(glue_spark)
    ctx.purge_s3_path("s3://lake/in/")
    assert len(list((lake["root"] / "in").glob("*.csv"))) == 2
    ctx.purge_s3_path("s3://lake/in/", {"retentionPeriod": 0})
    assert list((lake["root"] / "in").glob("*.csv")) == []


@pytest.mark.parametrize(("call", "message"), [
    (lambda c: c.create_dynamic_frame.from_catalog(table_name="x"),
     "Parameter database is missing."),
    (lambda c: c.create_dynamic_frame.from_catalog(database="sales"),
     "Parameter table_name is missing."),
    (lambda c: c.create_dynamic_frame.from_catalog(database="a", name_space="b", table_name="x"),
     "Parameter name_space and database are both specified, choose one."),
    (lambda c: c.create_dynamic_frame.from_options("dynamodb", {}),
     "connection_type 'dynamodb' is not supported"),
    (lambda c: c.create_dynamic_frame.from_options("s3", {"paths": ["s3://lake/in/"]}, "ion"),
     "format 'ion' is not supported"),
    (lambda c: c.create_dynamic_frame.from_options("s3", {"paths": ["s3://nobody/x"]}, "csv"),
     "s3 bucket 'nobody' of s3://nobody/x is not mapped"),
    (lambda c: c.create_dynamic_frame.from_options(
        "s3", {"paths": ["s3://lake/in/"]}, "csv", {"jsonPath": "$"}),
     "format option 'jsonPath' for csv is not supported"),
    (lambda c: c.create_dynamic_frame.from_catalog(database="sales", table_name="nope"),
     "Table nope not found in database sales"),
], ids=["no-database", "no-table", "both-namespaces", "dynamodb", "ion", "unmapped", "option",
        "no-such-table"])  # fmt: skip
def test_glue_errors(glue_spark: Any, lake: dict[str, Any], call: Any, message: str) -> None:
    with pytest.raises(Exception) as raised:
        call(glue(glue_spark))
    assert message in str(raised.value)


def test_it_is_an_sql_context(glue_spark: Any, lake: dict[str, Any]) -> None:
    from pyspark.sql import SQLContext

    ctx = glue(glue_spark)
    assert isinstance(ctx, SQLContext)
    assert ctx.sql("SELECT 1 AS one").collect()[0]["one"] == 1
    assert ctx._jsc.hadoopConfiguration() is not None
    assert ctx.spark_session is ctx.sparkSession
    ctx.get_logger().info("hello")


def test_the_laptop_fixture_reads_local_files(glue_context: Any, tmp_path: Path) -> None:
    """What a user's unit test of a Glue script looks like (pytest + local Spark)."""
    (tmp_path / "events").mkdir()
    (tmp_path / "events" / "e.json").write_text('{"id": 1, "kind": "a"}\n{"id": 2, "kind": "b"}\n')
    frame = glue_context.create_dynamic_frame.from_options(
        connection_type="file", connection_options={"paths": [str(tmp_path / "events")]},
        format="json",
    )  # fmt: skip
    assert sorted(r["kind"] for r in frame.toDF().collect()) == ["a", "b"]
    with pytest.raises(Exception, match="s3 bucket 'x' of s3://x/y is not mapped"):
        glue_context.create_dynamic_frame.from_options("s3", {"paths": ["s3://x/y"]}, "json")
