"""`stoker catalog databases|tables|connections|infer` and `stoker jobs generate` over HTTP."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.unit.api.fakes import FakeServices


def test_databases_and_tables(stoker: Any) -> None:
    assert stoker("catalog", "databases", "create", "Sales", "--description", "d").exit_code == 0
    assert stoker("catalog", "databases", "create", "sales").exit_code == 4
    listed = stoker("catalog", "databases", "list")
    assert "sales" in listed.stdout and "d" in listed.stdout
    made = stoker("catalog", "tables", "create", "sales", "orders", "--location", "/data/orders",
                  "--format", "csv", "--format-option", "withHeader=true", "--column", "id:bigint",
                  "--column", "item", "--partition-key", "day:string")  # fmt: skip
    assert made.exit_code == 0, made.stderr
    assert "id bigint, item string" in made.stdout and "day string" in made.stdout
    shown = json.loads(stoker("catalog", "tables", "get", "sales", "orders", "-o", "json").stdout)
    assert shown["format_options"] == {"withHeader": True}
    again = stoker("catalog", "tables", "create", "sales", "orders", "--location", "/d2",
                   "--format", "json", "--replace")  # fmt: skip
    assert again.exit_code == 0 and "/d2" in again.stdout
    assert "orders" in stoker("catalog", "tables", "list", "sales").stdout
    bad = stoker("catalog", "tables", "create", "sales", "t", "--format", "csv")
    assert bad.exit_code == 2 and "(field: location)" in bad.stderr
    assert stoker("catalog", "tables", "get", "sales", "nope").exit_code == 3
    assert stoker("catalog", "tables", "delete", "sales", "orders").exit_code == 0
    assert stoker("catalog", "databases", "delete", "sales").exit_code == 0
    assert stoker("catalog", "databases", "get", "sales").exit_code == 3


def test_table_from_a_file_with_partitions_shown(
    stoker: Any, services: FakeServices, tmp_path: Path
) -> None:
    stoker("catalog", "databases", "create", "sales")
    spec = tmp_path / "t.json"
    spec.write_text(json.dumps({"location": "/x", "format": "parquet",
                                "partition_keys": [{"name": "day", "type": "string"}]}))
    assert stoker("catalog", "tables", "create", "sales", "t", "-f", str(spec)).exit_code == 0
    client_answer = stoker("catalog", "tables", "get", "sales", "t", "--partitions")
    assert "no partitions" in client_answer.stdout


def test_connections_never_show_the_password(stoker: Any, monkeypatch: Any) -> None:
    monkeypatch.setenv("STOKER_CONNECTION_PASSWORD", "hunter2")
    made = stoker("catalog", "connections", "create", "pg", "--url",
                  "jdbc:postgresql://db:5432/sales", "--user", "etl",
                  "--property", "ssl=true")  # fmt: skip
    assert made.exit_code == 0, made.stderr
    for out in (made.stdout, stoker("catalog", "connections", "get", "pg").stdout,
                stoker("catalog", "connections", "list", "-o", "json").stdout):
        assert "hunter2" not in out
    assert "****" in made.stdout
    bad = stoker("catalog", "connections", "create", "x", "--url", "http://db")
    assert bad.exit_code == 2 and "(field: url)" in bad.stderr
    assert stoker("catalog", "connections", "delete", "pg").exit_code == 0
    assert stoker("catalog", "connections", "get", "pg").exit_code == 3


def test_infer_and_generate(stoker: Any, services: FakeServices, tmp_path: Path) -> None:
    data = tmp_path / "orders"
    data.mkdir()
    (data / "a.csv").write_text("id,item,note\n1,pen,x\n2,ink,\n")
    found = stoker("catalog", "infer", str(data))
    assert found.exit_code == 0 and "id bigint, item string, note string" in found.stdout
    stoker("catalog", "databases", "create", "sales")
    filled = stoker("catalog", "infer", str(data), "--database", "sales", "--table", "orders")
    assert "wrote table sales.orders" in filled.stdout
    dry = stoker("jobs", "generate", "--name", "o2p", "--source", "catalog:sales.orders",
                 "--target", str(tmp_path / "out"), "--mapping", "id:bigint=order_id:string",
                 "--mapping", "note=", "--dry-run", "--show-script")  # fmt: skip
    assert dry.exit_code == 0, dry.stderr
    assert "dry run" in dry.stdout and "order_id" in dry.stdout and "job.commit()" in dry.stdout
    assert "o2p" not in services.jobs.jobs
    made = stoker("jobs", "generate", "--name", "o2p", "--source", str(data), "--source-format",
                  "csv", "--target", str(tmp_path / "out"), "-o", "json")  # fmt: skip
    body = json.loads(made.stdout)
    assert body["job"]["name"] == "o2p" and "o2p" in services.jobs.jobs
    assert [m["target"] for m in body["mappings"]] == ["id", "item", "note"]
    unknown = stoker("jobs", "generate", "--name", "x", "--source", str(data), "--target", "/o",
                     "--mapping", "nope=a")  # fmt: skip
    assert unknown.exit_code == 2 and "does not have" in unknown.stderr
