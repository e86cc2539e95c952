"""Glue's record functions (Map, Filter): a Python function per record, failures as error records.

Glue hands each record to the function as a dict and counts a record whose function raises
as an error of the frame (``errorsCount``) instead of failing the job; so does this. Each
result is ``(error, value)``: the kept row, or the message of the failure.
"""
# ruff: noqa: N812 - pyspark's own F/T convention

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pyspark import RDD
from pyspark.sql import DataFrame, Row
from pyspark.sql import types as T

from stoker.glue.gluetypes import is_choice
from stoker.glue.transforms.schema_infer import coerce, infer_schema, merge, signature

Tagged = tuple[str | None, Any]


class DynamicRecord(dict[str, Any]):
    """One record as Glue's functions see it: a dict of its fields (nested records are dicts)."""


def _to_record(row: Row, choices: frozenset[str]) -> DynamicRecord:
    record = DynamicRecord(row.asDict(recursive=True))
    for name in choices:
        parts = record.get(name)
        if isinstance(parts, dict):
            record[name] = next((v for v in parts.values() if v is not None), None)
    return record


def _failure(exc: Exception) -> str:
    return f"{type(exc).__name__}: {exc}"


def filter_rows(df: DataFrame, f: Callable[[DynamicRecord], Any]) -> tuple[DataFrame, RDD[Tagged]]:
    """The rows ``f`` keeps, and the tagged results whose errors are the failed records."""
    choices = frozenset(x.name for x in df.schema.fields if is_choice(x))

    def judge(row: Row) -> Tagged:
        try:
            keep = bool(f(_to_record(row, choices)))
        except Exception as exc:  # a failing record is an error record, as in Glue
            return (_failure(exc), None)
        return (None, row if keep else None)

    tagged = df.rdd.map(judge)
    kept = tagged.filter(lambda t: t[1] is not None).map(lambda t: t[1])
    return df.sparkSession.createDataFrame(kept, df.schema), tagged


def map_rows(df: DataFrame, f: Callable[[DynamicRecord], Any]) -> tuple[DataFrame, RDD[Tagged]]:
    """The records ``f`` returns, typed from their values, and the tagged results.

    The output schema comes from one pass over every returned record (Glue computes its
    schema from the records too); fields keep their input type where the values still fit.
    """
    choices = frozenset(x.name for x in df.schema.fields if is_choice(x))

    def run(row: Row) -> Tagged:
        try:
            out = f(_to_record(row, choices))
        except Exception as exc:  # a failing record is an error record, as in Glue
            return (_failure(exc), None)
        if not isinstance(out, dict):
            return (f"the map function returned {type(out).__name__}, not a record", None)
        return (None, out)

    shapes = df.rdd.map(run).filter(lambda t: t[0] is None).map(lambda t: signature(t[1]))
    shape = shapes.fold(None, merge)
    schema = infer_schema(shape, df.schema)

    def typed(row: Row) -> Tagged:
        error, out = run(row)
        if error is not None:
            return (error, None)
        try:
            return (None, coerce(out, schema))
        except (TypeError, ValueError) as exc:
            return (_failure(exc), None)

    tagged = df.rdd.map(typed)
    good = tagged.filter(lambda t: t[0] is None).map(lambda t: t[1])
    return df.sparkSession.createDataFrame(good, schema, verifySchema=False), tagged


def error_count(tagged: RDD[Tagged]) -> int:
    """How many records failed."""
    return tagged.filter(lambda t: t[0] is not None).count()


def empty_schema() -> T.StructType:
    """The schema of a frame no record reached."""
    return T.StructType([])
