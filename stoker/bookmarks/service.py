"""A person's view and changes of a job's bookmark: show, history, reset, rewind, set --now.

Each change writes the job's next bookmark version, with its outbox event, in one
transaction that also reads the job's live runs: while a run with job-bookmark-enable is
live the change is refused (its commit would race it; Glue's ResetJobBookmark does not
guard this).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from stoker.aio import Blocking
from stoker.domain.bookmarks import (
    BookmarkAction,
    BookmarkVersion,
    blocking_run,
    set_now_elements,
)
from stoker.domain.ids import is_run_id
from stoker.errors import Conflict, NotFound
from stoker.store.bookmarks import BookmarkStore
from stoker.store.jobs import JobStore

Live = list[tuple[str, dict[str, str]]]


class BookmarkService:
    def __init__(
        self, *, store: BookmarkStore, jobs: JobStore, io: Blocking,
        clock: Callable[[], datetime],
    ) -> None:  # fmt: skip
        self._store = store
        self._jobs = jobs
        self._io = io
        self._clock = clock

    async def get(self, job_name: str) -> BookmarkVersion:
        """The current version (version 0, nothing processed, before the first commit)."""
        await self._io(self._jobs.get, job_name)
        return await self._io(self._store.current, job_name, self._clock())

    async def history(
        self, job_name: str, *, limit: int, before_version: int | None
    ) -> list[BookmarkVersion]:
        await self._io(self._jobs.get, job_name)
        return await self._io(
            self._store.history, job_name, limit=limit, before_version=before_version
        )

    async def reset(self, job_name: str, run_id: str | None = None) -> BookmarkVersion:
        """Back to nothing processed, or (``run_id``) to the state right after that run."""
        await self._io(self._jobs.get, job_name)
        if run_id is None:
            return await self._change(job_name, BookmarkAction.RESET, lambda _: {}, None)
        if not is_run_id(run_id):
            raise NotFound(
                f"{run_id!r} is not a job run id (expected 'jr_' and 64 hex characters)",
                field="run_id",
                value=run_id,
            )
        target = await self._io(self._store.committed_by, job_name, run_id)
        return await self._change(
            job_name, BookmarkAction.REWIND, lambda _: dict(target.elements), run_id
        )

    async def set_now(self, job_name: str) -> BookmarkVersion:
        """Everything present now counts as processed, without running the job."""
        await self._io(self._jobs.get, job_name)
        now_ms = int(self._clock().timestamp() * 1000)
        return await self._change(
            job_name, BookmarkAction.SET, lambda cur: set_now_elements(cur.elements, now_ms), None
        )

    async def _change(
        self,
        job_name: str,
        action: BookmarkAction,
        elements: Callable[[BookmarkVersion], Mapping[str, Any]],
        run_id: str | None,
    ) -> BookmarkVersion:
        def decide(current: BookmarkVersion, live: Live) -> tuple[BookmarkAction, dict[str, Any]]:
            blocker = blocking_run(live)
            if blocker is not None:
                raise Conflict(
                    f"job {job_name!r} has a live run with job-bookmark-enable ({blocker}); "
                    f"its bookmark cannot be {_done[action]} until the run ends (stop it, "
                    "or wait)",
                    field="run_id",
                    value=blocker,
                )
            return action, dict(elements(current))

        return await self._io(self._store.change, job_name, decide, self._clock(), run_id)


_done = {
    BookmarkAction.RESET: "reset",
    BookmarkAction.REWIND: "rewound",
    BookmarkAction.SET: "set",
    BookmarkAction.COMMIT: "committed",
}
