"""The `[sessions]` settings: interactive sessions on the warm pool's drivers."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class SessionSettings(BaseModel):
    """Interactive sessions (Glue's CreateSession, `stoker sessions`)."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    max_idle_seconds: float | None = Field(
        default=None, gt=0,
        description="The longest a session may sit idle, whatever idle timeout it asks for "
        "(Glue's is in minutes, by default the session's timeout, 48 hours): its driver "
        "goes back to the pool after this many seconds without a statement. Unset: the "
        "session's own idle timeout.",
    )  # fmt: skip
