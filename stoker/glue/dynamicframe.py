"""Glue's DynamicFrame: a Spark DataFrame with Glue's record operations and choice types."""

from __future__ import annotations

from typing import Any

from pyspark.sql import DataFrame


class DynamicFrame:
    """A frame of self-describing records, backed here by a Spark DataFrame."""

    def __init__(self, dataframe: DataFrame, glue_ctx: Any, name: str = "") -> None:
        self._df = dataframe
        self.glue_ctx = glue_ctx
        self.name = name

    @classmethod
    def fromDF(cls, dataframe: DataFrame, glue_ctx: Any, name: str) -> DynamicFrame:  # noqa: N802 - Glue's name
        """Wrap a DataFrame (Glue's spelling)."""
        return cls(dataframe, glue_ctx, name)

    def toDF(self) -> DataFrame:  # noqa: N802 - Glue's name
        """The frame as a Spark DataFrame."""
        return self._df

    def count(self) -> int:
        """The number of records."""
        return self._df.count()
