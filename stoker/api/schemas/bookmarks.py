"""Wire models of a job's bookmark (/jobs/{name}/bookmark)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel

from stoker.api.schemas.common import StrictModel, UtcTime, utc_or_none
from stoker.domain.bookmarks import BookmarkAction, BookmarkVersion


class BookmarkOut(BaseModel):
    """One version of a job's bookmark (Glue's JobBookmarkEntry, with the state parsed)."""

    job_name: str
    #: 0 before anything was committed (nothing processed).
    version: int
    #: How many runs have committed.
    run: int
    attempt: int
    run_id: str | None
    previous_run_id: str | None
    #: What wrote this version: commit, reset, rewind or set.
    action: BookmarkAction
    created_on: UtcTime | None
    #: The state of each source by transformation_ctx ("*": what new sources start from).
    elements: dict[str, Any]


class BookmarkHistoryOut(BaseModel):
    """Versions newest first."""

    versions: list[BookmarkOut]
    next_token: str | None


class BookmarkResetIn(StrictModel):
    #: Rewind to the state right after this run committed; omit to reset to nothing.
    run_id: str | None = None


class BookmarkSetIn(StrictModel):
    #: Mark everything present now as processed (the only setting there is).
    now: Literal[True]


def bookmark_out(version: BookmarkVersion) -> BookmarkOut:
    return BookmarkOut(
        job_name=version.job_name, version=version.version, run=version.run,
        attempt=version.attempt, run_id=version.run_id,
        previous_run_id=version.previous_run_id, action=version.action,
        created_on=utc_or_none(version.created_on), elements=version.elements,
    )  # fmt: skip
