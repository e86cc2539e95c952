"""Glue's resolveChoice: turning choice columns (see ``stoker.glue.choice``) into plain ones.

``match_catalog`` casts each field to the type of the same-named column of a catalog table;
the caller supplies that table's schema (the GlueContext knows the catalog, this module not).
"""
# ruff: noqa: N812 - pyspark's own F/T convention

from __future__ import annotations

from typing import Any

from pyspark.sql import DataFrame
from pyspark.sql import functions as F
from pyspark.sql import types as T

from stoker.errors import InvalidInput
from stoker.glue.gluetypes import CHOICE_KEY, from_spark, is_choice, spark_type
from stoker.glue.transforms.errors import GlueNotSupported
from stoker.glue.transforms.paths import (
    canonical,
    column_of,
    field_type,
    quote,
    replace_nested,
    split_path,
)

_VERBS = ("cast", "project", "make_cols", "make_struct")


def resolve(
    df: DataFrame,
    specs: list[tuple[str, str]] | None,
    choice: str,
    catalog: T.StructType | None = None,
) -> DataFrame:
    """Each ``(path, action)`` spec, or one action for every choice (``match_catalog``: every
    field the catalog schema names)."""
    if specs and choice:
        raise InvalidInput("resolveChoice takes specs or choice, not both", field="choice")
    if specs:
        for path, action in specs:
            df = resolve_path(df, path, action)
        return df
    if not choice:
        raise InvalidInput("resolveChoice needs specs or a choice action", field="specs")
    if choice.strip().lower() == "match_catalog":
        if catalog is None:
            raise GlueNotSupported("resolveChoice match_catalog needs the catalog table's schema")
        return match_schema(df, catalog)
    for field in df.schema.fields:
        if is_choice(field):
            df = resolve_path(df, quote(field.name), choice)
    return df


def match_schema(df: DataFrame, catalog: T.StructType) -> DataFrame:
    """Each field the catalog also has, cast to the catalog's type (choices included)."""
    wanted = {f.name.lower(): f.dataType for f in catalog.fields}
    for field in df.schema.fields:
        target = wanted.get(field.name.lower())
        if target is not None and (is_choice(field) or field.dataType != target):
            df = resolve_path(df, quote(field.name), f"cast:{target.simpleString()}")
    return df


def catalog_schema(
    glue_ctx: Any, database: str | None, table_name: str | None, catalog_id: str | None
) -> T.StructType:
    """A catalog table's schema, from the GlueContext's ``catalog_schema(database, table_name,
    catalog_id)`` (stoker's catalog lives there, not here)."""
    if not (database and table_name):
        raise InvalidInput(
            "resolveChoice match_catalog needs database and table_name", field="database"
        )
    lookup = getattr(glue_ctx, "catalog_schema", None)
    if lookup is None:
        raise GlueNotSupported("resolveChoice match_catalog needs a GlueContext with a catalog")
    schema = lookup(database, table_name, catalog_id)
    if not isinstance(schema, T.StructType):
        raise GlueNotSupported(f"no catalog schema for {database}.{table_name}")
    return schema


def resolve_path(df: DataFrame, path: str, action: str) -> DataFrame:
    """One field resolved by one action: cast:T, project:T, make_cols or make_struct.

    The action is checked first, so a misspelt one is an error even on a missing field.
    """
    verb, _, type_name = action.strip().partition(":")
    verb = verb.lower()
    if verb not in _VERBS:
        raise InvalidInput(
            f"resolveChoice: unknown action {action!r}", field="action", value=action
        )
    target = _target(verb, type_name)
    segments = canonical(df.schema, split_path(path)) or []
    field = field_type(df.schema, segments) if segments else None
    if field is None:
        return df  # a DynamicFrame's records may simply lack the field, as in Glue
    if not is_choice(field):
        if target is None or field.dataType == target:
            return df
        return replace_nested(df, segments, column_of(segments).try_cast(target))
    if len(segments) > 1:
        raise GlueNotSupported(f"resolveChoice of a nested choice ({path!r}) is not supported")
    return _resolve_choice(df, field, verb, target)


def _target(verb: str, type_name: str) -> T.DataType | None:
    if verb not in ("cast", "project"):
        return None
    target = spark_type(type_name) if type_name else None
    if target is None:
        raise InvalidInput(
            f"resolveChoice: {verb} needs an atomic type, as {verb}:long", field="action"
        )
    return target


def _resolve_choice(
    df: DataFrame, field: T.StructField, verb: str, target: T.DataType | None
) -> DataFrame:
    assert isinstance(field.dataType, T.StructType)
    name = field.name
    parts = {f.name: F.col(quote(name)).getField(f.name) for f in field.dataType.fields}
    others = [F.col(quote(f.name)) for f in df.schema.fields]
    at = [f.name for f in df.schema.fields].index(name)
    if verb == "make_struct":
        replaced = [F.col(quote(name)).alias(name, metadata={CHOICE_KEY: False})]
        return df.select(*others[:at], *replaced, *others[at + 1 :])
    if verb == "make_cols":
        made = [column.alias(f"{name}_{part}") for part, column in parts.items()]
        return df.select(*others[:at], made[0], *others[at + 1 :], *made[1:])
    assert target is not None
    if verb == "project":
        wanted = from_spark(target).typeName()
        value = parts[wanted] if wanted in parts else F.lit(None).cast(target)
    else:
        value = F.coalesce(*[column.try_cast(target) for column in parts.values()])
    return df.select(*others[:at], value.alias(name), *others[at + 1 :])
