"""Wire models of interactive sessions and their statements (/sessions)."""

from __future__ import annotations

from pydantic import BaseModel, Field

from stoker.api.schemas.common import StrictModel, UtcTime, utc_or_none
from stoker.domain.sessions import (
    MAX_CODE,
    Session,
    SessionSpec,
    SessionState,
    Statement,
    StatementState,
)


class SessionIn(StrictModel):
    """A new session: its own properties, or ``job_name``'s with these over them."""

    id: str = Field(min_length=1, max_length=255)
    job_name: str | None = None
    description: str = Field(default="", max_length=2048)
    #: Minutes; omitted: Glue's defaults (48 hours; the idle timeout is the timeout).
    timeout: int | None = Field(default=None, ge=1, le=10080)
    idle_timeout: int | None = Field(default=None, ge=1, le=10080)
    default_arguments: dict[str, str] = Field(default_factory=dict, max_length=75)
    #: Spark SQL settings (``spark.sql.*``) are set on the session's ``spark``; the rest
    #: are recorded only (a warm driver's resources are the pool's).
    spark_conf: dict[str, str] = Field(default_factory=dict)
    tags: dict[str, str] = Field(default_factory=dict, max_length=50)

    def to_spec(self) -> SessionSpec:
        return SessionSpec(
            id=self.id, description=self.description, timeout=self.timeout,
            idle_timeout=self.idle_timeout, default_arguments=self.default_arguments,
            spark_conf=self.spark_conf, job_name=self.job_name, tags=self.tags,
        )  # fmt: skip


class SessionOut(BaseModel):
    id: str
    state: SessionState
    error_message: str | None
    job_name: str | None
    description: str
    timeout: int
    idle_timeout: int
    default_arguments: dict[str, str]
    spark_conf: dict[str, str]
    tags: dict[str, str]
    created_on: UtcTime
    completed_on: UtcTime | None


class SessionPageOut(BaseModel):
    sessions: list[SessionOut]
    next_token: str | None


class StatementIn(StrictModel):
    code: str = Field(min_length=1, max_length=MAX_CODE)
    #: Answer once the statement has ended, waiting up to this many seconds (0: at once).
    wait: float = Field(default=0, ge=0, le=300)


class StatementOut(BaseModel):
    """A statement and, once it has ended, Glue's StatementOutput as fields."""

    id: int
    code: str
    state: StatementState
    #: ``ok``, ``error`` or ``cancelled``; None until it has ended.
    status: str | None
    output: str | None
    error_name: str | None
    error_value: str | None
    traceback: list[str]
    started_on: UtcTime | None
    completed_on: UtcTime | None


class StatementListOut(BaseModel):
    statements: list[StatementOut]


def session_out(session: Session) -> SessionOut:
    spec = session.spec
    return SessionOut(
        id=session.id, state=session.state, error_message=session.error_message,
        job_name=spec.job_name, description=spec.description, timeout=spec.timeout_minutes,
        idle_timeout=spec.idle_timeout_minutes, default_arguments=spec.default_arguments,
        spark_conf=spec.spark_conf, tags=spec.tags, created_on=session.created_on,
        completed_on=utc_or_none(session.completed_on),
    )  # fmt: skip


def statement_out(statement: Statement) -> StatementOut:
    output = statement.output
    return StatementOut(
        id=statement.id, code=statement.code, state=statement.state,
        status=output.status if output else None, output=output.text if output else None,
        error_name=output.error_name if output else None,
        error_value=output.error_value if output else None,
        traceback=list(output.traceback) if output else [],
        started_on=utc_or_none(statement.started_on),
        completed_on=utc_or_none(statement.completed_on),
    )  # fmt: skip
