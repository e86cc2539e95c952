"""A role's credentials reach the runs of the jobs that name it, and nowhere else: a pool
run and an isolated run read a PostgreSQL table with the role's JDBC password (and see its
environment variable and Hadoop setting), while the CLI's `jobs get`, `roles get`,
`export`, the run events, the daemon's log, every /proc/*/cmdline and the database file
hold none of the secret values; a changed role reaches the runs started afterwards."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

from tests.acceptance.conftest import ok, ok_json, stoker
from tests.support.daemon import DaemonProcess
from tests.support.waiting import eventually

pytestmark = pytest.mark.spark

#: Reads the role's table with psycopg, then waits (live, for the /proc scan) for its
#: release file.
SCRIPT = r"""
import hashlib, os, sys, time
import psycopg
from stoker.job import get_resolved_options, role
args = get_resolved_options(sys.argv, ["table", "release", "want"])
pg = role.jdbc("pg")
rest = pg["url"].removeprefix("jdbc:postgresql://")
hostport, dbname = rest.split("/", 1)
host, port = hostport.split(":")
with psycopg.connect(host=host, port=int(port), dbname=dbname, user=pg["user"],
                     password=pg["password"]) as conn:
    count, total = conn.execute(f"SELECT count(*), sum(n) FROM {args['table']}").fetchone()
print(f"role {role.name()} rows {count} sum {total}", flush=True)
print("greeting", os.environ.get("GREETING"), flush=True)
value = spark.sparkContext._jsc.hadoopConfiguration().get("fs.s3a.secret.key") or ""
print("hadoop", hashlib.sha256(value.encode()).hexdigest() == args["want"], flush=True)
deadline = time.monotonic() + 120
while not os.path.exists(args["release"]) and time.monotonic() < deadline:
    time.sleep(0.2)
"""


@pytest.fixture
def pg_reader(pg_url: str) -> Iterator[tuple[str, str, str, str]]:
    """A PostgreSQL user with a password and a table only it may read: (jdbc url, user,
    password, table)."""
    engine = sa.create_engine(pg_url)
    suffix = uuid.uuid4().hex[:10]
    user, table = f"role_user_{suffix}", f"role_table_{suffix}"
    password = f"PgPw-{uuid.uuid4().hex}"
    with engine.begin() as conn:
        conn.execute(sa.text(f"CREATE USER {user} PASSWORD '{password}'"))
        conn.execute(sa.text(f"CREATE TABLE {table} (n integer)"))
        conn.execute(sa.text(f"INSERT INTO {table} VALUES (1), (2), (3)"))
        # Other tests recreate the public schema, which then grants PUBLIC nothing.
        conn.execute(sa.text(f"GRANT USAGE ON SCHEMA public TO {user}"))
        conn.execute(sa.text(f"GRANT SELECT ON {table} TO {user}"))
    url = urlsplit(pg_url)
    jdbc = f"jdbc:postgresql://{url.hostname}:{url.port}{url.path}"
    try:
        yield jdbc, user, password, table
    finally:
        with engine.begin() as conn:
            conn.execute(sa.text(f"DROP TABLE {table}"))
            conn.execute(sa.text(f"REVOKE USAGE ON SCHEMA public FROM {user}"))
            conn.execute(sa.text(f"DROP USER {user}"))
        engine.dispose()


def cmdlines() -> str:
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        with contextlib.suppress(OSError):
            raw = Path(f"/proc/{pid}/cmdline").read_bytes()
            found.append(raw.replace(b"\0", b" ").decode(errors="replace"))
    return "\n".join(found)


def read_role(daemon: DaemonProcess, run_id: str) -> None:
    """Waits until the run has printed what it read from its role; a run that ends first
    fails the test with its state, error and output."""

    def printed() -> bool:
        if "hadoop" in daemon.logs(run_id):
            return True
        run = daemon.run(run_id)
        assert run["state"] in {"STARTING", "WAITING", "RUNNING"}, (
            run, daemon.logs(run_id), daemon.logs(run_id, "stderr")[-3000:],
        )  # fmt: skip
        return False

    eventually(printed, f"run {run_id} printed what it read from its role", timeout=240)


def test_role_credentials_reach_runs_and_nothing_else(
    start_daemon: Callable[..., DaemonProcess], pg_reader: tuple[str, str, str, str],
    tmp_path: Path,
) -> None:
    jdbc, user, password, table = pg_reader
    s3_secret, greeting = f"S3Secret-{uuid.uuid4().hex}", f"Hello-{uuid.uuid4().hex}"
    secrets = [password, s3_secret, greeting]
    daemon = start_daemon(pool_size=1)
    role_file = tmp_path / "role.json"
    role_file.write_text(json.dumps({"hadoop_conf": {"spark.hadoop.fs.s3a.secret.key": s3_secret}}))
    role_file.chmod(0o600)
    created = ok_json(stoker(
        "roles", "create", "etl", "--file", str(role_file), "--jdbc", f"pg={jdbc}",
        "--jdbc-user", f"pg={user}", "--jdbc-password", "pg=PG_SECRET", "--env", "GREETING",
        "-o", "json", daemon=daemon, env={"PG_SECRET": password, "GREETING": greeting},
    ))  # fmt: skip
    assert created["jdbc"]["pg"] == {"url": jdbc, "user": user, "password": "****"}
    assert created["hadoop_conf"] == {"fs.s3a.secret.key": "****"}
    assert created["env"] == {"GREETING": "****"}
    release = tmp_path / "release"
    want = hashlib.sha256(s3_secret.encode()).hexdigest()
    arguments = {"--table": table, "--release": str(release), "--want": want}
    daemon.create_job("warm", SCRIPT, role="etl", default_arguments=arguments)
    daemon.create_job("cold", SCRIPT, role="etl", executor="isolated",
                      default_arguments=arguments)  # fmt: skip
    runs = [daemon.start_run(job)["id"] for job in ("warm", "cold")]
    for run_id in runs:
        read_role(daemon, run_id)
    live = cmdlines()
    assert "stoker.executors.pool.driver" in live and "SparkSubmit" in live
    assert not [s for s in secrets if s in live]
    release.touch()
    for run_id in runs:
        assert daemon.wait_state(run_id, timeout=120)["state"] == "SUCCEEDED", daemon.logs(run_id)
        out = daemon.logs(run_id)
        assert "role etl rows 3 sum 6" in out and f"greeting {greeting}" in out, out
        assert "hadoop True" in out, out
    shown = [
        ok(stoker("jobs", "get", "warm", "-o", "json", daemon=daemon)),
        ok(stoker("jobs", "get", "cold", daemon=daemon)),
        ok(stoker("roles", "get", "etl", daemon=daemon)),
        ok(stoker("roles", "get", "etl", "-o", "json", daemon=daemon)),
        ok(stoker("roles", "list", "-o", "json", daemon=daemon)),
        ok(stoker("export", daemon=daemon)),
        json.dumps([daemon.events(run_id) for run_id in runs]),
        daemon.log_path.read_text(errors="replace"),
    ]
    assert '"role": "etl"' in shown[0] and "****" in shown[2]
    for text in shown:
        assert not [s for s in secrets if s in text], text[:2000]
    stored = b"".join(p.read_bytes() for p in (daemon.workdir / "data").glob("stoker.db*"))
    assert not [s for s in secrets if s.encode() in stored]

    # A changed role reaches the runs started afterwards.
    ok(stoker("roles", "update", "etl", "--env", "GREETING=changed", daemon=daemon))
    again = daemon.start_run("warm")["id"]
    read_role(daemon, again)
    release.touch()
    assert daemon.wait_state(again, timeout=120)["state"] == "SUCCEEDED"
    assert "greeting changed" in daemon.logs(again)
