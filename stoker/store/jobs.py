"""Job definitions: create, replace, get, list, delete."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Select, bindparam, delete, insert, select, tuple_, update
from sqlalchemy.exc import IntegrityError

from stoker.domain.jobs import Job, JobCursor, JobFilter, JobSort
from stoker.domain.runs import JobActivity
from stoker.errors import Conflict, NotFound
from stoker.store import last_runs
from stoker.store.codec import job_from_row, job_to_json
from stoker.store.engine import Database
from stoker.store.tables import job_bookmarks, job_tags, jobs

_EVERY_JOB = JobFilter()


class JobStore:
    """Job rows. Deleting a job leaves its runs (they carry the job's name and a snapshot)."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def create(self, job: Job, now: datetime) -> Job:
        with self._db.write() as conn:
            return self.create_in(conn, job, now)

    def create_in(self, conn: Connection, job: Job, now: datetime) -> Job:
        try:
            with conn.begin_nested():
                conn.execute(
                    insert(jobs).values(
                        name=job.name,
                        definition=job_to_json(job),
                        max_concurrent_runs=job.max_concurrent_runs,
                        created_on=now,
                        last_modified_on=now,
                    )
                )
                _write_tags(conn, job)
                # A deleted job's runs stay: one of the same name shows them as its own,
                # as its History does.
                last_runs.refresh(conn, [job.name])
        except IntegrityError as exc:
            raise Conflict(
                f"job {job.name!r} already exists; update it or choose another name",
                field="name",
                value=job.name,
            ) from exc
        return job.with_times(now, now)

    def replace(self, job: Job, now: datetime) -> Job:
        with self._db.write() as conn:
            return self.replace_in(conn, job, now)

    def replace_in(self, conn: Connection, job: Job, now: datetime) -> Job:
        created = conn.execute(
            update(jobs)
            .where(jobs.c.name == job.name)
            .values(
                definition=job_to_json(job),
                max_concurrent_runs=job.max_concurrent_runs,
                last_modified_on=now,
            )
            .returning(jobs.c.created_on)
        ).scalar_one_or_none()
        if created is None:
            raise _missing(job.name)
        conn.execute(delete(job_tags).where(job_tags.c.job_name == job.name))
        _write_tags(conn, job)
        return job.with_times(created, now)

    def get(self, name: str) -> Job:
        with self._db.read() as conn:
            row = conn.execute(select(jobs).where(jobs.c.name == name)).one_or_none()
        if row is None:
            raise _missing(name)
        return job_from_row(row)

    def list_jobs(
        self, limit: int, after: str | JobCursor | None = None, where: JobFilter = _EVERY_JOB
    ) -> list[Job]:
        """Jobs in ``where``'s order after the cursor (a name: after that name): a keyset
        page of an index ending in name — the primary key, (last_modified_on, name),
        (last_run_seq, name), or (last_run_state, name) for the last-run-state filter; a
        tag is an index range of job_tags (key, value), the name is checked on the way."""
        query = _ordered(where, JobCursor(after) if isinstance(after, str) else after)
        query = query.limit(limit)
        if where.name_contains:
            query = query.where(jobs.c.name.icontains(where.name_contains, autoescape=True))
        if where.tag_key is not None:
            tagged = select(job_tags.c.job_name).where(job_tags.c.key == where.tag_key)
            if where.tag_value is not None:
                tagged = tagged.where(job_tags.c.value == where.tag_value)
            query = query.where(jobs.c.name.in_(tagged))
        if where.last_state is not None:
            query = query.where(jobs.c.last_run_state == where.last_state.value)
        with self._db.read() as conn:
            return [job_from_row(row) for row in conn.execute(query)]

    def activity(self, names: Sequence[str]) -> dict[str, JobActivity]:
        """Each named job's newest run and latest states, from the job rows (one statement)."""
        with self._db.read() as conn:
            return last_runs.activity(conn, names)

    def delete(self, name: str) -> None:
        with self._db.write() as conn:
            self.delete_in(conn, name)

    def delete_in(self, conn: Connection, name: str) -> None:
        """Delete the job and, as Glue does, its bookmark; its runs stay."""
        if conn.execute(delete(jobs).where(jobs.c.name == name)).rowcount == 0:
            raise _missing(name)
        conn.execute(delete(job_tags).where(job_tags.c.job_name == name))
        conn.execute(delete(job_bookmarks).where(job_bookmarks.c.job_name == name))

    def all_jobs(self, conn: Connection | None = None) -> list[Job]:
        if conn is not None:
            return [job_from_row(row) for row in conn.execute(select(jobs).order_by(jobs.c.name))]
        with self._db.read() as own:
            return self.all_jobs(own)


_SORTED_BY = {
    JobSort.NAME: None,
    JobSort.LAST_MODIFIED: jobs.c.last_modified_on,
    JobSort.LAST_RUN: jobs.c.last_run_seq,
}


def _ordered(where: JobFilter, after: JobCursor | None) -> Select[Any]:
    """All jobs in ``where``'s order (then by name), those after ``after`` only."""
    column = _SORTED_BY[where.sort]
    keys = [jobs.c.name] if column is None else [column, jobs.c.name]
    query = select(jobs).order_by(*(k.desc() if where.descending else k for k in keys))
    if after is None:
        return query
    if column is None:
        position: Any = jobs.c.name, after.name
    else:
        # The value bound with the column's type: stored as the column stores it.
        value = bindparam(None, after.value, type_=column.type)
        position = tuple_(column, jobs.c.name), tuple_(value, after.name)
    return query.where(position[0] < position[1] if where.descending
                       else position[0] > position[1])  # fmt: skip


def _write_tags(conn: Connection, job: Job) -> None:
    if job.tags:
        rows = [{"job_name": job.name, "key": k, "value": v} for k, v in job.tags.items()]
        conn.execute(insert(job_tags), rows)


def _missing(name: str) -> NotFound:
    return NotFound(f"job {name!r} does not exist", field="name", value=name)
