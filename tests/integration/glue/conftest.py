"""The Glue runtime's fixtures: the laptop plugin's shared SparkSession (with the JDBC
jars) and one real daemon (one warm driver) for the Glue job suites."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

# The laptop plugin's fixture, as a user's conftest gets it (pytest_plugins only works in a
# top-level conftest, so it is imported here).
from stoker.glue.testing import glue_context  # noqa: F401
from tests.support.daemon import DaemonProcess


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


@pytest.fixture(scope="package")
def daemon(tmp_path_factory: pytest.TempPathFactory, jdbc_jars: str) -> Iterator[DaemonProcess]:
    conf = json.dumps({"spark.jars": jdbc_jars})
    proc = DaemonProcess(
        tmp_path_factory.mktemp("glue"), pool_size=1, env={"STOKER_SPARK__CONF": conf}
    ).start()
    yield proc
    proc.stop()
