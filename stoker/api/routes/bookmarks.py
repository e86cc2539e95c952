"""Routes for a job's bookmark: read it, its history, reset, rewind, set (Glue's
GetJobBookmark and ResetJobBookmark, and stoker's set --now)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from stoker.api.deps import Services
from stoker.api.paging import decode_int_token, encode_token
from stoker.api.schemas.bookmarks import (
    BookmarkHistoryOut,
    BookmarkOut,
    BookmarkResetIn,
    BookmarkSetIn,
    bookmark_out,
)
from stoker.api.schemas.common import ErrorOut

router = APIRouter(
    prefix="/jobs/{name}/bookmark", tags=["bookmarks"],
    responses={400: {"model": ErrorOut}, 404: {"model": ErrorOut}},
)  # fmt: skip
_REFUSED: dict[int | str, dict[str, object]] = {
    409: {"model": ErrorOut, "description": "a run with job-bookmark-enable is live"}
}


@router.get("")
async def get_bookmark(name: str, services: Services) -> BookmarkOut:
    """The job's current bookmark (Glue GetJobBookmark)."""
    return bookmark_out(await services.bookmarks.get(name))


@router.get("/history")
async def bookmark_history(
    name: str,
    services: Services,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    next_token: str | None = None,
) -> BookmarkHistoryOut:
    """Every version of the job's bookmark, newest first: the state after each commit."""
    before = decode_int_token(next_token, "bookmark")
    versions = await services.bookmarks.history(name, limit=limit + 1, before_version=before)
    page = versions[:limit]
    token = encode_token("bookmark", page[-1].version) if len(versions) > limit else None
    return BookmarkHistoryOut(versions=[bookmark_out(v) for v in page], next_token=token)


@router.post("/reset", responses=_REFUSED)
async def reset_bookmark(name: str, body: BookmarkResetIn, services: Services) -> BookmarkOut:
    """Back to nothing processed, or with ``run_id`` to the state right after that run
    (Glue ResetJobBookmark). Refused while a run of the job with bookmarks enabled is live."""
    return bookmark_out(await services.bookmarks.reset(name, body.run_id))


@router.post("/set", responses=_REFUSED)
async def set_bookmark(name: str, body: BookmarkSetIn, services: Services) -> BookmarkOut:
    """``{"now": true}``: everything present now counts as processed, without a run."""
    return bookmark_out(await services.bookmarks.set_now(name))
