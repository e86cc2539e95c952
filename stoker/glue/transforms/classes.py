"""Glue's transform classes (``awsglue.transforms``): ``X.apply(...)`` and ``X()(...)`` alike.

Each takes Glue's keyword arguments; ``transformation_ctx`` and ``info`` are accepted, the
error thresholds passed on to the frame operations that enforce them.
"""
# ruff: noqa: N802, N803 - Glue's API names are camelCase

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from stoker.glue.dynamicframe import DynamicFrame, DynamicFrameCollection
from stoker.glue.transforms.fields import null_fields


class GlueTransform:
    """The base of Glue's transforms: ``apply`` builds one and calls it."""

    @classmethod
    def apply(cls, *args: Any, **kwargs: Any) -> Any:
        """Glue's class-level call: ``ApplyMapping.apply(frame=..., mappings=...)``."""
        return cls()(*args, **kwargs)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError

    @classmethod
    def name(cls) -> str:
        """The transform's name."""
        return cls.__name__

    @classmethod
    def describeArgs(cls) -> list[dict[str, Any]]:
        """Glue's self-description (kept minimal)."""
        return []

    @classmethod
    def describeReturn(cls) -> dict[str, Any]:
        """Glue's self-description (kept minimal)."""
        return {}

    @classmethod
    def describeTransform(cls) -> str:
        """Glue's self-description: the class's docstring."""
        return (cls.__doc__ or "").strip()

    @classmethod
    def describeErrors(cls) -> list[dict[str, Any]]:
        """Glue's self-description (kept minimal)."""
        return []

    @classmethod
    def describe(cls) -> dict[str, Any]:
        """Glue's self-description, all parts."""
        return {"transform": {"name": cls.name(), "description": cls.describeTransform()}}


class ApplyMapping(GlueTransform):
    """Only the mapped fields, renamed, moved and retyped."""

    def __call__(
        self,
        frame: DynamicFrame,
        mappings: Sequence[Sequence[object]],
        case_sensitive: bool = False,
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
    ) -> DynamicFrame:
        return frame.apply_mapping(mappings, case_sensitive, transformation_ctx)


class SelectFields(GlueTransform):
    """Only the fields at ``paths``."""

    def __call__(
        self,
        frame: DynamicFrame,
        paths: Sequence[str],
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
    ) -> DynamicFrame:
        return frame.select_fields(paths, transformation_ctx)


class DropFields(GlueTransform):
    """Without the fields at ``paths``."""

    def __call__(
        self,
        frame: DynamicFrame,
        paths: Sequence[str],
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
    ) -> DynamicFrame:
        return frame.drop_fields(paths, transformation_ctx)


class RenameField(GlueTransform):
    """The field at path ``old_name`` moved to path ``new_name``."""

    def __call__(
        self,
        frame: DynamicFrame,
        old_name: str,
        new_name: str,
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
    ) -> DynamicFrame:
        return frame.rename_field(old_name, new_name, transformation_ctx)


class SplitFields(GlueTransform):
    """Two frames: the fields at ``paths`` (``name1``) and the others (``name2``)."""

    def __call__(
        self,
        frame: DynamicFrame,
        paths: Sequence[str],
        name1: str | None = None,
        name2: str | None = None,
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
    ) -> DynamicFrameCollection:
        first, second = name1 or f"{frame.name}_1", name2 or f"{frame.name}_2"
        return frame.split_fields(paths, first, second, transformation_ctx)


class SplitRows(GlueTransform):
    """Two frames: rows meeting every comparison (``name1``) and the others (``name2``)."""

    def __call__(
        self,
        frame: DynamicFrame,
        comparison_dict: Mapping[str, Mapping[str, Any]],
        name1: str = "frame1",
        name2: str = "frame2",
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
    ) -> DynamicFrameCollection:
        return frame.split_rows(comparison_dict, name1, name2, transformation_ctx)


class Filter(GlueTransform):
    """The records ``f`` returns true for; records where it raises are error records."""

    def __call__(
        self,
        frame: DynamicFrame,
        f: Callable[[Any], Any],
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
    ) -> DynamicFrame:
        return frame.filter(f, transformation_ctx, info, stageThreshold, totalThreshold)


class Map(GlueTransform):
    """Each record as ``f`` returns it; records where it raises are error records."""

    def __call__(
        self,
        frame: DynamicFrame,
        f: Callable[[Any], Any],
        preservesPartitioning: bool = False,
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
    ) -> DynamicFrame:
        return frame.map(
            f, preservesPartitioning, transformation_ctx, info, stageThreshold, totalThreshold
        )


class Join(GlueTransform):
    """The equality join of ``frame1`` and ``frame2`` on ``keys1`` = ``keys2``."""

    def __call__(
        self,
        frame1: DynamicFrame,
        frame2: DynamicFrame,
        keys1: Sequence[str] | str,
        keys2: Sequence[str] | str,
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
    ) -> DynamicFrame:
        return frame1.join(keys1, keys2, frame2, transformation_ctx)


class DropNullFields(GlueTransform):
    """Without the fields that are null in every record; prints the fields it drops."""

    def __call__(
        self,
        frame: DynamicFrame,
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
    ) -> DynamicFrame:
        dropped = null_fields(frame.toDF())
        print("null_fields", dropped)  # Glue's own line in the job's output
        return frame.drop_fields([f"`{name}`" for name in dropped], transformation_ctx)


class ResolveChoice(GlueTransform):
    """Choices resolved by ``specs`` [(path, action)] or one ``choice`` action for all."""

    def __call__(
        self,
        frame: DynamicFrame,
        specs: Sequence[tuple[str, str]] | None = None,
        choice: str = "",
        database: str | None = None,
        table_name: str | None = None,
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
        catalog_id: str | None = None,
    ) -> DynamicFrame:
        return frame.resolveChoice(specs, choice, database, table_name, transformation_ctx)


class Relationalize(GlueTransform):
    """Flat tables: the root (``name``) and one per array, joined by generated keys."""

    def __call__(
        self,
        frame: DynamicFrame,
        staging_path: str | None = None,
        name: str = "roottable",
        options: Mapping[str, Any] | None = None,
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
    ) -> DynamicFrameCollection:
        return frame.relationalize(name, staging_path or "", options, transformation_ctx)


class Unbox(GlueTransform):
    """The JSON text at ``path`` parsed into a nested field."""

    def __call__(
        self,
        frame: DynamicFrame,
        path: str,
        format: str,
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
        **options: Any,
    ) -> DynamicFrame:
        return frame.unbox(path, format, transformation_ctx)


class UnnestFrame(GlueTransform):
    """Nested fields as top-level fields named ``a.b.c``."""

    def __call__(
        self,
        frame: DynamicFrame,
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
    ) -> DynamicFrame:
        return frame.unnest(transformation_ctx)


class Union(GlueTransform):
    """The records of both frames, fields matched by name."""

    def __call__(
        self,
        frame1: DynamicFrame,
        frame2: DynamicFrame,
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
    ) -> DynamicFrame:
        return frame1.union(frame2, transformation_ctx)


class SelectFromCollection(GlueTransform):
    """The frame named ``key`` of a collection."""

    def __call__(
        self, dfc: DynamicFrameCollection, key: str, transformation_ctx: str = ""
    ) -> DynamicFrame:
        return dfc.select(key, transformation_ctx)


class MapToCollection(GlueTransform):
    """Each frame of a collection through ``callable(frame, transformation_ctx)``."""

    def __call__(
        self,
        dfc: DynamicFrameCollection,
        callable: Callable[[DynamicFrame, str], DynamicFrame],
        transformation_ctx: str = "",
    ) -> DynamicFrameCollection:
        return dfc.map(callable, transformation_ctx)


class ErrorsAsDynamicFrame(GlueTransform):
    """The error records of a frame."""

    def __call__(self, frame: DynamicFrame) -> DynamicFrame:
        return frame.errorsAsDynamicFrame()


class Spigot(GlueTransform):
    """A sample of the records written to ``path`` as JSON; the frame passes unchanged."""

    def __call__(
        self, frame: DynamicFrame, path: str, options: Mapping[str, Any] | None = None,
        transformation_ctx: str = "",
    ) -> DynamicFrame:  # fmt: skip
        return frame.spigot(path, options, transformation_ctx)


#: Glue transforms stoker does not implement; importing one raises GlueNotSupported.
UNSUPPORTED = frozenset(
    {"FillMissingValues", "FindMatches", "FindIncrementalMatches", "FlatMap", "Repartition"}
)

__all__ = [
    "ApplyMapping",
    "DropFields",
    "DropNullFields",
    "ErrorsAsDynamicFrame",
    "Filter",
    "GlueTransform",
    "Join",
    "Map",
    "MapToCollection",
    "Relationalize",
    "RenameField",
    "ResolveChoice",
    "SelectFields",
    "SelectFromCollection",
    "Spigot",
    "SplitFields",
    "SplitRows",
    "Unbox",
    "Union",
    "UnnestFrame",
]
