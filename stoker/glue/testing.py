"""Unit-test Glue scripts on a laptop with plain pytest and local Spark (the opt-in).

``pip install stoker[glue]``, then in a ``conftest.py``::

    pytest_plugins = ["stoker.glue.testing"]

and a test takes ``glue_context`` (a GlueContext over a shared local SparkSession, an
empty catalog, ``s3://`` unmapped) or builds its own context with :func:`use_context`.
Outside tests, :func:`enable` makes ``import awsglue`` resolve to stoker's implementation;
nothing does so implicitly, so a real ``awsglue`` is never shadowed.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from stoker.glue.runcontext import CONTEXT_ENV

SITE = str(Path(__file__).resolve().parent / "site")


def enable() -> None:
    """Put stoker's ``awsglue`` and ``awsgluedq`` first on ``sys.path``."""
    if SITE not in sys.path:
        sys.path.insert(0, SITE)


def write_context(
    path: Path, *, s3: Mapping[str, str] | None = None,
    databases: Mapping[str, Any] | None = None, connections: Mapping[str, Any] | None = None,
    updates: Path | None = None,
) -> Path:  # fmt: skip
    """Write a Glue context file (the daemon's format) and return its path."""
    document = {"version": 1, "s3": dict(s3 or {}), "databases": dict(databases or {}),
                "connections": dict(connections or {}),
                "updates": str(updates) if updates else None}  # fmt: skip
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def use_context(path: Path) -> None:
    """Make GlueContexts created from now on read ``path`` (``STOKER_GLUE_CONTEXT``)."""
    os.environ[CONTEXT_ENV] = str(path)


@pytest.fixture(scope="session")
def glue_spark() -> Iterator[Any]:
    """One local SparkSession for every test of the session (a start costs seconds)."""
    from pyspark.sql import SparkSession

    enable()
    spark = SparkSession.builder.master("local[2]").appName("glue-tests").getOrCreate()
    yield spark
    spark.stop()


@pytest.fixture
def glue_context(glue_spark: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """A GlueContext with an empty catalog whose updates go to ``tmp_path``."""
    from stoker.glue.context import GlueContext

    context = write_context(tmp_path / "glue-context.json", updates=tmp_path / "updates.jsonl")
    monkeypatch.setenv(CONTEXT_ENV, str(context))
    return GlueContext(glue_spark.sparkContext)
