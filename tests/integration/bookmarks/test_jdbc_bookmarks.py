"""JDBC bookmarks with real Spark on SQLite and the suite's PostgreSQL: only new rows, by one
or two key columns, ascending and descending."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from tests.integration.bookmarks.conftest import run
from tests.support.daemon import DaemonProcess
from tests.support.waiting import unique

pytestmark = pytest.mark.spark

JDBC_JOB = """\
import json, sys
from stoker.job import init

job = init(sys.argv)
a = job.arguments
frame = job.jdbc(a["url"], a["table"], keys=a["keys"].split(","), sort_order=a["order"],
                 transformation_ctx="src")
rows = sorted([r["a"], r["b"]] for r in frame.collect())
with open(f"{a['out']}/{job.run_id}.json", "w") as out:
    json.dump(rows, out)
job.commit()
"""

Insert = Callable[[list[tuple[int, int]]], None]
PG_SCHEMA = "bookmark_jdbc"


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, str, Insert]]:
    """(JDBC URL, table, insert rows) of an empty table events(a, b, v)."""
    if request.param == "sqlite":
        path = tmp_path / "source.db"
        with sqlite3.connect(path) as conn:
            conn.execute("CREATE TABLE events (a INTEGER, b INTEGER, v TEXT)")

        def insert_sqlite(rows: list[tuple[int, int]]) -> None:
            with sqlite3.connect(path) as conn:
                conn.executemany("INSERT INTO events VALUES (?, ?, 'x')", rows)

        yield f"jdbc:sqlite:{path}", "events", insert_sqlite
        return
    url = request.getfixturevalue("pg_url")
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text(f"DROP SCHEMA IF EXISTS {PG_SCHEMA} CASCADE"))
        conn.execute(sa.text(f"CREATE SCHEMA {PG_SCHEMA}"))
        conn.execute(sa.text(f"CREATE TABLE {PG_SCHEMA}.events (a INT, b INT, v TEXT)"))

    def insert_pg(rows: list[tuple[int, int]]) -> None:
        with engine.begin() as conn:
            conn.execute(sa.text(f"INSERT INTO {PG_SCHEMA}.events VALUES (:a, :b, 'x')"),
                         [{"a": a, "b": b} for a, b in rows])  # fmt: skip

    parsed = sa.engine.make_url(url)
    jdbc = f"jdbc:postgresql://{parsed.host}:{parsed.port}/{parsed.database}?user={parsed.username}"
    yield jdbc, f"{PG_SCHEMA}.events", insert_pg
    engine.dispose()


def job(daemon: DaemonProcess, tmp_path: Path, name: str, url: str, table: str, keys: str,
        order: str) -> Path:  # fmt: skip
    out = tmp_path / "out"
    out.mkdir()
    daemon.create_job(name, JDBC_JOB, default_arguments={
        "--url": url, "--table": table, "--keys": keys, "--order": order, "--out": str(out),
        "--job-bookmark-option": "job-bookmark-enable",
    })  # fmt: skip
    return out


def taken(out: Path, ended: dict[str, Any]) -> list[list[int]]:
    assert ended["state"] == "SUCCEEDED", ended.get("error_message")
    return list(json.loads((out / f"{ended['id']}.json").read_text()))


@pytest.mark.parametrize(
    ("keys", "order", "first", "second"),
    [
        # One increasing key.
        ("a", "asc", [(1, 0), (2, 0)], [(3, 0), (4, 0)]),
        # A compound key: rows after (2, 5) in (a, b) order, some sharing a = 2.
        ("a,b", "asc", [(1, 9), (2, 5)], [(2, 6), (2, 7), (3, 0)]),
        # Keys that only decrease (e.g. a countdown id).
        ("a", "desc", [(10, 0), (9, 0)], [(8, 0), (7, 0)]),
        ("a,b", "desc", [(9, 9), (8, 5)], [(8, 4), (7, 9)]),
    ],
)
def test_only_new_rows_are_read(
    daemon: DaemonProcess, tmp_path: Path, database: tuple[str, str, Insert],
    request: pytest.FixtureRequest, keys: str, order: str,
    first: list[tuple[int, int]], second: list[tuple[int, int]],
) -> None:  # fmt: skip
    url, table, insert = database
    name = "jdbc_" + request.node.callspec.id.replace("-", "_").replace(",", "_")
    out = job(daemon, tmp_path, name, url, table, keys, order)
    insert(first)
    assert taken(out, run(daemon, name)) == sorted(list(r) for r in first)
    insert(second)
    assert taken(out, run(daemon, name)) == sorted(list(r) for r in second)
    assert taken(out, run(daemon, name)) == []
    state = daemon.http.get(f"/jobs/{name}/bookmark").json()["elements"]["src"]
    assert (state["type"], state["keys"], state["order"]) == ("jdbc", keys.split(","), order)


def test_bookmark_keys_that_are_not_columns_fail_the_run_clearly(
    daemon: DaemonProcess, tmp_path: Path, database: tuple[str, str, Insert]
) -> None:
    url, table, insert = database
    name = unique("jdbc-bad-keys")
    out = job(daemon, tmp_path, name, url, table, "a,nope", "asc")
    insert([(1, 1)])
    ended = run(daemon, name)
    assert ended["state"] == "FAILED"
    assert "nope are not columns of the table" in ended["error_message"]
    assert not list(out.glob("*.json"))
    assert daemon.http.get(f"/jobs/{name}/bookmark").json()["version"] == 0
