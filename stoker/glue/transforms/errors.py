"""The errors Glue's frame operations raise: unsupported calls and exceeded error thresholds."""

from __future__ import annotations

from stoker.errors import InvalidInput, StokerError


class GlueNotSupported(InvalidInput):
    """Raised when a script calls a part of Glue's API stoker does not implement."""

    code = "GlueNotSupported"


class ErrorThresholdExceeded(StokerError):
    """Raised when a frame's error records pass a transform's stageThreshold or totalThreshold."""

    code = "GlueErrorThreshold"
