"""Job bookmark versions: the current state, its history, and compare-and-set writes.

Every change inserts the next version of the job's bookmark, keyed (job, version): two
writers that read the same version race for the same key and only one insert can win,
which is what makes a commit compare-and-set. The losing commit names the run that holds
the version it wanted. Each version written carries its "Job Bookmark Change" event into
the outbox in the same transaction.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, insert, select
from sqlalchemy.exc import IntegrityError

from stoker.domain.bookmarks import BookmarkAction, BookmarkCommit, BookmarkVersion
from stoker.domain.events import EventIdentity, bookmark_change_event
from stoker.domain.states import RunState
from stoker.errors import BookmarkConflict, NotFound
from stoker.store import outbox as outbox_rows
from stoker.store.engine import Database
from stoker.store.tables import job_bookmarks, job_runs

#: Given the current version and the job's live runs (id, resolved arguments), read inside
#: the write transaction: what writes the next version and its elements; it may raise to
#: write nothing.
NextVersion = Callable[
    [BookmarkVersion, list[tuple[str, dict[str, str]]]], tuple[BookmarkAction, dict[str, Any]]
]


def empty(job_name: str) -> BookmarkVersion:
    """A job's bookmark before anything was written: version 0, nothing processed."""
    return BookmarkVersion(job_name, 0, 0, 0, None, None, BookmarkAction.RESET, None)


def _version(row: Any) -> BookmarkVersion:
    return BookmarkVersion(
        job_name=row.job_name,
        version=row.version,
        run=row.run,
        attempt=row.attempt,
        run_id=row.run_id,
        previous_run_id=row.previous_run_id,
        action=BookmarkAction(row.action),
        created_on=row.created_on,
        elements=json.loads(row.elements),
    )


class BookmarkStore:
    def __init__(self, db: Database, identity: EventIdentity) -> None:
        self._db = db
        self._identity = identity

    # -- reads ----------------------------------------------------------------------------

    def current(self, job_name: str, now: datetime) -> BookmarkVersion:
        with self._db.read() as conn:
            return self.current_in(conn, job_name, now)

    def current_in(self, conn: Connection, job_name: str, now: datetime) -> BookmarkVersion:
        row = conn.execute(
            select(job_bookmarks)
            .where(job_bookmarks.c.job_name == job_name)
            .order_by(job_bookmarks.c.version.desc())
            .limit(1)
        ).one_or_none()
        return _version(row) if row is not None else empty(job_name)

    def history(
        self, job_name: str, *, limit: int, before_version: int | None = None
    ) -> list[BookmarkVersion]:
        """Versions newest first."""
        query = (
            select(job_bookmarks)
            .where(job_bookmarks.c.job_name == job_name)
            .order_by(job_bookmarks.c.version.desc())
            .limit(limit)
        )
        if before_version is not None:
            query = query.where(job_bookmarks.c.version < before_version)
        with self._db.read() as conn:
            return [_version(row) for row in conn.execute(query)]

    def committed_by(self, job_name: str, run_id: str) -> BookmarkVersion:
        """The version ``run_id`` committed; NotFound names why there is none."""
        with self._db.read() as conn:
            row = conn.execute(
                select(job_bookmarks).where(
                    job_bookmarks.c.job_name == job_name,
                    job_bookmarks.c.run_id == run_id,
                    job_bookmarks.c.action == BookmarkAction.COMMIT.value,
                )
            ).one_or_none()
        if row is None:
            raise NotFound(
                f"run {run_id} has no committed bookmark state for job {job_name!r}: it is "
                "not a run of this job, or it never committed one (only a SUCCEEDED run with "
                "job-bookmark-enable that called commit() does)",
                field="run_id",
                value=run_id,
            )
        return _version(row)

    # -- writes ---------------------------------------------------------------------------

    def commit_in(self, conn: Connection, job_name: str, commit: BookmarkCommit,
                  now: datetime) -> BookmarkVersion:  # fmt: skip
        """Write the version after ``commit.base_version`` in the caller's transaction (a
        run's terminal one); BookmarkConflict if another run got there first."""
        current = self.current_in(conn, job_name, now)
        if current.version != commit.base_version:
            raise _conflict(job_name, commit, self._after(conn, job_name, commit.base_version, now))
        written = BookmarkVersion(
            job_name=job_name, version=current.version + 1, run=current.run + 1,
            attempt=commit.attempt, run_id=commit.run_id,
            previous_run_id=commit.previous_run_id, action=BookmarkAction.COMMIT,
            created_on=now, elements=commit.elements,
        )  # fmt: skip
        try:
            with conn.begin_nested():
                self._insert(conn, written, now)
        except IntegrityError:
            raise _conflict(
                job_name, commit, self._after(conn, job_name, commit.base_version, now)
            ) from None
        return written

    def _after(
        self, conn: Connection, job_name: str, version: int, now: datetime
    ) -> BookmarkVersion:
        """The version written right after ``version`` (what beat a stale commit), else the
        current one (the job was deleted and its bookmark with it)."""
        row = conn.execute(
            select(job_bookmarks).where(
                job_bookmarks.c.job_name == job_name, job_bookmarks.c.version == version + 1
            )
        ).one_or_none()
        return _version(row) if row is not None else self.current_in(conn, job_name, now)

    def change(self, job_name: str, decide: NextVersion, now: datetime,
               run_id: str | None = None) -> BookmarkVersion:  # fmt: skip
        """A person's reset, rewind or set: the next version, decided against the current
        one inside the write transaction (``decide`` may refuse)."""
        with self._db.write() as conn:
            current = self.current_in(conn, job_name, now)
            live = conn.execute(
                select(job_runs.c.id, job_runs.c.resolved_arguments).where(
                    job_runs.c.job_name == job_name,
                    job_runs.c.state.in_([s.value for s in RunState if s.live]),
                )
            ).all()
            action, elements = decide(current, [(i, dict(a)) for i, a in live])
            run = 0 if action is BookmarkAction.RESET else current.run
            written = BookmarkVersion(
                job_name=job_name, version=current.version + 1, run=run, attempt=0,
                run_id=run_id, previous_run_id=None, action=action, created_on=now,
                elements=elements,
            )  # fmt: skip
            self._insert(conn, written, now)
            return written

    def delete_in(self, conn: Connection, job_name: str) -> None:
        """A deleted job's bookmark goes with it (Glue's DeleteJob)."""
        conn.execute(delete(job_bookmarks).where(job_bookmarks.c.job_name == job_name))

    def _insert(self, conn: Connection, version: BookmarkVersion, now: datetime) -> None:
        conn.execute(
            insert(job_bookmarks).values(
                job_name=version.job_name, version=version.version, run=version.run,
                attempt=version.attempt, run_id=version.run_id,
                previous_run_id=version.previous_run_id, action=version.action.value,
                elements=json.dumps(version.elements, separators=(",", ":")),
                created_on=now,
            )
        )  # fmt: skip
        event = bookmark_change_event(version, now, self._identity)
        outbox_rows.append(conn, event, version.run_id, now)


def _conflict(job_name: str, commit: BookmarkCommit, current: BookmarkVersion) -> BookmarkConflict:
    by = (
        f"run {current.run_id}"
        if current.action is BookmarkAction.COMMIT
        else f"a {current.action.value} of the bookmark"
    )
    return BookmarkConflict(
        f"job {job_name!r}'s bookmark moved on while run {commit.run_id} ran: it read version "
        f"{commit.base_version}, and version {current.version} was written meanwhile by {by}; "
        "this run's input was not committed (runs of one job that overlap cannot both "
        "advance its bookmark: keep max_concurrent_runs = 1 for bookmarked jobs)",
        field="bookmark",
        value=current.version,
    )
