"""The Data Catalog's rules: names, locations, tables, partitions, connections, masking."""

from __future__ import annotations

import pytest

from stoker.domain.arguments import validate_arguments
from stoker.domain.datacatalog import (
    CatalogDatabase,
    CatalogTable,
    Column,
    Connection,
    Partition,
    catalog_name,
    location,
    validate_connection,
    validate_database,
    validate_partitions,
    validate_table,
)
from stoker.errors import InvalidInput


def table(**fields: object) -> CatalogTable:
    base: dict[str, object] = {"database": "Sales", "name": "Orders", "location": "/d",
                               "format": "csv"}  # fmt: skip
    return CatalogTable(**{**base, **fields})  # type: ignore[arg-type]


def test_names_are_lower_case_as_in_glue() -> None:
    assert catalog_name("Sales_2024-x", "name") == "sales_2024-x"
    for bad in ("", "a b", "a.b", "x" * 256, None, "é"):
        with pytest.raises(InvalidInput, match="not a catalog name"):
            catalog_name(bad, "name")
    checked = validate_table(table())
    assert (checked.database, checked.name) == ("sales", "orders")


@pytest.mark.parametrize("good", ["/data/x", "s3://bucket/key/", "file:///tmp/x",
                                  "hdfs://nn:8020/lake", "s3a://b/k"])  # fmt: skip
def test_locations_are_absolute_paths_or_uris(good: str) -> None:
    assert location(good) == good


@pytest.mark.parametrize("bad", ["data/x", "", "./x", "s3:", "/x\ny"])
def test_relative_or_broken_locations_are_refused(bad: str) -> None:
    with pytest.raises(InvalidInput):
        location(bad)


@pytest.mark.parametrize(("fields", "field"), [
    ({"location": None}, "location"),
    ({"connection": "pg", "jdbc_table": "public.t"}, "connection"),
    ({"location": None, "connection": "pg"}, "jdbc_table"),
    ({"jdbc_table": "public.t"}, "jdbc_table"),
    ({"format": None}, "format"),
    ({"format": "excel"}, "format"),
    ({"columns": [{"name": "a", "type": "int"}, {"name": "A"}]}, "columns[1].name"),
    ({"columns": [{"name": "a", "type": "array<int"}]}, "columns[0].type"),
    ({"columns": [{"name": "a", "kind": "int"}]}, "columns[0]"),
    ({"format_options": {"x": [1]}}, "format_options.x"),
    ({"parameters": {"k": 1}}, "parameters"),
])  # fmt: skip
def test_bad_tables_name_their_field(fields: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        validate_table(table(**fields))
    assert caught.value.field == field


def test_a_jdbc_table_needs_no_format() -> None:
    checked = validate_table(table(location=None, format=None, connection="pg",
                                   jdbc_table="public.orders"))  # fmt: skip
    assert checked.fields()["jdbc_table"] == "public.orders" and checked.format is None


def test_columns_keep_complex_types() -> None:
    checked = validate_table(table(columns=[{"name": "s", "type": "struct<a:int,b:array<string>>"},
                                            Column("d", "decimal(10,2)")]))  # fmt: skip
    assert [c.type for c in checked.columns] == ["struct<a:int,b:array<string>>", "decimal(10,2)"]


def test_partitions_have_one_value_per_key() -> None:
    keyed = validate_table(table(partition_keys=[{"name": "y"}, {"name": "m"}]))
    assert validate_partitions(keyed, [Partition(("2024", "01"), "/d/y=2024/m=01")])
    with pytest.raises(InvalidInput, match="partition keys are: y, m"):
        validate_partitions(keyed, [Partition(("2024",))])


def test_connections_are_jdbc_and_mask_their_secrets() -> None:
    link = validate_connection(Connection(
        "pg", "jdbc:postgresql://db/sales?password=inurl", "etl", "pw",
        {"sslpassword": "k", "ssl": "true"}))  # fmt: skip
    shown = link.masked()
    assert (shown.password, shown.properties, shown.user) == (
        "****", {"sslpassword": "****", "ssl": "true"}, "etl")  # fmt: skip
    assert "inurl" not in shown.url and "pw" not in repr(link)
    assert Connection("x", "jdbc:h2:mem").masked().password is None
    with pytest.raises(InvalidInput, match="not a JDBC URL"):
        validate_connection(Connection("x", "postgresql://u:secret@db/x"))
    with pytest.raises(InvalidInput, match="JDBC connections only"):
        validate_connection(Connection("x", "jdbc:x:y", type="KAFKA"))
    with pytest.raises(InvalidInput):
        validate_connection(Connection("bad name", "jdbc:x:y"))


def test_databases() -> None:
    assert validate_database(CatalogDatabase("Raw", "d\nmore", "s3://raw/")).name == "raw"
    with pytest.raises(InvalidInput):
        validate_database(CatalogDatabase("raw", location="relative"))


@pytest.mark.parametrize("key", ["--stoker-glue-context", "--stoker-bookmark-context"])
def test_the_run_context_arguments_are_reserved(key: str) -> None:
    with pytest.raises(InvalidInput, match="reserved"):
        validate_arguments({key: "/tmp/x"}, "arguments")
