"""Wire models of /scripts/check: a script's Python syntax, checked before it is saved."""

from __future__ import annotations

from pydantic import BaseModel, Field

from stoker.api.schemas.common import StrictModel, is_none


class ScriptCheckIn(StrictModel):
    script: str


class ScriptCheckOut(BaseModel):
    """``ok``, or where the first syntax error is (1-based line and column) and what it is."""

    ok: bool
    line: int | None = Field(default=None, exclude_if=is_none)
    column: int | None = Field(default=None, exclude_if=is_none)
    message: str | None = Field(default=None, exclude_if=is_none)
