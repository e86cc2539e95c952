"""Glue's Relationalize: a nested frame as flat tables, arrays pivoted out into their own.

The root table is the frame unnested (``a.b`` names); each array column is replaced by a
join key and pivoted into the table ``<table>_<column>`` with ``id`` (that key), ``index``
(the element's position from 0) and the element, unnested under ``<column>.val``. Arrays
inside elements recurse. Keys are fixed once (a local checkpoint), so the tables of one
call always join, however often Spark recomputes them.
"""
# ruff: noqa: N812 - pyspark's own F/T convention

from __future__ import annotations

from pyspark.sql import DataFrame
from pyspark.sql import functions as F
from pyspark.sql import types as T

from stoker.glue.transforms.fields import unnest
from stoker.glue.transforms.paths import quote

_KEY = "__stoker_key"


def relationalize(df: DataFrame, root: str) -> dict[str, DataFrame]:
    """The tables, the root table first, by name."""
    tables: dict[str, DataFrame] = {}
    _pivot(unnest(df), root, tables)
    return tables


def _pivot(flat: DataFrame, name: str, tables: dict[str, DataFrame]) -> None:
    arrays = [f.name for f in flat.schema.fields if isinstance(f.dataType, T.ArrayType)]
    if not arrays:
        tables[name] = flat
        return
    keyed = flat.withColumn(_KEY, F.monotonically_increasing_id()).localCheckpoint()
    tables[name] = keyed.select(
        *[
            F.when(F.col(quote(c)).isNotNull(), F.col(_KEY)).alias(c)
            if c in arrays
            else F.col(quote(c))
            for c in flat.columns
        ]
    )
    for column in arrays:
        exploded = keyed.select(
            F.col(_KEY).alias("id"), F.posexplode(F.col(quote(column))).alias("index", "val")
        )
        element = exploded.select(
            "id",
            F.col("index").cast(T.IntegerType()).alias("index"),
            F.col("val").alias(f"{column}.val"),
        )
        _pivot(unnest(element), f"{name}_{column}", tables)
