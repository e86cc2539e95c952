"""The Glue runtime's fixtures: one local SparkSession for every Glue test (the laptop
plugin's, with the JDBC jars), the awsglue site on sys.path, a stand-in GlueContext for the
frame tests (only ``spark_session``), frame helpers, and one real daemon (one warm driver)
for the Glue job suites."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from pyspark.sql import DataFrame, SparkSession

# The laptop plugin's fixture, as a user's conftest gets it (pytest_plugins only works in a
# top-level conftest, so it is imported here).
from stoker.glue.testing import glue_context  # noqa: F401
from tests.support.daemon import DaemonProcess

SITE = Path(__file__).resolve().parents[3] / "stoker" / "glue" / "site"


@pytest.fixture(scope="session")
def glue_spark(jdbc_jars: str) -> Iterator[Any]:
    """The plugin's shared session, with the JDBC drivers on its classpath."""
    from stoker.glue.testing import enable

    enable()
    # Workers unpickle the tests' functions, whose modules import the suite's packages: they
    # must run this interpreter, not whichever python3 is first on PATH.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    spark = (SparkSession.builder.master("local[2]").appName("glue-tests")
             .config("spark.jars", jdbc_jars).config("spark.ui.enabled", "false")
             .config("spark.sql.shuffle.partitions", "2")
             .getOrCreate())  # fmt: skip
    yield spark
    spark.stop()


@pytest.fixture(scope="session")
def spark(glue_spark: SparkSession) -> SparkSession:
    """The frame tests' name for the one session (a process has one SparkContext)."""
    return glue_spark


@pytest.fixture(scope="session", autouse=True)
def awsglue_site() -> Iterator[None]:
    """Put the awsglue and awsgluedq packages where `import awsglue` finds them, as runs do."""
    sys.path.insert(0, str(SITE))
    yield
    if str(SITE) in sys.path:
        sys.path.remove(str(SITE))


@pytest.fixture(scope="session")
def glue_ctx(spark: SparkSession) -> Any:
    return SimpleNamespace(spark_session=spark)


def rows(df: DataFrame) -> list[tuple[Any, ...]]:
    """A frame's rows as sorted tuples: order-free comparison with the plain PySpark result."""
    return sorted((tuple(r) for r in df.collect()), key=repr)


def same(glue: DataFrame, plain: DataFrame) -> None:
    """The Glue transform's result equals the plain PySpark one: columns, types and rows."""
    assert glue.schema.simpleString() == plain.schema.simpleString()
    assert rows(glue) == rows(plain)


@pytest.fixture(scope="package")
def lake_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The directory the daemon maps bucket ``lake`` to."""
    return tmp_path_factory.mktemp("lake")


@pytest.fixture(scope="package")
def daemon(
    tmp_path_factory: pytest.TempPathFactory, jdbc_jars: str, lake_root: Path
) -> Iterator[DaemonProcess]:
    env = {
        "STOKER_SPARK__CONF": json.dumps({"spark.jars": jdbc_jars}),
        "STOKER_GLUE__S3_BUCKETS": json.dumps({"lake": str(lake_root)}),
    }
    proc = DaemonProcess(tmp_path_factory.mktemp("glue"), pool_size=1, env=env).start()
    yield proc
    proc.stop()
