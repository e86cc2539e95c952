"""Glue's Data Catalog and connection operations in-process, over the real catalog service
(SQLite): Glue's members both ways, its errors, pagination and filters."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from stoker.api.app import create_app
from stoker.api.glue.catalog_shapes import table_from_glue
from stoker.api.glue.members import Members
from stoker.api.glue.ops_catalog import name_pattern, partition_filter
from stoker.api.ports import ApiServices
from stoker.config.glue import GlueApiSettings
from stoker.config.settings import ApiSettings
from stoker.domain.datacatalog import Connection, Partition
from tests.unit.api.asgi import asgi_client
from tests.unit.api.fakes import FakeServices
from tests.unit.api.glue.signing import KEY_ID, SECRET
from tests.unit.api.glue.test_endpoint import call, error_of

ORDERS: dict[str, Any] = {
    "Name": "Orders",
    "Description": "one line an order",
    "TableType": "EXTERNAL_TABLE",
    "Parameters": {"classification": "csv", "skip.header.line.count": "1", "team": "sales"},
    "StorageDescriptor": {
        "Columns": [{"Name": "id", "Type": "bigint"}, {"Name": "amount", "Type": "double"}],
        "Location": "s3://raw/orders/",
        "SerdeInfo": {"SerializationLibrary":
                      "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe",
                      "Parameters": {"field.delim": ";"}},
    },
    "PartitionKeys": [{"Name": "day", "Type": "string"}],
}


def _app(services: FakeServices, glue: GlueApiSettings) -> Any:
    typed: ApiServices = services
    return create_app(typed, ApiSettings(), version="9", glue=glue)


@pytest.fixture
def glue(services: FakeServices) -> Iterator[httpx.Client]:
    with asgi_client(_app(services, GlueApiSettings(
            access_keys={KEY_ID: SecretStr(SECRET)}))) as client:  # fmt: skip
        yield client


def ok(client: httpx.Client, operation: str, body: dict[str, Any]) -> dict[str, Any]:
    answer = call(client, operation, body)
    assert answer.status_code == 200, answer.text
    result: dict[str, Any] = answer.json()
    return result


def test_databases_round_trip_page_update_and_delete(glue: httpx.Client) -> None:
    for name in ("a1", "a2", "a3"):
        ok(glue, "CreateDatabase", {"DatabaseInput": {"Name": name, "Description": "d",
                                                      "LocationUri": "s3://lake/" + name,
                                                      "Parameters": {"k": "v"}}})
    assert error_of(call(glue, "CreateDatabase", {"DatabaseInput": {"Name": "A1"}})) == (
        400, "AlreadyExistsException")  # fmt: skip
    got = ok(glue, "GetDatabase", {"Name": "a1"})["Database"]
    assert (got["Name"], got["Description"], got["LocationUri"], got["Parameters"]) == (
        "a1", "d", "s3://lake/a1", {"k": "v"})  # fmt: skip
    assert isinstance(got["CreateTime"], float)
    first = ok(glue, "GetDatabases", {"MaxResults": 2})
    assert [d["Name"] for d in first["DatabaseList"]] == ["a1", "a2"]
    rest = ok(glue, "GetDatabases", {"MaxResults": 2, "NextToken": first["NextToken"]})
    assert [d["Name"] for d in rest["DatabaseList"]] == ["a3"] and "NextToken" not in rest
    ok(glue, "UpdateDatabase", {"Name": "a2", "DatabaseInput": {"Name": "a2",
                                                                "Description": "new"}})
    assert ok(glue, "GetDatabase", {"Name": "a2"})["Database"]["Description"] == "new"
    renamed = call(glue, "UpdateDatabase", {"Name": "a2", "DatabaseInput": {"Name": "b"}})
    assert error_of(renamed) == (400, "InvalidInputException")
    assert "does not rename" in renamed.json()["Message"]
    ok(glue, "DeleteDatabase", {"Name": "a3"})
    for op, body in (("GetDatabase", {"Name": "a3"}), ("DeleteDatabase", {"Name": "a3"}),
                     ("UpdateDatabase", {"Name": "zz", "DatabaseInput": {"Name": "zz"}})):
        assert error_of(call(glue, op, body)) == (400, "EntityNotFoundException")
    assert error_of(call(glue, "GetDatabases", {"MaxResults": 101})) == (
        400, "InvalidInputException")  # fmt: skip


def test_a_table_keeps_glues_members_and_reaches_stokers_model(
    glue: httpx.Client, services: FakeServices
) -> None:
    ok(glue, "CreateDatabase", {"DatabaseInput": {"Name": "sales"}})
    ok(glue, "CreateTable", {"DatabaseName": "Sales", "TableInput": ORDERS})
    native = asyncio.run(services.catalog.get_table("sales", "orders"))
    assert (native.format, native.location, native.description) == (
        "csv", "s3://raw/orders/", "one line an order")  # fmt: skip
    assert native.format_options == {"separator": ";", "withHeader": True}
    assert [c.name for c in native.partition_keys] == ["day"]
    table = ok(glue, "GetTable", {"DatabaseName": "sales", "Name": "orders"})["Table"]
    sd = table["StorageDescriptor"]
    assert (table["Name"], table["DatabaseName"], table["TableType"]) == (
        "orders", "sales", "EXTERNAL_TABLE")  # fmt: skip
    assert sd["Columns"] == ORDERS["StorageDescriptor"]["Columns"]
    assert sd["Location"] == "s3://raw/orders/"
    assert sd["InputFormat"] == "org.apache.hadoop.mapred.TextInputFormat"
    assert sd["SerdeInfo"]["Parameters"] == {"field.delim": ";"}
    assert table["Parameters"] == ORDERS["Parameters"]
    assert table["PartitionKeys"] == [{"Name": "day", "Type": "string"}]
    again = call(glue, "CreateTable", {"DatabaseName": "sales", "TableInput": ORDERS})
    assert error_of(again) == (400, "AlreadyExistsException")
    missing_db = call(glue, "CreateTable", {"DatabaseName": "nope", "TableInput": ORDERS})
    assert error_of(missing_db) == (400, "EntityNotFoundException")


def test_update_get_tables_with_expression_and_delete(glue: httpx.Client) -> None:
    ok(glue, "CreateDatabase", {"DatabaseInput": {"Name": "lake"}})
    for name in ("sales_2023", "sales_2024", "stock", "users"):
        parquet = {"Name": name, "StorageDescriptor": {
            "Location": f"/data/{name}", "SerdeInfo": {"SerializationLibrary":
            "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"}}}  # fmt: skip
        ok(glue, "CreateTable", {"DatabaseName": "lake", "TableInput": parquet})
    listed = ok(glue, "GetTables", {"DatabaseName": "lake", "Expression": "sales*"})
    assert [t["Name"] for t in listed["TableList"]] == ["sales_2023", "sales_2024"]
    assert listed["TableList"][0]["Parameters"]["classification"] == "parquet"
    either = ok(glue, "GetTables", {"DatabaseName": "lake", "Expression": "stock|users"})
    assert [t["Name"] for t in either["TableList"]] == ["stock", "users"]
    page = ok(glue, "GetTables", {"DatabaseName": "lake", "Expression": "s.*",
                                  "MaxResults": 2})  # fmt: skip
    assert [t["Name"] for t in page["TableList"]] == ["sales_2023", "sales_2024"]
    tail = ok(glue, "GetTables", {"DatabaseName": "lake", "Expression": "s.*",
                                  "NextToken": page["NextToken"]})  # fmt: skip
    assert [t["Name"] for t in tail["TableList"]] == ["stock"] and "NextToken" not in tail
    moved = {"Name": "stock", "Parameters": {"classification": "json"},
             "StorageDescriptor": {"Location": "/data/stock2"}}
    ok(glue, "UpdateTable", {"DatabaseName": "lake", "TableInput": moved})
    table = ok(glue, "GetTable", {"DatabaseName": "lake", "Name": "stock"})["Table"]
    assert table["StorageDescriptor"]["Location"] == "/data/stock2"
    assert table["StorageDescriptor"]["SerdeInfo"]["SerializationLibrary"].endswith("JsonSerDe")
    gone = {**moved, "Name": "ghost"}
    assert error_of(call(glue, "UpdateTable", {"DatabaseName": "lake", "TableInput": gone})) == (
        400, "EntityNotFoundException")  # fmt: skip
    ok(glue, "DeleteTable", {"DatabaseName": "lake", "Name": "stock"})
    assert error_of(call(glue, "DeleteTable", {"DatabaseName": "lake", "Name": "stock"})) == (
        400, "EntityNotFoundException")  # fmt: skip


def test_partitions_are_created_in_batch_and_filtered(glue: httpx.Client) -> None:
    ok(glue, "CreateDatabase", {"DatabaseInput": {"Name": "sales"}})
    two_keys = {**ORDERS, "PartitionKeys": [{"Name": "year", "Type": "string"},
                                            {"Name": "month", "Type": "string"}]}
    ok(glue, "CreateTable", {"DatabaseName": "sales", "TableInput": two_keys})
    inputs = [{"Values": ["2024", m]} for m in ("01", "02", "03")]
    inputs.append({"Values": ["2023", "12"], "StorageDescriptor": {"Location": "/elsewhere"}})
    answer = ok(glue, "BatchCreatePartition", {"DatabaseName": "sales", "TableName": "orders",
                                              "PartitionInputList": inputs})  # fmt: skip
    assert answer == {"Errors": []}
    again = ok(glue, "BatchCreatePartition", {
        "DatabaseName": "sales", "TableName": "orders",
        "PartitionInputList": [{"Values": ["2024", "01"]}, {"Values": ["2025"]},
                               {"Values": ["2024", "04"]}]})  # fmt: skip
    assert [(e["PartitionValues"], e["ErrorDetail"]["ErrorCode"]) for e in again["Errors"]] == [
        (["2024", "01"], "AlreadyExistsException"), (["2025"], "InvalidInputException")]
    every = ok(glue, "GetPartitions", {"DatabaseName": "sales", "TableName": "orders"})
    assert len(every["Partitions"]) == 5
    by_values = {tuple(p["Values"]): p for p in every["Partitions"]}
    assert by_values[("2023", "12")]["StorageDescriptor"]["Location"] == "/elsewhere"
    assert by_values[("2024", "02")]["StorageDescriptor"]["Location"] == (
        "s3://raw/orders/year=2024/month=02")  # fmt: skip
    assert by_values[("2024", "02")]["StorageDescriptor"]["Columns"][0]["Name"] == "id"
    picked = ok(glue, "GetPartitions", {"DatabaseName": "sales", "TableName": "orders",
                                        "Expression": "year = '2024' AND month='02'"})
    assert [p["Values"] for p in picked["Partitions"]] == [["2024", "02"]]
    pages, token = [], None
    while True:
        body = {"DatabaseName": "sales", "TableName": "orders", "MaxResults": 2,
                "Expression": "year='2024'", "ExcludeColumnSchema": True,
                **({"NextToken": token} if token else {})}  # fmt: skip
        page = ok(glue, "GetPartitions", body)
        pages.append(len(page["Partitions"]))
        assert all("Columns" not in p["StorageDescriptor"] for p in page["Partitions"])
        token = page.get("NextToken")
        if token is None:
            break
    assert pages == [2, 2]
    bad = call(glue, "GetPartitions", {"DatabaseName": "sales", "TableName": "orders",
                                       "Expression": "year > '2020'"})  # fmt: skip
    assert error_of(bad) == (400, "InvalidInputException")


def test_connections_show_the_password_only_to_a_signed_caller_who_asks(
    glue: httpx.Client, services: FakeServices
) -> None:
    for name in ("pg", "pg2"):
        asyncio.run(services.catalog.create_connection(Connection(
            name=name, url="jdbc:postgresql://db:5432/shop", user="etl", password="s3cret")))
    got = ok(glue, "GetConnection", {"Name": "pg"})["Connection"]
    assert got["ConnectionType"] == "JDBC"
    assert got["ConnectionProperties"] == {"JDBC_CONNECTION_URL": "jdbc:postgresql://db:5432/shop",
                                           "USERNAME": "etl", "PASSWORD": "s3cret"}
    hidden = ok(glue, "GetConnection", {"Name": "pg", "HidePassword": True})["Connection"]
    assert "PASSWORD" not in hidden["ConnectionProperties"]
    listed = ok(glue, "GetConnections", {"HidePassword": True, "MaxResults": 1})
    assert [c["Name"] for c in listed["ConnectionList"]] == ["pg"]
    assert "PASSWORD" not in listed["ConnectionList"][0]["ConnectionProperties"]
    rest = ok(glue, "GetConnections", {"NextToken": listed["NextToken"]})
    assert rest["ConnectionList"][0]["ConnectionProperties"]["PASSWORD"] == "s3cret"
    assert ok(glue, "GetConnections", {"Filter": {"ConnectionType": "KAFKA"}}) == {
        "ConnectionList": []}  # fmt: skip
    assert error_of(call(glue, "GetConnection", {"Name": "nope"})) == (
        400, "EntityNotFoundException")  # fmt: skip


def test_an_unsigned_caller_never_sees_a_password(services: FakeServices) -> None:
    asyncio.run(services.catalog.create_connection(Connection(
        name="pg", url="jdbc:postgresql://db/shop", user="etl", password="s3cret")))
    with asgi_client(_app(services, GlueApiSettings())) as open_endpoint:
        got = ok(open_endpoint, "GetConnection", {"Name": "pg", "HidePassword": False})
    assert "PASSWORD" not in got["Connection"]["ConnectionProperties"]


def test_table_input_errors_name_glues_members() -> None:
    def refused(table: dict[str, Any]) -> str:
        with pytest.raises(Exception) as error:
            table_from_glue("db", Members(table, "TableInput"))
        return str(error.value)

    assert "format is unknown" in refused({"Name": "t", "StorageDescriptor": {"Location": "/x"}})
    assert "StorageDescriptor.Location is required" in refused({"Name": "t"})
    assert "VIRTUAL_VIEW" in refused({"Name": "t", "TableType": "VIRTUAL_VIEW"})
    jdbc = table_from_glue("db", Members({"Name": "t", "Parameters": {
        "connectionName": "pg"}, "StorageDescriptor": {"Location": "public.orders"}}))
    assert (jdbc.connection, jdbc.jdbc_table, jdbc.location, jdbc.parameters) == (
        "pg", "public.orders", None, {})  # fmt: skip


def test_glues_name_patterns_and_partition_predicates() -> None:
    assert name_pattern("sales*").fullmatch("sales_2024")
    assert name_pattern("SALES.*").fullmatch("sales_x")
    assert not name_pattern("sales").fullmatch("sales_x")
    keep = partition_filter("`year`='2024' and month = 'it''s'", ["year", "month"])
    assert keep(Partition(("2024", "it's"))) and not keep(Partition(("2024", "x")))
