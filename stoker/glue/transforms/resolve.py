"""Glue's resolveChoice: turning choice columns (see ``stoker.glue.choice``) into plain ones."""
# ruff: noqa: N812 - pyspark's own F/T convention

from __future__ import annotations

from pyspark.sql import DataFrame
from pyspark.sql import functions as F
from pyspark.sql import types as T

from stoker.errors import InvalidInput
from stoker.glue.gluetypes import CHOICE_KEY, from_spark, is_choice, spark_type
from stoker.glue.transforms.errors import GlueNotSupported
from stoker.glue.transforms.paths import column_of, field_type, quote, replace_nested, split_path


def resolve(df: DataFrame, specs: list[tuple[str, str]] | None, choice: str) -> DataFrame:
    """Glue's resolveChoice: each ``(path, action)`` spec, or one action for every choice."""
    if specs and choice:
        raise InvalidInput("resolveChoice takes specs or choice, not both", field="choice")
    if specs:
        for path, action in specs:
            df = resolve_path(df, path, action)
        return df
    if not choice:
        raise InvalidInput("resolveChoice needs specs or a choice action", field="specs")
    for field in df.schema.fields:
        if is_choice(field):
            df = resolve_path(df, quote(field.name), choice)
    return df


def resolve_path(df: DataFrame, path: str, action: str) -> DataFrame:
    """One field resolved by one action: cast:T, project:T, make_cols or make_struct."""
    segments = split_path(path)
    field = field_type(df.schema, segments)
    if field is None:
        raise InvalidInput(
            f"resolveChoice: field {path!r} does not exist", field="path", value=path
        )
    verb, _, type_name = action.strip().partition(":")
    verb = verb.lower()
    if verb == "match_catalog":
        raise GlueNotSupported(
            "resolveChoice match_catalog is not supported: use cast:<type> per field"
        )
    if verb not in ("cast", "project", "make_cols", "make_struct"):
        raise InvalidInput(
            f"resolveChoice: unknown action {action!r}", field="action", value=action
        )
    if verb in ("cast", "project") and not type_name:
        raise InvalidInput(f"resolveChoice: {verb} needs a type, as {verb}:<type>", field="action")
    if not is_choice(field):
        return _resolve_plain(df, segments, field, verb, type_name)
    if len(segments) > 1:
        raise GlueNotSupported(f"resolveChoice of a nested choice ({path!r}) is not supported")
    return _resolve_choice(df, field, verb, type_name)


def _resolve_plain(
    df: DataFrame, segments: list[str], field: T.StructField, verb: str, type_name: str
) -> DataFrame:
    if verb in ("make_cols", "make_struct"):
        return df
    target = spark_type(type_name)
    if field.dataType == target:
        return df
    return replace_nested(df, segments, column_of(segments).try_cast(target))


def _resolve_choice(df: DataFrame, field: T.StructField, verb: str, type_name: str) -> DataFrame:
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
    target = spark_type(type_name)
    if verb == "project":
        wanted = from_spark(target).typeName()
        value = parts[wanted] if wanted in parts else F.lit(None).cast(target)
    else:
        value = F.coalesce(*[column.try_cast(target) for column in parts.values()])
    return df.select(*others[:at], value.alias(name), *others[at + 1 :])
