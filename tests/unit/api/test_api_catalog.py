"""/catalog: databases, tables, partitions, connections (masked), infer; clear 4xx errors."""

from __future__ import annotations

import json
from pathlib import Path

import httpx

from tests.unit.api.fakes import FakeServices

TABLE = {
    "name": "Orders", "location": "s3://raw/orders/", "format": "csv",
    "format_options": {"withHeader": True, "separator": ","},
    "columns": [{"name": "id", "type": "bigint"}, {"name": "item", "type": "string"}],
    "partition_keys": [{"name": "day", "type": "string"}],
}  # fmt: skip


def test_databases_and_tables_round_trip_with_lower_case_names(client: httpx.Client) -> None:
    created = client.post("/catalog/databases", json={"name": "Sales", "description": "d"})
    assert created.status_code == 201 and created.json()["name"] == "sales"
    assert client.post("/catalog/databases", json={"name": "sales"}).status_code == 409
    table = client.post("/catalog/databases/sales/tables", json=TABLE)
    assert table.status_code == 201, table.text
    got = client.get("/catalog/databases/SALES/tables/orders").json()
    assert (got["database"], got["name"], got["format"]) == ("sales", "orders", "csv")
    assert got["columns"][0] == {"name": "id", "type": "bigint"}
    assert client.post("/catalog/databases/sales/tables", json=TABLE).status_code == 409
    replaced = client.put("/catalog/databases/sales/tables/orders",
                          json={**TABLE, "name": None, "format": "json"})  # fmt: skip
    assert replaced.status_code == 200 and replaced.json()["format"] == "json"
    fresh = client.put("/catalog/databases/sales/tables/other", json={**TABLE, "name": None})
    assert fresh.status_code == 201
    page = client.get("/catalog/databases/sales/tables", params={"limit": 1}).json()
    assert [t["name"] for t in page["tables"]] == ["orders"] and page["next_token"]
    rest = client.get("/catalog/databases/sales/tables",
                      params={"next_token": page["next_token"]}).json()  # fmt: skip
    assert [t["name"] for t in rest["tables"]] == ["other"] and rest["next_token"] is None
    assert client.delete("/catalog/databases/sales/tables/other").status_code == 204
    assert client.delete("/catalog/databases/sales").status_code == 204
    gone = client.get("/catalog/databases/sales/tables/orders")
    assert gone.status_code == 404 and gone.json()["field"] == "database"


def test_partitions_need_one_value_per_key(client: httpx.Client) -> None:
    client.post("/catalog/databases", json={"name": "sales"})
    client.post("/catalog/databases/sales/tables", json=TABLE)
    path = "/catalog/databases/sales/tables/orders/partitions"
    added = client.post(path, json={"partitions": [
        {"values": ["2024-01-01"], "location": "s3://raw/orders/day=2024-01-01"},
        {"values": ["2024-01-02"]}]})  # fmt: skip
    assert added.json() == {"added": 2}
    again = client.post(path, json={"partitions": [{"values": ["2024-01-02"],
                                                    "location": "/x"}]})  # fmt: skip
    assert again.json() == {"added": 0}
    listed = client.get(path).json()["partitions"]
    assert sorted(p["values"][0] for p in listed) == ["2024-01-01", "2024-01-02"]
    assert {p["location"] for p in listed} >= {"/x"}
    bad = client.post(path, json={"partitions": [{"values": ["a", "b"]}]})
    assert bad.status_code == 400 and bad.json()["field"] == "partitions[0].values"
    assert "partition keys are: day" in bad.json()["message"]


def test_bad_tables_are_refused_naming_the_field(client: httpx.Client) -> None:
    client.post("/catalog/databases", json={"name": "sales"})
    url = "/catalog/databases/sales/tables"
    cases = {
        "location": {"name": "t", "format": "csv"},
        "format": {"name": "t", "location": "/data", "format": "xls"},
        "columns[1].name": {**TABLE, "columns": [{"name": "a"}, {"name": "A"}]},
        "columns[0].type": {**TABLE, "columns": [{"name": "a", "type": "int;drop"}]},
        "jdbc_table": {"name": "t", "connection": "pg"},
        "name": {**TABLE, "name": "bad name!"},
    }
    for field, body in cases.items():
        answer = client.post(url, json=body)
        assert (answer.status_code, answer.json()["field"]) == (400, field), (field, answer.text)
    relative = client.post(url, json={**TABLE, "location": "data/orders"})
    assert relative.status_code == 400 and "absolute path" in relative.json()["message"]
    missing_db = client.post("/catalog/databases/nope/tables", json=TABLE)
    assert missing_db.status_code == 404 and missing_db.json()["field"] == "database"
    no_link = client.post(url, json={"name": "t", "connection": "pg", "jdbc_table": "public.t"})
    assert no_link.status_code == 404 and no_link.json()["field"] == "connection"
    unknown = client.post(url, json={**TABLE, "colums": []})
    assert unknown.status_code == 400 and unknown.json()["field"] == "colums"


def test_connection_secrets_are_masked_in_every_answer(
    client: httpx.Client, services: FakeServices
) -> None:
    body = {"name": "pg", "url": "jdbc:postgresql://db:5432/sales?password=inurl",
            "user": "etl", "password": "s3cret", "properties": {"sslpassword": "k", "ssl": "true"}}
    created = client.post("/catalog/connections", json=body)
    assert created.status_code == 201
    for answer in (created.json(), client.get("/catalog/connections/pg").json(),
                   client.get("/catalog/connections").json()["connections"][0]):
        assert answer["password"] == "****" and answer["properties"] == {
            "sslpassword": "****", "ssl": "true"}  # fmt: skip
        assert "inurl" not in json.dumps(answer) and answer["user"] == "etl"
    assert client.post("/catalog/connections", json=body).status_code == 409
    bad = client.post("/catalog/connections", json={**body, "name": "x", "url": "postgres://h"})
    assert bad.status_code == 400 and bad.json()["field"] == "url"
    masked = client.post("/catalog/connections", json={**body, "name": "y", "password": "****"})
    assert masked.status_code == 400 and masked.json()["field"] == "password"
    other = client.post("/catalog/connections", json={**body, "name": "z", "type": "KAFKA"})
    assert other.status_code == 400 and other.json()["field"] == "type"
    assert client.delete("/catalog/connections/pg").status_code == 204
    assert client.get("/catalog/connections/pg").status_code == 404


def test_infer_a_csv_directory_into_a_table(
    client: httpx.Client, services: FakeServices, tmp_path: Path
) -> None:
    data = tmp_path / "lake" / "orders" / "day=2024-01-01"
    data.mkdir(parents=True)
    (data / "part-0.csv").write_text("id,item,price\n1,pen,1.5\n2,ink,2\n")
    services.s3_buckets["raw"] = str(tmp_path / "lake")
    only = client.post("/catalog/infer", json={"path": "s3://raw/orders/"}).json()
    assert only["format"] == "csv" and only["table"] is None
    assert only["columns"] == [{"name": "id", "type": "bigint"},
                               {"name": "item", "type": "string"},
                               {"name": "price", "type": "double"}]  # fmt: skip
    assert only["partition_keys"] == [{"name": "day", "type": "string"}]
    client.post("/catalog/databases", json={"name": "sales"})
    filled = client.post("/catalog/infer", json={"path": "s3://raw/orders/", "database": "sales",
                                                 "table": "orders"}).json()  # fmt: skip
    table = filled["table"]
    assert table["location"] == "s3://raw/orders/" and table["format"] == "csv"
    assert table["format_options"]["withHeader"] is True and len(table["columns"]) == 3
    unmapped = client.post("/catalog/infer", json={"path": "s3://other/x"})
    assert unmapped.status_code == 400 and "s3_buckets" in unmapped.json()["message"]
    half = client.post("/catalog/infer", json={"path": "/x", "database": "sales"})
    assert half.status_code == 400 and half.json()["field"] == "table"
    remote = client.post("/catalog/infer", json={"path": "hdfs://nn/x"})
    assert remote.status_code == 400 and "local files only" in remote.json()["message"]
