"""A real daemon hands each run its glue context and applies the catalog writes it made.

The script is a Python shell job standing in for stoker's awsglue runtime: it reads the
context file the daemon wrote (checking its mode), and appends update lines by hand, good
and bad, as the runtime's catalog sinks will.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.integration.store.conftest import reset_postgres
from tests.support.daemon import DaemonProcess

SCRIPT = """\
import json, os, stat, sys
args = dict(zip(sys.argv[1::2], sys.argv[2::2]))
path = args["--stoker-glue-context"]
with open(path) as fh:
    context = json.load(fh)
report = {"context": context, "mode": stat.S_IMODE(os.stat(path).st_mode),
          "updates_mode": stat.S_IMODE(os.stat(context["updates"]).st_mode)}
with open(args["--out"], "w") as out:
    json.dump(report, out)
table = args["--table"]
lines = [
    {"op": "upsert_table", "database": "lake", "table": table, "location": f"s3://lake/{table}/",
     "format": "parquet", "columns": [{"name": "id", "type": "bigint"}],
     "partition_keys": [{"name": "day", "type": "string"}]},
    "this line is not JSON",
    {"op": "add_partitions", "database": "lake", "table": table,
     "partitions": [{"values": ["2024-01-01"], "location": f"s3://lake/{table}/day=2024-01-01"}]},
    {"op": "add_partitions", "database": "lake", "table": table,
     "partitions": [{"values": ["a", "b"]}]},
    {"op": "drop_everything", "database": "lake", "table": table},
    {"op": "upsert_table", "database": "nowhere", "table": "t", "location": "/x", "format": "csv"},
]
with open(context["updates"], "a") as fh:
    for line in lines:
        fh.write((line if isinstance(line, str) else json.dumps(line)) + "\\n")
if args.get("--fail") == "yes":
    raise SystemExit("failing after writing, on purpose")
"""


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def daemon(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[DaemonProcess]:
    db_url = None
    if request.param == "postgresql":
        db_url = request.getfixturevalue("pg_url")
        reset_postgres(db_url)
    work = tmp_path_factory.mktemp(f"catalog-{request.param}")
    buckets = json.dumps({"lake": f"file://{work / 'lake'}", "raw": str(work / "raw")})
    proc = DaemonProcess(work, db_url=db_url, pool_size=0,
                         env={"STOKER_GLUE__S3_BUCKETS": buckets}).start()  # fmt: skip
    proc.create_job("writer", SCRIPT, command={"name": "pythonshell"})
    for path, body in [
        ("/catalog/databases", {"name": "lake", "description": "the lake"}),
        ("/catalog/connections", {"name": "pg", "url": "jdbc:postgresql://db:5432/sales",
                                  "user": "etl", "password": "s3cret-pw"}),
        ("/catalog/databases/lake/tables", {"name": "orders", "location": "s3://raw/orders/",
                                            "format": "csv",
                                            "columns": [{"name": "id", "type": "bigint"}]}),
        ("/catalog/databases/lake/tables", {"name": "customers", "connection": "pg",
                                            "jdbc_table": "public.customers"}),
    ]:
        answer = proc.http.post(path, json=body)
        assert answer.status_code == 201, answer.text
    yield proc
    proc.stop()


def run(daemon: DaemonProcess, tmp_path: Path, table: str, **arguments: str) -> dict[str, Any]:
    out = tmp_path / f"{table}.json"
    args = {"--out": str(out), "--table": table, **{f"--{k}": v for k, v in arguments.items()}}
    started = daemon.start_run("writer", arguments=args)
    ended = daemon.wait_state(started["id"], timeout=60)
    report: dict[str, Any] = json.loads(out.read_text())
    return {"run": ended, **report}


def test_the_run_gets_a_private_context_and_its_writes_reach_the_catalog(
    daemon: DaemonProcess, tmp_path: Path
) -> None:
    result = run(daemon, tmp_path, "written")
    assert result["run"]["state"] == "SUCCEEDED", daemon.logs(result["run"]["id"], "stderr")
    assert (result["mode"], result["updates_mode"]) == (0o600, 0o600)
    context = result["context"]
    assert context["version"] == 1 and set(context["s3"]) == {"lake", "raw"}
    assert context["s3"]["lake"].startswith("file:///")
    lake = context["databases"]["lake"]
    assert (lake["description"], lake["location"]) == ("the lake", None)
    assert lake["tables"]["orders"] == {
        "location": "s3://raw/orders/", "connection": None, "jdbc_table": None, "format": "csv",
        "format_options": {}, "columns": [{"name": "id", "type": "bigint"}],
        "partition_keys": [], "parameters": {}, "description": "",
    }  # fmt: skip
    assert lake["tables"]["customers"]["connection"] == "pg"
    assert context["connections"]["pg"] == {
        "type": "JDBC", "url": "jdbc:postgresql://db:5432/sales", "user": "etl",
        "password": "s3cret-pw", "properties": {}}  # fmt: skip
    run_dir = Path(context["updates"]).parent
    assert Path(context["updates"]).name == "glue-catalog-updates.jsonl"
    assert (run_dir / "glue-catalog-updates.applied.jsonl").exists()
    table = daemon.http.get("/catalog/databases/lake/tables/written").json()
    assert (table["location"], table["format"]) == ("s3://lake/written/", "parquet")
    assert table["partition_keys"] == [{"name": "day", "type": "string"}]
    partitions = daemon.http.get("/catalog/databases/lake/tables/written/partitions").json()
    assert [p["values"] for p in partitions["partitions"]] == [["2024-01-01"]]
    assert daemon.http.get("/catalog/databases/nowhere").status_code == 404
    log = daemon.log_path.read_text(errors="replace")
    for number in (2, 4, 5, 6):
        assert f"catalog update line {number} of run {result['run']['id']} skipped" in log
    assert "s3cret-pw" not in log
    assert "s3cret-pw" not in daemon.http.get("/catalog/connections/pg").text


def test_a_failed_run_still_writes_the_catalog_and_the_next_run_sees_it(
    daemon: DaemonProcess, tmp_path: Path
) -> None:
    failed = run(daemon, tmp_path, "from_failed", fail="yes")
    assert failed["run"]["state"] == "FAILED"
    assert daemon.http.get("/catalog/databases/lake/tables/from_failed").status_code == 200
    after = run(daemon, tmp_path, "third")
    assert "from_failed" in after["context"]["databases"]["lake"]["tables"]
