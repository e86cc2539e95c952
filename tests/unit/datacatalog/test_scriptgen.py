"""The generated script: valid Python in the shape Glue's "Add job" writes, for each endpoint."""

from __future__ import annotations

import ast

import pytest

from stoker.datacatalog.scriptgen import (
    Endpoint,
    build_mappings,
    catalog_endpoint,
    generate_script,
    glue_type,
    jdbc_database,
    jdbc_type,
    parse_rule,
)
from stoker.domain.datacatalog import Column
from stoker.errors import InvalidInput

COLUMNS = [Column("id", "bigint"), Column("item", "string"), Column("price", "double"),
           Column("tags", "array<string>"), Column("junk", "string")]  # fmt: skip
CSV = Endpoint("path", path="s3://raw/orders/", format="csv",
               format_options={"withHeader": True, "separator": ","})  # fmt: skip
PARQUET = Endpoint("path", path="/lake/orders", format="parquet", partition_keys=("day",))
PG = Endpoint("jdbc", connection="pg", connection_url="jdbc:postgresql://db:5432/sales",
              jdbc_table="public.orders")  # fmt: skip


def calls(script: str) -> list[tuple[str, str, dict[str, object]]]:
    """(assigned name, called function, literal keyword arguments) of each assignment."""
    out = []
    for node in ast.parse(script).body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
            target = node.targets[0]
            name = target.id if isinstance(target, ast.Name) else ast.unparse(target)
            kwargs = {}
            for k in node.value.keywords:
                try:
                    kwargs[str(k.arg)] = ast.literal_eval(k.value)
                except ValueError:
                    kwargs[str(k.arg)] = ast.unparse(k.value)
            out.append((name, ast.unparse(node.value.func), kwargs))
    return out


def test_the_script_has_glues_generated_shape() -> None:
    rules = [parse_rule("id:bigint=order_id:string"), parse_rule("junk="),
             parse_rule("price:decimal(10,2)")]  # fmt: skip
    script = generate_script(CSV, PARQUET, build_mappings(COLUMNS, rules))
    compile(script, "generated.py", "exec")
    tree = ast.parse(script)
    imports = [ast.unparse(n) for n in tree.body if isinstance(n, ast.Import | ast.ImportFrom)]
    assert imports == [
        "import sys", "from awsglue.transforms import *",
        "from awsglue.utils import getResolvedOptions", "from pyspark.context import SparkContext",
        "from awsglue.context import GlueContext", "from awsglue.job import Job",
    ]  # fmt: skip
    steps = calls(script)
    assert [(n, f) for n, f, _ in steps] == [
        ("args", "getResolvedOptions"), ("sc", "SparkContext"), ("glueContext", "GlueContext"),
        ("job", "Job"), ("datasource0", "glueContext.create_dynamic_frame.from_options"),
        ("applymapping1", "ApplyMapping.apply"), ("resolvechoice2", "ResolveChoice.apply"),
        ("dropnullfields3", "DropNullFields.apply"),
        ("datasink4", "glueContext.write_dynamic_frame.from_options"),
    ]  # fmt: skip
    assert "spark = glueContext.spark_session" in script
    assert "job.init(args['JOB_NAME'], args)" in script and script.rstrip().endswith("job.commit()")
    by_name = {n: kw for n, _, kw in steps}
    assert by_name["datasource0"] == {
        "connection_type": "s3", "format": "csv", "transformation_ctx": "datasource0",
        "connection_options": {"paths": ["s3://raw/orders/"], "recurse": True},
        "format_options": {"withHeader": True, "separator": ","},
    }  # fmt: skip
    assert by_name["applymapping1"]["mappings"] == [
        ("id", "long", "order_id", "string"), ("item", "string", "item", "string"),
        ("price", "double", "price", "decimal(10,2)"), ("tags", "array", "tags", "array"),
    ]  # fmt: skip
    assert by_name["resolvechoice2"]["choice"] == "make_struct"
    assert by_name["datasink4"]["connection_options"] == {"path": "/lake/orders",
                                                          "partitionKeys": ["day"]}
    assert (by_name["datasink4"]["connection_type"], by_name["datasink4"]["format"]) == (
        "file", "parquet")  # fmt: skip
    for name, kw in by_name.items():
        if name.endswith(("0", "1", "2", "3", "4")):
            assert kw["transformation_ctx"] == name


def test_catalog_and_jdbc_endpoints() -> None:
    source = catalog_endpoint("Sales.Orders")
    script = generate_script(source, PG, build_mappings(COLUMNS[:2], []))
    compile(script, "generated.py", "exec")
    by_name = {n: (f, kw) for n, f, kw in calls(script)}
    assert by_name["datasource0"] == ("glueContext.create_dynamic_frame.from_catalog", {
        "database": "sales", "table_name": "orders", "transformation_ctx": "datasource0"})
    assert by_name["datasink4"] == ("glueContext.write_dynamic_frame.from_jdbc_conf", {
        "frame": "dropnullfields3", "catalog_connection": "pg", "transformation_ctx": "datasink4",
        "connection_options": {"dbtable": "public.orders", "database": "sales"}})
    back = generate_script(PG, Endpoint("catalog", database="lake", table="orders"),
                           build_mappings([], [parse_rule("id:int=id:long")]))  # fmt: skip
    by_name = {n: (f, kw) for n, f, kw in calls(back)}
    assert by_name["datasource0"][1]["connection_type"] == "postgresql"
    assert by_name["datasource0"][1]["connection_options"] == {
        "useConnectionProperties": "true", "dbtable": "public.orders", "connectionName": "pg"}
    assert by_name["datasink4"][0] == "glueContext.write_dynamic_frame.from_catalog"
    assert by_name["applymapping1"][1]["mappings"] == [("id", "int", "id", "long")]


def test_no_name_or_path_breaks_out_of_its_string() -> None:
    evil = Endpoint("path", path='/x"); import os; os.system("id"); ("', format="json")
    script = generate_script(evil, PARQUET, build_mappings([Column('a"b', "string")], []))
    compile(script, "generated.py", "exec")
    assert "import os" not in [ast.unparse(n) for n in ast.parse(script).body]
    assert calls(script)[4][2]["connection_options"]["paths"] == [evil.path]


@pytest.mark.parametrize(("spec", "rule"), [
    ("a:string=b:long", ("a", "string", "b", "long", False)),
    ("a=b", ("a", None, "b", None, False)),
    ("a:int", ("a", None, "a", "int", False)),
    ("a=", ("a", None, None, None, True)),
    ("a:string=", ("a", "string", None, None, True)),
])  # fmt: skip
def test_mapping_rules(spec: str, rule: tuple[object, ...]) -> None:
    parsed = parse_rule(spec)
    assert (parsed.source, parsed.source_type, parsed.target, parsed.target_type,
            parsed.drop) == rule  # fmt: skip


@pytest.mark.parametrize("spec", ["", "a", "=b", " :x=y"])
def test_bad_mapping_rules_say_the_syntax(spec: str) -> None:
    with pytest.raises(InvalidInput, match="src"):
        parse_rule(spec)


def test_mappings_refuse_unknown_columns_and_dropping_everything() -> None:
    with pytest.raises(InvalidInput, match="its columns: id, item"):
        build_mappings(COLUMNS[:2], [parse_rule("nope=x")])
    with pytest.raises(InvalidInput, match="drops every column"):
        build_mappings(COLUMNS[:1], [parse_rule("id=")])


def test_types_and_jdbc_urls() -> None:
    assert [glue_type(t) for t in ("bigint", "INT", "struct<a:int>", "map<string,int>",
                                   "decimal(5,1)")] == [
        "long", "int", "struct", "map", "decimal(5,1)"]  # fmt: skip
    assert jdbc_type("jdbc:mysql://h/db") == "mysql" and jdbc_type("jdbc:sqlite:/x.db") == "jdbc"
    assert jdbc_database("jdbc:postgresql://h:5432/sales?ssl=true") == "sales"
    assert jdbc_database("jdbc:sqlserver://h:1433;databaseName=x") == ""
