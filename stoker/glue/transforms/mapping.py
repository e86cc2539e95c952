"""Glue's ApplyMapping and SelectFields: fields picked by path, retyped, placed at target paths.

A mapping is ``(source, source_type, target, target_type)``; the shorter forms Glue scripts
use are ``(source, target)`` (type kept) and three-tuples, read as ``(source, source_type,
target)`` unless only the last element names a type, then ``(source, target, target_type)``.
Sources missing from the frame are skipped (a DynamicFrame's records simply lack them);
values that do not convert become null, as Glue's casts give.
"""
# ruff: noqa: N812 - pyspark's own F/T convention

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F
from pyspark.sql import types as T

from stoker.errors import InvalidInput
from stoker.glue.gluetypes import is_choice, is_type_name, spark_type
from stoker.glue.transforms.paths import canonical, column_of, field_type, split_path

#: A target tree: each name holds a column or a subtree (a struct to build).
Tree = dict[str, "Column | Tree"]


@dataclass(frozen=True)
class Mapping:
    """One normalised mapping."""

    source: list[str]
    target: list[str]
    target_type: T.DataType | None


def normalise(mapping: Sequence[object]) -> Mapping:
    """A mapping tuple of 2, 3 or 4 elements as one Mapping."""
    items = list(mapping)
    if not all(isinstance(x, str) for x in items) or len(items) not in (2, 3, 4):
        raise InvalidInput(
            f"a mapping is (source, source_type, target, target_type); got {mapping!r}",
            field="mappings",
        )
    names = [str(x) for x in items]
    if len(names) == 4:
        source, target, kind = names[0], names[2], names[3]
    elif len(names) == 3 and is_type_name(names[2]) and not is_type_name(names[1]):
        source, target, kind = names[0], names[1], names[2]
    elif len(names) == 3:
        source, target, kind = names[0], names[2], names[1]
    else:
        source, target, kind = names[0], names[1], ""
    return Mapping(split_path(source), split_path(target), spark_type(kind) if kind else None)


def apply_mapping(df: DataFrame, mappings: Sequence[Sequence[object]]) -> DataFrame:
    """Only the mapped fields, each at its target path with its target type."""
    tree: Tree = {}
    for mapping in map(normalise, mappings):
        source = canonical(df.schema, mapping.source)
        field = field_type(df.schema, mapping.source)
        if source is None or field is None:
            continue
        _place(tree, mapping.target, _converted(field, column_of(source), mapping.target_type))
    return df.select(*_columns(tree))


def select_fields(df: DataFrame, paths: Sequence[str]) -> DataFrame:
    """Only the fields at ``paths`` (nested paths keep their enclosing structs)."""
    tree: Tree = {}
    for path in paths:
        segments = canonical(df.schema, split_path(path))
        field = field_type(df.schema, segments or [])
        if segments is not None and field is not None:
            _place(tree, segments, column_of(segments), field)
    return df.select(*_columns(tree))


def _converted(field: T.StructField, value: Column, target: T.DataType | None) -> Column:
    if target is None or (field.dataType == target and not is_choice(field)):
        return value
    if is_choice(field):
        assert isinstance(field.dataType, T.StructType)
        return F.coalesce(*[value.getField(p.name).try_cast(target) for p in field.dataType.fields])
    return value.try_cast(target)


def _place(
    tree: Tree, target: list[str], value: Column, field: T.StructField | None = None
) -> None:
    node = tree
    for name in target[:-1]:
        child = node.setdefault(name, {})
        if not isinstance(child, dict):
            raise InvalidInput(f"target {'.'.join(target)!r} is inside a non-struct field")
        node = child
    if field is not None and is_choice(field):
        value = value.alias(target[-1], metadata=dict(field.metadata))
    node[target[-1]] = value


def _columns(tree: Tree) -> list[Column]:
    return [
        F.struct(*_columns(node)).alias(name) if isinstance(node, dict) else node.alias(name)
        for name, node in tree.items()
    ]
