"""Interactive sessions and their statements: Glue's states, defaults and limits.

A session is a warm pool driver reserved for one user; its statements run one at a time
in the session's namespace. The states and their names are Glue's (SessionStatus,
StatementState), so its API and kernel read them unchanged.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from stoker.errors import InvalidInput

#: Glue's defaults for a Spark ETL session: 48 hours, and the idle timeout is the timeout.
DEFAULT_TIMEOUT_MINUTES = 2880
#: Glue's bounds on a session's id and a statement's code.
SESSION_ID = re.compile(r"[\w.-]{1,255}")
#: A session's Glue credentials are held as ``session:<id>``, apart from every run id.
SESSION_HOLDER = "session:"
MAX_CODE = 68000
#: A session's statements kept in memory while it lives (Glue keeps its history too).
MAX_STATEMENTS = 10_000
#: ``DefaultArguments`` key naming the job whose properties a session starts with (stoker's
#: extension: Glue's CreateSession has no member for it, and boto3 sends no unknown member).
JOB_ARGUMENT = "--stoker-job-name"


class SessionState(StrEnum):
    PROVISIONING = "PROVISIONING"
    READY = "READY"
    FAILED = "FAILED"
    TIMEOUT = "TIMEOUT"
    STOPPING = "STOPPING"
    STOPPED = "STOPPED"


#: A session in these holds (or waits for) a driver.
LIVE_SESSION_STATES = frozenset(
    {SessionState.PROVISIONING, SessionState.READY, SessionState.STOPPING}
)


class StatementState(StrEnum):
    WAITING = "WAITING"
    RUNNING = "RUNNING"
    AVAILABLE = "AVAILABLE"
    CANCELLING = "CANCELLING"
    CANCELLED = "CANCELLED"
    ERROR = "ERROR"


#: A statement in these has its output, for good.
ENDED_STATEMENT_STATES = frozenset(
    {StatementState.AVAILABLE, StatementState.CANCELLED, StatementState.ERROR}
)


@dataclass(frozen=True)
class SessionSpec:
    """What a session starts with: its own properties, or a job's merged under them."""

    id: str
    description: str = ""
    role: str = ""
    #: Minutes; None is Glue's default (``DEFAULT_TIMEOUT_MINUTES``, the idle timeout the
    #: timeout).
    timeout: int | None = None
    idle_timeout: int | None = None
    default_arguments: dict[str, str] = field(default_factory=dict)
    spark_conf: dict[str, str] = field(default_factory=dict)
    glue_version: str = ""
    job_name: str | None = None
    tags: dict[str, str] = field(default_factory=dict)

    @property
    def timeout_minutes(self) -> int:
        return self.timeout or DEFAULT_TIMEOUT_MINUTES

    @property
    def idle_timeout_minutes(self) -> int:
        return self.idle_timeout or self.timeout_minutes

    def to_dict(self) -> dict[str, Any]:
        return {
            "description": self.description, "role": self.role, "timeout": self.timeout,
            "idle_timeout": self.idle_timeout, "default_arguments": self.default_arguments,
            "spark_conf": self.spark_conf, "glue_version": self.glue_version,
            "job_name": self.job_name, "tags": self.tags,
        }  # fmt: skip

    @classmethod
    def from_dict(cls, session_id: str, data: dict[str, Any]) -> SessionSpec:
        return cls(id=session_id, **data)


@dataclass(frozen=True)
class Session:
    """A session as stored: its spec, state and times."""

    spec: SessionSpec
    state: SessionState
    created_on: datetime
    error_message: str | None = None
    completed_on: datetime | None = None

    @property
    def id(self) -> str:
        return self.spec.id

    def ended(self, state: SessionState, when: datetime, error: str | None = None) -> Session:
        return replace(self, state=state, completed_on=when, error_message=error)


@dataclass(frozen=True)
class StatementOutput:
    """Glue's StatementOutput: ``status`` is ``ok``, ``error`` or ``cancelled``."""

    status: str
    text: str
    execution_count: int
    error_name: str | None = None
    error_value: str | None = None
    traceback: tuple[str, ...] = ()


@dataclass(frozen=True)
class Statement:
    id: int
    code: str
    state: StatementState
    output: StatementOutput | None = None
    started_on: datetime | None = None
    completed_on: datetime | None = None


def validate_session_id(value: str, field_name: str = "id") -> str:
    if not SESSION_ID.fullmatch(value):
        raise InvalidInput(
            f"session id {value[:300]!r} is invalid: 1-255 letters, digits, '_', '.' or '-'",
            field=field_name,
        )
    return value


def validate_code(code: str, field_name: str = "code") -> str:
    if not code.strip() or len(code) > MAX_CODE:
        raise InvalidInput(f"a statement's code must be 1-{MAX_CODE} characters, not blank",
                           field=field_name)  # fmt: skip
    return code


def validate_minutes(value: int | None, field_name: str) -> int | None:
    if value is not None and not 1 <= value <= 10080:
        raise InvalidInput(f"{field_name} must be 1-10080 minutes", field=field_name)
    return value
