"""Glue scripts run unchanged as stoker jobs (warm pool and isolated), against real files
and the suite's PostgreSQL; each output equals the same transformation in plain PySpark."""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from tests.integration.bookmarks.conftest import run
from tests.support.daemon import DaemonProcess

pytestmark = pytest.mark.spark

JOBS = Path(__file__).parent / "jobs"
PG_SCHEMA = "glue_jobs"
EXECUTORS = ["pool", "isolated"]


@pytest.fixture(scope="module")
def lake(lake_root: Path) -> Path:
    """Bucket 'lake' (the daemon's [glue] s3_buckets): three CSV files of orders."""
    root = lake_root
    rng = random.Random(14)
    (root / "orders").mkdir(exist_ok=True)
    for part in range(3):
        lines = ["order_id,customer_id,region,amount"]
        for i in range(200):
            n = part * 200 + i
            lines.append(f"o{n},{n % 7},{rng.choice(['eu', 'us', 'apac'])},"
                         f"{rng.randint(0, 5000) / 100}")  # fmt: skip
        (root / "orders" / f"part-{part}.csv").write_text("\n".join(lines) + "\n")
    return root


@pytest.fixture(scope="module")
def warehouse(pg_url: str) -> Iterator[sa.Engine]:
    engine = sa.create_engine(pg_url)
    with engine.begin() as conn:
        conn.execute(sa.text(f"DROP SCHEMA IF EXISTS {PG_SCHEMA} CASCADE"))
        conn.execute(sa.text(f"CREATE SCHEMA {PG_SCHEMA}"))
        conn.execute(sa.text(f"CREATE TABLE {PG_SCHEMA}.customers (customer_id TEXT, name TEXT)"))
        conn.execute(sa.text(f"INSERT INTO {PG_SCHEMA}.customers VALUES (:c, :n)"),
                     [{"c": str(i), "n": f"customer {i}"} for i in range(5)])  # fmt: skip
    yield engine
    engine.dispose()


def register_catalog(daemon: DaemonProcess, pg_url: str, executor: str) -> None:
    """The catalog the runs read, through the daemon's API: the tables and the warehouse."""
    parsed = sa.engine.make_url(pg_url)
    url = f"jdbc:postgresql://{parsed.host}:{parsed.port}/{parsed.database}"
    orders = {"location": "s3://lake/orders/", "format": "csv",
              "format_options": {"withHeader": True},
              "columns": [{"name": "order_id", "type": "string"},
                          {"name": "customer_id", "type": "string"},
                          {"name": "region", "type": "string"},
                          {"name": "amount", "type": "double"}]}  # fmt: skip
    totals = {"location": f"s3://lake/totals-{executor}/", "format": "json", "columns": []}
    created = daemon.http.post("/catalog/databases", json={"name": "sales"})
    assert created.status_code in (201, 409), created.text
    for name, table in (("orders", orders), ("region_totals", totals)):
        put = daemon.http.put(f"/catalog/databases/sales/tables/{name}", json=table)
        assert put.status_code in (200, 201), put.text
    connection = {"name": "warehouse", "url": url, "user": parsed.username,
                  "password": parsed.password or ""}  # fmt: skip
    made = daemon.http.post("/catalog/connections", json=connection)
    assert made.status_code in (201, 409), made.text


def glue_run(daemon: DaemonProcess, name: str, script: str, executor: str, **args: str) -> Any:
    daemon.create_job(name, (JOBS / script).read_text(), executor=executor,
                      default_arguments={f"--{k}": v for k, v in args.items()})  # fmt: skip
    ended = run(daemon, name, timeout=240)
    assert ended["state"] == "SUCCEEDED", (ended, daemon.logs(ended["id"], "stderr")[-3000:])
    return ended


def rows(frame: Any, *columns: str) -> list[tuple[Any, ...]]:
    return sorted(tuple(r[c] for c in columns) for r in frame.select(*columns).collect())


@pytest.mark.parametrize("executor", EXECUTORS)
def test_csv_to_partitioned_parquet(
    daemon: DaemonProcess, lake: Path, pg_url: str, glue_spark: Any, tmp_path: Path,
    executor: str,
) -> None:  # fmt: skip
    from pyspark.sql import functions as F

    register_catalog(daemon, pg_url, executor)
    glue_run(
        daemon,
        f"glue-parquet-{executor}",
        "csv_to_parquet.py",
        executor,
        source_path="s3://lake/orders/",
        target_path=f"s3://lake/parquet-{executor}/",
    )
    plain = (glue_spark.read.option("header", "true").csv(str(lake / "orders"))
             .withColumn("amount", F.col("amount").cast("double")).where(F.col("amount") >= 10)
             .withColumn("region", F.upper(F.col("region"))))  # fmt: skip
    got = glue_spark.read.parquet(str(lake / f"parquet-{executor}"))
    assert sorted(p.name for p in (lake / f"parquet-{executor}").glob("region=*")) == [
        "region=APAC", "region=EU", "region=US"]  # fmt: skip
    columns = ("order_id", "region", "amount")
    assert rows(got, *columns) == rows(plain, *columns)
    assert len(rows(got, *columns)) > 100


@pytest.mark.parametrize("executor", EXECUTORS)
def test_catalog_source_sql_and_catalog_sink(
    daemon: DaemonProcess, lake: Path, pg_url: str, glue_spark: Any, tmp_path: Path,
    executor: str,
) -> None:  # fmt: skip
    register_catalog(daemon, pg_url, executor)
    ended = glue_run(daemon, f"glue-catalog-{executor}", "catalog_sql.py", executor)
    orders = glue_spark.read.option("header", "true").csv(str(lake / "orders"))
    orders.selectExpr("region", "CAST(amount AS DOUBLE) AS amount").createOrReplaceTempView("o")
    plain = glue_spark.sql("select region, count(*) as orders, round(sum(amount), 2) as total "
                           "from o group by region")  # fmt: skip
    got = glue_spark.read.json(str(lake / f"totals-{executor}"))
    assert rows(got, "region", "orders", "total") == rows(plain, "region", "orders", "total")
    assert "GlueLogger: orders read: 600" in daemon.logs(ended["id"], "stderr")
    # The catalog sink's update, applied by the daemon when the run ended.
    table = daemon.http.get("/catalog/databases/sales/tables/region_totals").json()
    assert [c["name"] for c in table["columns"]] == ["region", "orders", "total"]


@pytest.mark.parametrize("executor", EXECUTORS)
def test_postgresql_source_and_sink(
    daemon: DaemonProcess, lake: Path, pg_url: str, warehouse: sa.Engine, glue_spark: Any,
    tmp_path: Path, executor: str,
) -> None:  # fmt: skip
    register_catalog(daemon, pg_url, executor)
    target = f"{PG_SCHEMA}.joined_{executor}"
    glue_run(
        daemon,
        f"glue-pg-{executor}",
        "postgres_join.py",
        executor,
        source_path="s3://lake/orders/",
        customers_table=f"{PG_SCHEMA}.customers",
        target_table=target,
    )
    orders = glue_spark.read.option("header", "true").csv(str(lake / "orders"))
    with warehouse.connect() as conn:
        customers = glue_spark.createDataFrame(
            [tuple(r) for r in conn.execute(sa.text(f"SELECT * FROM {PG_SCHEMA}.customers"))],
            "customer_id string, name string",
        )
        got = sorted(tuple(r) for r in conn.execute(
            sa.text(f"SELECT order_id, name, amount FROM {target}")))  # fmt: skip
    plain = orders.join(customers, "customer_id").selectExpr(
        "order_id", "name", "CAST(amount AS DOUBLE) AS amount")  # fmt: skip
    assert got == rows(plain, "order_id", "name", "amount")
    assert len(got) > 300
