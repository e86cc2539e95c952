"""Glue's DynamicFrame and DynamicFrameCollection, backed by Spark DataFrames.

Choice types live in the DataFrame (``stoker.glue.choice``); error records of Map and Filter
travel with the frames derived from them, so ``errorsCount`` sees every stage's errors.
Each method takes Glue's arguments (``transformation_ctx``, ``info``, ``stageThreshold``,
``totalThreshold``); the thresholds are enforced, the other two only accepted.
"""
# ruff: noqa: N802, N803 - Glue's API names are camelCase

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from pyspark import RDD
from pyspark.sql import DataFrame, SparkSession

from stoker.glue import gluetypes
from stoker.glue.transforms import fields, mapping, records, relationalize, resolve, unions
from stoker.glue.transforms.collection import DynamicFrameCollection
from stoker.glue.transforms.errors import ErrorThresholdExceeded, GlueNotSupported

#: One stage's error records: the stage's name and its tagged results (see records.py).
ErrorStage = tuple[str, "RDD[records.Tagged]"]


class DynamicFrame:
    """A frame of self-describing records, backed here by a Spark DataFrame."""

    def __init__(
        self,
        dataframe: DataFrame,
        glue_ctx: Any,
        name: str = "",
        errors: tuple[ErrorStage, ...] = (),
        stage: ErrorStage | None = None,
    ) -> None:
        self._df = dataframe
        self.glue_ctx = glue_ctx
        self.name = name
        self._errors = errors if stage is None else (*errors, stage)
        self._stage = stage

    @classmethod
    def fromDF(cls, dataframe: DataFrame, glue_ctx: Any, name: str) -> DynamicFrame:
        """Wrap a DataFrame (Glue's spelling)."""
        return cls(dataframe, glue_ctx, name)

    def _derive(
        self, dataframe: DataFrame, name: str = "", stage: ErrorStage | None = None
    ) -> DynamicFrame:
        return DynamicFrame(dataframe, self.glue_ctx, name or self.name, self._errors, stage)

    @property
    def spark_session(self) -> SparkSession:
        """The session: the GlueContext's, or the DataFrame's own."""
        session = getattr(self.glue_ctx, "spark_session", None)
        return session if isinstance(session, SparkSession) else self._df.sparkSession

    # -- information --

    def toDF(self, options: Sequence[object] | None = None) -> DataFrame:
        """The frame as a Spark DataFrame; an unresolved choice is a struct of its types."""
        if options:
            raise GlueNotSupported("toDF(options) is not supported: use resolveChoice first")
        return self._df

    def count(self) -> int:
        """The number of records."""
        return self._df.count()

    def schema(self) -> gluetypes.StructType:
        """The schema in Glue's types (choices as ChoiceType)."""
        schema = gluetypes.from_spark(self._df.schema)
        assert isinstance(schema, gluetypes.StructType)
        return schema

    def printSchema(self) -> None:
        """Print the schema as Glue does (``root``, ``|-- name: type``)."""
        print("\n".join(gluetypes.schema_lines(self.schema())))

    def show(self, num_rows: int = 20) -> None:
        """Print the first records as Glue does: one JSON object per record."""
        for line in fields.json_lines(self._df, num_rows):
            print(line)

    def repartition(
        self, num_partitions: int, transformation_ctx: str = "", **_: Any
    ) -> DynamicFrame:
        """The frame in ``num_partitions`` partitions."""
        return self._derive(self._df.repartition(num_partitions))

    def coalesce(
        self, num_partitions: int, shuffle: bool = False, transformation_ctx: str = "", **_: Any
    ) -> DynamicFrame:
        """The frame in at most ``num_partitions`` partitions."""
        df = self._df.repartition(num_partitions) if shuffle else self._df.coalesce(num_partitions)
        return self._derive(df)

    def getNumPartitions(self) -> int:
        """How many partitions the frame has."""
        return self._df.rdd.getNumPartitions()

    # -- errors --

    def errorsCount(self) -> int:
        """Error records of every stage that produced this frame."""
        return sum(records.error_count(tagged) for _, tagged in self._errors)

    def stageErrorsCount(self) -> int:
        """Error records of the stage that produced this frame."""
        return records.error_count(self._stage[1]) if self._stage else 0

    def assertErrorThreshold(self) -> None:
        """Raise when any stage produced error records."""
        count = self.errorsCount()
        if count:
            raise ErrorThresholdExceeded(f"{count} error records in frame {self.name!r}")

    def errorsAsDynamicFrame(self) -> DynamicFrame:
        """The error records: one ``error`` message each."""
        messages: list[tuple[str | None]] = []
        for _, tagged in self._errors:
            messages.extend((t[0],) for t in tagged.filter(lambda t: t[0] is not None).collect())
        df = self.spark_session.createDataFrame(messages, "error string")
        return DynamicFrame(df, self.glue_ctx, f"{self.name}_errors")

    def _checked(
        self, frame: DynamicFrame, stage_threshold: int, total_threshold: int
    ) -> DynamicFrame:
        if stage_threshold and frame.stageErrorsCount() > stage_threshold:
            raise ErrorThresholdExceeded(f"stage errors exceed stageThreshold {stage_threshold}")
        if total_threshold and frame.errorsCount() > total_threshold:
            raise ErrorThresholdExceeded(f"errors exceed totalThreshold {total_threshold}")
        return frame

    # -- transforms --

    def apply_mapping(
        self,
        mappings: Sequence[Sequence[object]],
        case_sensitive: bool = False,
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
    ) -> DynamicFrame:
        """Only the mapped fields, renamed, moved and retyped."""
        return self._derive(mapping.apply_mapping(self._df, mappings))

    def select_fields(
        self,
        paths: Sequence[str],
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
    ) -> DynamicFrame:
        """Only the fields at ``paths``."""
        return self._derive(mapping.select_fields(self._df, _paths(paths)))

    def drop_fields(
        self,
        paths: Sequence[str],
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
    ) -> DynamicFrame:
        """Without the fields at ``paths``."""
        return self._derive(fields.drop_fields(self._df, _paths(paths)))

    def rename_field(
        self,
        oldName: str,
        newName: str,
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
    ) -> DynamicFrame:
        """With the field at path ``oldName`` at path ``newName``."""
        return self._derive(fields.rename_field(self._df, oldName, newName))

    def resolveChoice(
        self,
        specs: Sequence[tuple[str, str]] | None = None,
        choice: str = "",
        database: str | None = None,
        table_name: str | None = None,
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
        catalog_id: str | None = None,
        option: str = "",
    ) -> DynamicFrame:
        """Choices resolved by ``specs`` [(path, action)] or one ``choice`` action for all.

        ``match_catalog`` asks the GlueContext for the table's schema through
        ``catalog_schema(database, table_name, catalog_id)`` (a Spark StructType).
        """
        action = choice or option
        catalog = None
        if action.strip().lower() == "match_catalog":
            catalog = resolve.catalog_schema(self.glue_ctx, database, table_name, catalog_id)
        return self._derive(resolve.resolve(self._df, list(specs or []), action, catalog))

    def filter(
        self,
        f: Callable[[records.DynamicRecord], Any],
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
    ) -> DynamicFrame:
        """The records ``f`` returns true for; records where ``f`` raises are error records."""
        df, tagged = records.filter_rows(self._df, f)
        frame = self._derive(df, stage=(transformation_ctx or "filter", tagged))
        return self._checked(frame, stageThreshold, totalThreshold)

    def map(
        self,
        f: Callable[[records.DynamicRecord], Any],
        preservesPartitioning: bool = False,
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
    ) -> DynamicFrame:
        """Each record as ``f`` returns it; records where ``f`` raises are error records."""
        df, tagged = records.map_rows(self._df, f)
        frame = self._derive(df, stage=(transformation_ctx or "map", tagged))
        return self._checked(frame, stageThreshold, totalThreshold)

    def join(
        self,
        paths1: Sequence[str] | str,
        paths2: Sequence[str] | str,
        frame2: DynamicFrame,
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
    ) -> DynamicFrame:
        """The equality join with ``frame2`` on ``paths1`` = ``paths2``."""
        df = fields.join(self._df, _paths(paths1), frame2.toDF(), _paths(paths2))
        return DynamicFrame(df, self.glue_ctx, self.name, (*self._errors, *frame2._errors))

    def union(
        self,
        other_frame: DynamicFrame,
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
    ) -> DynamicFrame:
        """The records of both frames; a same-named field of different types is a choice."""
        df = unions.union(self._df, other_frame.toDF())
        return DynamicFrame(df, self.glue_ctx, self.name, (*self._errors, *other_frame._errors))

    def mergeDynamicFrame(
        self,
        stage_dynamic_frame: DynamicFrame,
        primary_keys: Sequence[str],
        transformation_ctx: str = "",
        options: Mapping[str, Any] | None = None,
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
    ) -> DynamicFrame:
        """Source records, replaced by the staging frame's records with the same keys."""
        keys, stage = list(primary_keys), stage_dynamic_frame.toDF()
        kept = self._df.join(stage, on=keys, how="left_anti")
        replaced = stage.join(self._df.select(*keys), on=keys, how="left_semi")
        return self._derive(unions.union(kept, replaced))

    def unnest(
        self,
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
    ) -> DynamicFrame:
        """Nested fields as top-level fields named ``a.b.c``."""
        return self._derive(fields.unnest(self._df))

    def relationalize(
        self,
        root_table_name: str,
        staging_path: str = "",
        options: Mapping[str, Any] | None = None,
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
    ) -> DynamicFrameCollection:
        """Flat tables: the root and one per array, joined by generated keys."""
        tables = relationalize.relationalize(self._df, root_table_name)
        return DynamicFrameCollection(
            {n: self._derive(df, n) for n, df in tables.items()}, self.glue_ctx
        )

    def split_fields(
        self,
        paths: Sequence[str],
        name1: str,
        name2: str,
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
    ) -> DynamicFrameCollection:
        """Two frames: the fields at ``paths`` (``name1``) and the rest (``name2``)."""
        chosen = _paths(paths)
        first = self._derive(mapping.select_fields(self._df, chosen), name1)
        second = self._derive(fields.drop_fields(self._df, chosen), name2)
        return DynamicFrameCollection({name1: first, name2: second}, self.glue_ctx)

    def split_rows(
        self,
        comparison_dict: Mapping[str, Mapping[str, Any]],
        name1: str,
        name2: str,
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
    ) -> DynamicFrameCollection:
        """Two frames: the rows meeting every comparison (``name1``) and the rest (``name2``)."""
        condition = fields.split_condition(self._df, comparison_dict)
        first = self._derive(self._df.filter(condition), name1)
        second = self._derive(self._df.filter(~condition), name2)
        return DynamicFrameCollection({name1: first, name2: second}, self.glue_ctx)

    def unbox(
        self,
        path: str,
        format: str,
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
        **options: Any,
    ) -> DynamicFrame:
        """The JSON text at ``path`` parsed into a nested field."""
        return self._derive(fields.unbox_json(self._df, path, format))

    def spigot(
        self, path: str, options: Mapping[str, Any] | None = None, transformation_ctx: str = ""
    ) -> DynamicFrame:
        """Write a sample of the records to ``path`` as JSON (``topk`` records, default 100,
        each kept with probability ``prob``, default 1) and return the frame unchanged."""
        opts = dict(options or {})
        unknown = sorted(set(opts) - {"topk", "prob"})
        if unknown:
            raise GlueNotSupported(f"spigot option(s) {', '.join(unknown)} are not supported")
        prob = float(opts.get("prob", 1.0))
        sample = self._df.sample(fraction=prob) if prob < 1 else self._df
        DynamicFrame(sample.limit(int(opts.get("topk", 100))), self.glue_ctx, self.name).write(
            "s3", {"path": path}, "json")  # fmt: skip
        return self

    def write(
        self,
        connection_type: str,
        connection_options: Mapping[str, Any] | None = None,
        format: str | None = None,
        format_options: Mapping[str, Any] | None = None,
        accumulator_size: int = 0,
    ) -> DynamicFrame:
        """Write through the GlueContext's ``write_dynamic_frame.from_options``."""
        writer = getattr(self.glue_ctx, "write_dynamic_frame", None)
        if writer is None:
            raise GlueNotSupported("DynamicFrame.write needs a GlueContext")
        result: DynamicFrame = writer.from_options(
            frame=self,
            connection_type=connection_type,
            connection_options=dict(connection_options or {}),
            format=format,
            format_options=dict(format_options or {}),
        )
        return result


def _paths(paths: Sequence[str] | str) -> list[str]:
    return [paths] if isinstance(paths, str) else list(paths)


__all__ = ["DynamicFrame", "DynamicFrameCollection"]
