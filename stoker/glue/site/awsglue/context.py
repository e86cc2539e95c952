"""awsglue.context: GlueContext (stoker's clean-room implementation)."""

from stoker.glue.context import GlueContext, GlueLogger

__all__ = ["GlueContext", "GlueLogger"]
