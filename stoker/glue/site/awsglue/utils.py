"""awsglue.utils: getResolvedOptions and its error (stoker's clean-room implementation)."""

from stoker.glue.options import GlueArgumentError, get_resolved_options

getResolvedOptions = get_resolved_options  # noqa: N816 - Glue's name

__all__ = ["GlueArgumentError", "getResolvedOptions"]
