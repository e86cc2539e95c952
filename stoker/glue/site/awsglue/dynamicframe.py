"""``awsglue.dynamicframe``: Glue's DynamicFrame and DynamicFrameCollection (stoker's own)."""

from stoker.glue.dynamicframe import DynamicFrame, DynamicFrameCollection
from stoker.glue.transforms.records import DynamicRecord

__all__ = ["DynamicFrame", "DynamicFrameCollection", "DynamicRecord"]
