"""The errors Glue scripts see from stoker's runtime, named as Glue names them."""

from __future__ import annotations


class GlueRuntimeError(Exception):
    """Raised when a Glue call cannot be served: the root of this runtime's errors."""


class NotSupported(GlueRuntimeError):
    """Raised when a script uses a call, option, connection type or format outside the
    subset stoker implements (never a silent no-op)."""

    def __init__(self, call: str, what: str, hint: str = "") -> None:
        text = f"{call}: {what} is not supported by stoker's Glue runtime"
        super().__init__(f"{text}; {hint}" if hint else text)


class EntityNotFoundException(GlueRuntimeError):
    """Raised when the catalog has no such database, table or connection (Glue's name)."""


class InvalidInputException(GlueRuntimeError):
    """Raised when a call's arguments are wrong (Glue's name), e.g. no table name."""
