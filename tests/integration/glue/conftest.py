"""The Glue runtime's fixtures: the laptop plugin's shared SparkSession, with the JDBC jars."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

pytest_plugins = ["stoker.glue.testing"]


@pytest.fixture(scope="session")
def glue_spark(jdbc_jars: str) -> Iterator[Any]:
    """The plugin's shared session, with the JDBC drivers on its classpath."""
    from pyspark.sql import SparkSession

    from stoker.glue.testing import enable

    enable()
    spark = (SparkSession.builder.master("local[2]").appName("glue-tests")
             .config("spark.jars", jdbc_jars).config("spark.ui.enabled", "false")
             .getOrCreate())  # fmt: skip
    yield spark
    spark.stop()
