"""Glue's errors on the wire: ``__type`` names, HTTP statuses, and stoker's errors mapped."""

from __future__ import annotations

import json

from starlette.responses import Response

from stoker.errors import (
    AccessDenied,
    BookmarkConflict,
    ConcurrentRunsExceeded,
    Conflict,
    InvalidInput,
    InvalidTransition,
    NotFound,
    ShuttingDown,
    StokerError,
    StoreUnavailable,
)

CONTENT_TYPE = "application/x-amz-json-1.1"

ENTITY_NOT_FOUND = "EntityNotFoundException"
INVALID_INPUT = "InvalidInputException"
ALREADY_EXISTS = "AlreadyExistsException"
CONCURRENT_RUNS = "ConcurrentRunsExceededException"
CONCURRENT_MODIFICATION = "ConcurrentModificationException"
IDEMPOTENT_MISMATCH = "IdempotentParameterMismatchException"
ACCESS_DENIED = "AccessDeniedException"
UNRECOGNIZED_CLIENT = "UnrecognizedClientException"
UNKNOWN_OPERATION = "UnknownOperationException"
SERIALIZATION = "SerializationException"
INTERNAL = "InternalServiceException"

#: Glue answers 400 for client errors. Never 429: SDKs retry that as throttling, and a
#: concurrency refusal must reach the caller at once. Signature refusals are 403 as in AWS.
_STATUS = {ACCESS_DENIED: 403, UNRECOGNIZED_CLIENT: 403, INTERNAL: 500}


class GlueError(Exception):
    """Raised when a Glue request is refused; ``type`` is Glue's ``__type`` name."""

    def __init__(self, type_: str, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.type = type_
        self.message = message
        self._status = status

    @property
    def status(self) -> int:
        return self._status or _STATUS.get(self.type, 400)


def invalid(message: str) -> GlueError:
    return GlueError(INVALID_INPUT, message)


def not_found(message: str) -> GlueError:
    return GlueError(ENTITY_NOT_FOUND, message)


#: stoker's classes by Glue's name for them, most specific first (isinstance order).
_BY_CLASS: tuple[tuple[type[StokerError], str], ...] = (
    (NotFound, ENTITY_NOT_FOUND),
    (ConcurrentRunsExceeded, CONCURRENT_RUNS),
    (BookmarkConflict, CONCURRENT_MODIFICATION),
    (InvalidTransition, CONCURRENT_MODIFICATION),
    (ShuttingDown, INTERNAL),
    (StoreUnavailable, INTERNAL),
)


def from_stoker(error: StokerError) -> GlueError:
    """The Glue error for one of stoker's: the same message, Glue's name for the class."""
    if isinstance(error, InvalidInput):
        return GlueError(INVALID_INPUT, _with_field(error.message, error.field))
    if isinstance(error, AccessDenied):
        # A signed caller whose key's role or job limits refuse the operation: 400, as
        # Glue answers an IAM denial (a refused signature stays 403).
        return GlueError(ACCESS_DENIED, error.message, status=400)
    for kind, name in _BY_CLASS:
        if isinstance(error, kind):
            return GlueError(name, error.message)
    if isinstance(error, Conflict):
        # Conflict is "already exists", or a change refused while a run is live.
        live = "already exists" not in error.message
        return GlueError(CONCURRENT_MODIFICATION if live else ALREADY_EXISTS, error.message)
    return GlueError(INTERNAL, "internal error; see the daemon log")


def _with_field(message: str, field: str | None) -> str:
    """stoker's field names are its own (snake_case): said only when the text does not."""
    return message if field is None or field in message else f"{message} (field {field})"


def glue_response(status: int, body: dict[str, object]) -> Response:
    return Response(json.dumps(body, separators=(",", ":")), status_code=status,
                    media_type=CONTENT_TYPE)  # fmt: skip


def error_response(error: GlueError) -> Response:
    """Glue's error body; ``x-amzn-ErrorType`` carries the name too, as AWS sends it."""
    response = glue_response(error.status, {"__type": error.type, "Message": error.message})
    response.headers["x-amzn-ErrorType"] = error.type
    return response


def error_body(error: StokerError) -> tuple[int, bytes, str]:
    """(status, body, ``__type``) the request guard sends for a Glue request it refuses
    (Host, Origin, size, a NUL in the path); a body too large keeps its 413."""
    kind = ACCESS_DENIED if error.http_status in (401, 403) else INVALID_INPUT
    status = error.http_status if error.http_status == 413 else GlueError(kind, "").status
    return status, json.dumps({"__type": kind, "Message": error.message}).encode(), kind
