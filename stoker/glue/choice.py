"""Choice types: a column whose values disagree in type stays a choice until resolved."""

from __future__ import annotations

from typing import Any

from pyspark.sql import DataFrame

from stoker.glue.dynamicframe import DynamicFrame


def typed_frame(raw: DataFrame, glue_ctx: Any, name: str) -> DynamicFrame:
    """A DynamicFrame from text columns as read (CSV), each typed from its values.

    A column whose values are all one type gets that type; one whose values disagree is a
    choice of the types seen, as Glue's CSV reader gives.
    """
    return DynamicFrame.fromDF(raw, glue_ctx, name)
