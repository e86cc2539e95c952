"""A run's bookmark: the state its script starts from, and the commit it hands back.

Before a run that reads its bookmark (job-bookmark-enable or -pause) is launched, the
daemon writes the state the script starts from to a private file in the run's directory
and passes its path as ``--stoker-bookmark-context``; ``stoker.job`` reads it. The
script's ``commit()`` writes the elements it ends with beside it. When the run ends
SUCCEEDED with job-bookmark-enable, the run service hands that commit to the run's
terminal transition (compare-and-set on the version written in the context). A run that
fails, errors, times out or is stopped never commits, nor does a paused or disabled one.
Executors are not involved: both files travel with the run's directory.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from stoker.domain.bookmarks import (
    CONTEXT_ARG,
    FROM_ARG,
    MAX_STATE_BYTES,
    TO_ARG,
    BookmarkCommit,
    BookmarkOption,
    BookmarkRequest,
    BookmarkVersion,
    bookmark_request,
    check_elements,
)
from stoker.domain.runs import JobRun
from stoker.errors import InvalidInput, NotFound
from stoker.executors.private import write_private
from stoker.store.bookmarks import BookmarkStore

CONTEXT_FILE = "bookmark.context.json"
COMMIT_FILE = "bookmark.commit.json"


class RunBookmarks:
    """Blocking calls (the run service makes them through its thread boundary)."""

    def __init__(self, store: BookmarkStore, clock: Callable[[], datetime]) -> None:
        self._store = store
        self._clock = clock

    def check_window(self, job_name: str, request: BookmarkRequest) -> None:
        """A paused run's from/to: runs of this job that committed, ``from`` the older."""
        if request.from_run is None or request.to_run is None:
            return
        after = self._committed(job_name, FROM_ARG, request.from_run)
        upto = self._committed(job_name, TO_ARG, request.to_run)
        if after.version >= upto.version:
            raise InvalidInput(
                f"--job-bookmark-from {request.from_run} committed version {after.version}, "
                f"not before --job-bookmark-to {request.to_run} (version {upto.version}): the "
                "window runs from an earlier run to a later one",
                field="arguments.--job-bookmark-from",
            )

    def _committed(self, job_name: str, argument: str, run_id: str) -> BookmarkVersion:
        try:
            return self._store.committed_by(job_name, run_id)
        except NotFound as exc:
            raise InvalidInput(f"{argument}: {exc.message}", field=f"arguments.{argument}",
                               value=run_id) from None  # fmt: skip

    def prepare(self, run: JobRun, run_dir: Path) -> dict[str, str]:
        """Write the run's context if it reads its bookmark; the arguments to add."""
        request = bookmark_request(run.resolved_arguments)
        if not request.reads_state:
            return {}
        current = self._store.current(run.job_name, self._clock())
        context: dict[str, Any] = {
            "job_name": run.job_name, "run_id": run.id, "attempt": run.attempt,
            "option": request.option.value, "version": current.version,
            "elements": current.elements, "after": None, "upto": None,
            "commit": str(run_dir / COMMIT_FILE),
        }  # fmt: skip
        if request.from_run is not None and request.to_run is not None:
            self.check_window(run.job_name, request)
            context["after"] = self._committed(run.job_name, FROM_ARG, request.from_run).elements
            context["upto"] = self._committed(run.job_name, TO_ARG, request.to_run).elements
        run_dir.mkdir(parents=True, exist_ok=True)
        (run_dir / COMMIT_FILE).unlink(missing_ok=True)  # a retry starts from nothing
        write_private(run_dir / CONTEXT_FILE, json.dumps(context, separators=(",", ":")))
        return {CONTEXT_ARG: str(run_dir / CONTEXT_FILE)}

    def take_commit(self, run: JobRun, run_dir: Path) -> BookmarkCommit | None:
        """The commit a SUCCEEDED run hands over, or None (not enabled, or the script never
        called commit()); InvalidInput when the script left one that cannot be written."""
        if bookmark_request(run.resolved_arguments).option is not BookmarkOption.ENABLE:
            return None
        path = run_dir / COMMIT_FILE
        try:
            size = path.stat().st_size
        except FileNotFoundError:
            return None
        if size > MAX_STATE_BYTES:
            raise InvalidInput(
                f"the bookmark state this run committed is {size} bytes; at most "
                f"{MAX_STATE_BYTES} are kept per version (fewer files in the band: lower "
                "maxFilesInBand or maxBand)",
                field="bookmark",
            )
        context = json.loads((run_dir / CONTEXT_FILE).read_text(encoding="utf-8"))
        try:
            committed = json.loads(path.read_text(encoding="utf-8"))
        except ValueError as exc:
            raise InvalidInput(f"the bookmark commit is not JSON: {exc}", field="bookmark") from exc
        elements = check_elements(
            committed.get("elements") if isinstance(committed, dict) else None
        )
        return BookmarkCommit(
            run_id=run.id, attempt=run.attempt, previous_run_id=run.previous_run_id,
            base_version=int(context["version"]), elements=elements,
        )  # fmt: skip
