"""The one exception tree: every error stoker raises on purpose is a StokerError."""

from __future__ import annotations

from typing import Any


class StokerError(Exception):
    """Raised for any failure stoker reports to a user; carries a stable code.

    ``code`` is part of the API contract (it is the ``code`` of every JSON error),
    ``field`` names the offending input when there is one.
    """

    code = "InternalError"
    http_status = 500
    exit_code = 1

    def __init__(self, message: str, *, field: str | None = None, value: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.value = value

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "field": self.field}


class ConfigError(StokerError):
    """Raised when the configuration file or STOKER_* variables are invalid."""

    code = "ConfigError"
    exit_code = 2


class InvalidInput(StokerError):
    """Raised when a request or definition breaks a validation rule."""

    code = "InvalidInput"
    http_status = 400
    exit_code = 2


class PayloadTooLarge(InvalidInput):
    """Raised when a request body is larger than ``api.max_body_bytes``."""

    code = "PayloadTooLarge"
    http_status = 413


class UnsupportedMediaType(InvalidInput):
    """Raised when a request that changes state does not send a JSON body."""

    code = "UnsupportedMediaType"
    http_status = 415


class NotFound(StokerError):
    """Raised when a named job, run or other entity does not exist."""

    code = "EntityNotFound"
    http_status = 404
    exit_code = 3


class Conflict(StokerError):
    """Raised when an entity already exists or the request clashes with stored state."""

    code = "AlreadyExists"
    http_status = 409
    exit_code = 4


class ConcurrentRunsExceeded(Conflict):
    """Raised when a run would exceed the job's max concurrent runs and queuing is off."""

    code = "ConcurrentRunsExceeded"
    http_status = 429


class BookmarkConflict(Conflict):
    """Raised when a run's bookmark commit finds a newer version than the one it read."""

    code = "BookmarkConflict"


class IllegalSessionState(Conflict):
    """Raised when an interactive session is not in a state that allows the request (a
    statement on a session that is not READY, deleting one that still holds its driver)."""

    code = "IllegalSessionState"


class SessionLimitExceeded(Conflict):
    """Raised when a new interactive session would need a warm driver and every one the
    pool has is already reserved by a session."""

    code = "SessionLimitExceeded"


class InvalidTransition(Conflict):
    """Raised when a run is not in the state a transition expects (someone else won)."""

    code = "InvalidTransition"


class LeaseLost(Conflict):
    """Raised when a write guarded by a lease's fencing token finds the lease taken over
    (or expired): another cluster member now does that work, so nothing is written."""

    code = "LeaseLost"


class Unauthorized(StokerError):
    """Raised when an API call lacks a valid bearer token."""

    code = "Unauthorized"
    http_status = 401
    exit_code = 5


class Forbidden(StokerError):
    """Raised when a request names a Host or comes from an Origin the daemon does not serve
    (a web page of another site, or DNS rebinding)."""

    code = "Forbidden"
    http_status = 403
    exit_code = 5


class AccessDenied(Forbidden):
    """Raised when a valid token or access key lacks the permission a request needs, or is
    limited to jobs the request is not about. The answer names the caller (``principal``,
    its ``role``), what was ``needed`` (a permission: read, operate, admin) and the ``job``
    when a job limit refused it."""

    code = "AccessDenied"

    def __init__(self, message: str, *, field: str | None = None, value: Any = None,
                 principal: str = "", role: str = "", needed: str = "",
                 job: str | None = None) -> None:  # fmt: skip
        # field and value as every StokerError's: the CLI rebuilds errors from the answer.
        super().__init__(message, field="job" if job is not None else field, value=value)
        self.principal = principal
        self.role = role
        self.needed = needed
        self.job = job

    def to_dict(self) -> dict[str, Any]:
        return {**super().to_dict(), "principal": self.principal, "role": self.role,
                "needed": self.needed, "job": self.job}  # fmt: skip


class ShuttingDown(StokerError):
    """Raised when the daemon is stopping and no longer accepts new runs."""

    code = "ShuttingDown"
    http_status = 503
    exit_code = 6


class StoreUnavailable(StokerError):
    """Raised when the database cannot be reached or is newer than this stoker."""

    code = "StoreUnavailable"
    http_status = 503
    exit_code = 6


class TaskFailed(StokerError):
    """Raised when the daemon stopped because a critical background task kept failing."""

    code = "TaskFailed"


class ExecutorError(StokerError):
    """Raised when an executor cannot start or control a run."""

    code = "ExecutorError"


class DecryptionFailed(StokerError):
    """Raised when stored ciphertext cannot be opened: its key is not in the key ring (a
    missing or retired key, a wrong key file) or it fails authentication (tampered with,
    or sealed under another key of the same id). The message names what cannot be read."""

    code = "DecryptionFailed"
    http_status = 500
