"""``awsgluedq.transforms``: Glue Data Quality's EvaluateDataQuality (stoker's own)."""

from stoker.glue.dq.transform import EvaluateDataQuality

__all__ = ["EvaluateDataQuality"]
