"""`stoker jobs generate` end to end: the CLI infers a CSV source's columns through the
daemon, writes the Glue-style script with the --mapping rules (retype, rename, drop), creates
the job; the job then runs on the warm pool and its output has the mapped columns, types and
rows."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.integration.bookmarks.conftest import run
from tests.support.daemon import REPO, STOKER, DaemonProcess

pytestmark = pytest.mark.spark

CSV = ("id,customer,amount,qty,note\n"
       "1,ann,12.5,3,first\n2,bob,8.25,1,\n3,cid,40.0,12,rush\n4,dee,0.5,7,\n")  # fmt: skip


def cli(daemon: DaemonProcess, *args: str) -> Any:
    """The CLI's JSON answer, pointed at ``daemon`` as a user's shell would be."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("STOKER_")}
    env["STOKER_API_URL"] = daemon.url
    done = subprocess.run([STOKER, *args, "-o", "json"], env=env, cwd=REPO, capture_output=True,
                          text=True, timeout=120, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_generated_script_runs_and_writes_the_mapped_output(
    daemon: DaemonProcess, lake_root: Path, glue_spark: Any
) -> None:
    (lake_root / "generate-in").mkdir()
    (lake_root / "generate-in" / "orders.csv").write_text(CSV)
    made = cli(daemon, "jobs", "generate", "--name", "generated-orders",
               "--source", "s3://lake/generate-in/", "--source-format", "csv",
               "--target", "s3://lake/generate-out/", "--target-format", "parquet",
               "--mapping", "id:bigint=order_id:string",  # retyped and renamed
               "--mapping", "customer=client",  # renamed
               "--mapping", "qty:int",  # retyped
               "--mapping", "note=")  # dropped  # fmt: skip
    assert made["job"]["name"] == "generated-orders"
    assert [(m["source"], m["target"], m["target_type"]) for m in made["mappings"]] == [
        ("id", "order_id", "string"), ("customer", "client", "string"),
        ("amount", "amount", "double"), ("qty", "qty", "int")]  # fmt: skip
    assert "ApplyMapping.apply" in made["script"] and "job.commit()" in made["script"]

    ended = run(daemon, "generated-orders", timeout=240)
    assert ended["state"] == "SUCCEEDED", daemon.logs(ended["id"], "stderr")[-3000:]

    got = glue_spark.read.parquet(str(lake_root / "generate-out"))
    schema = "struct<order_id:string,client:string,amount:double,qty:int>"
    assert got.schema.simpleString() == schema
    assert sorted(tuple(r) for r in got.collect()) == [
        ("1", "ann", 12.5, 3), ("2", "bob", 8.25, 1), ("3", "cid", 40.0, 12),
        ("4", "dee", 0.5, 7)]  # fmt: skip
