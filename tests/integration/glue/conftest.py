"""One local SparkSession for every Glue frame test, the awsglue site on sys.path, a stand-in
GlueContext (only ``spark_session``: the real one is built elsewhere), and frame helpers."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from pyspark.sql import DataFrame, SparkSession

SITE = Path(__file__).resolve().parents[3] / "stoker" / "glue" / "site"


@pytest.fixture(scope="session")
def spark() -> Iterator[SparkSession]:
    session = (
        SparkSession.builder.master("local[2]")
        .appName("stoker-glue-frames-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .getOrCreate()
    )
    yield session
    session.stop()


@pytest.fixture(scope="session", autouse=True)
def awsglue_site() -> Iterator[None]:
    """Put the awsglue and awsgluedq packages where `import awsglue` finds them, as runs do."""
    sys.path.insert(0, str(SITE))
    yield
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
