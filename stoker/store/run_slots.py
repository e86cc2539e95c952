"""What the slot decisions read: a job's and the pool's occupancy, and the WAITING queue.

store/runs.py reads these inside the transaction that acts on them (after the job rows are
locked), and domain/slots.py decides from them: where a new run starts (``place``) and which
queued runs move (``promote``). Active runs are counted (few); the queue is only probed with
EXISTS, or read as ids in FIFO order, never as its rows' JSON.
"""

from __future__ import annotations

from collections.abc import Generator, Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, bindparam, func, select

from stoker.domain.jobs import ExecutorKind
from stoker.domain.slots import (
    JobOccupancy,
    Placement,
    PoolOccupancy,
    Queued,
    Request,
    Slots,
    job_blocks,
    place,
    place_in_order,
)
from stoker.domain.states import ACTIVE_STATES, RunState
from stoker.store.tables import job_runs, jobs

_ACTIVE = [s.value for s in ACTIVE_STATES]
_POOL = ExecutorKind.POOL.value
_OF_JOB = job_runs.c.job_name == bindparam("name")
_IN_POOL = job_runs.c.executor == _POOL


def _active(where: Any) -> Any:
    active = job_runs.c.state.in_(_ACTIVE)
    return select(func.count()).select_from(job_runs).where(where, active).scalar_subquery()


def _waiting(where: Any) -> Any:
    return select(job_runs.c.seq).where(job_runs.c.state == RunState.WAITING.value, where).exists()


# One statement for the job and, only when the job leaves room, one for the pool. A
# member's pool is its own (its active pool runs); the queue it must not overtake is shared.
_MINE = job_runs.c.member_id == bindparam("member")
_JOB_OCCUPANCY = select(_active(_OF_JOB), _waiting(_OF_JOB))
_POOL_OCCUPANCY = select(_active(_IN_POOL), _waiting(_IN_POOL))
_MEMBER_POOL_OCCUPANCY = select(_active(_IN_POOL & _MINE), _waiting(_IN_POOL))
# A burst's jobs at once, each with its active runs counted and its queue probed (EXISTS
# stops at the first WAITING run, however long the queue), correlated on the jobs' rows.
_OF_JOB_ROW = job_runs.c.job_name == jobs.c.name
_JOBS_OCCUPANCY = select(jobs.c.name, _active(_OF_JOB_ROW), _waiting(_OF_JOB_ROW)).where(
    jobs.c.name.in_(bindparam("names", expanding=True))
)
# Promotion runs on every completion: the queue may hold thousands of runs.
_WAITING_BY_JOB = (
    select(job_runs.c.job_name, func.count())
    .where(job_runs.c.state == RunState.WAITING.value)
    .group_by(job_runs.c.job_name)
)
_QUEUE = (
    select(job_runs.c.id, job_runs.c.job_name, job_runs.c.executor)
    .where(job_runs.c.state == RunState.WAITING.value)
    .order_by(job_runs.c.seq)
)
_ACTIVE_BY_JOB = (
    select(job_runs.c.job_name, job_runs.c.executor, func.count())
    .where(job_runs.c.state.in_(_ACTIVE))
    .group_by(job_runs.c.job_name, job_runs.c.executor)
)
# A job's limit holds across members; the pool count is the member's own.
_ACTIVE_BY_JOB_MEMBER = (
    select(job_runs.c.job_name, job_runs.c.executor, func.count(),
           func.count().filter(_MINE))
    .where(job_runs.c.state.in_(_ACTIVE))
    .group_by(job_runs.c.job_name, job_runs.c.executor)
)  # fmt: skip
# Locked in name order, so two promotions never wait on each other's locks.
_LIMITS = (
    select(jobs.c.name, jobs.c.max_concurrent_runs)
    .where(jobs.c.name.in_(bindparam("names", expanding=True)))
    .order_by(jobs.c.name)
)
_LIMITS_LOCKED = _LIMITS.with_for_update()


def placement(
    conn: Connection, job_name: str, limit: int, executor: ExecutorKind, pool_capacity: int,
    *, queuing: bool, member_id: str | None = None,
) -> Placement:  # fmt: skip
    """Where a new run of the job starts (domain.slots.place), from the occupancy read
    after the job row was locked. The pool is not read when the job alone decides; with
    ``member_id`` it is that member's pool."""
    active, waiting = conn.execute(_JOB_OCCUPANCY, {"name": job_name}).one()
    job = JobOccupancy(limit, active, bool(waiting))
    pool = None
    if executor is ExecutorKind.POOL and not job_blocks(job):
        pool = _pool(conn, pool_capacity, member_id)
    return place(job_name, job, pool, queuing=queuing)


def placements(
    conn: Connection, requests: Sequence[Request], limits: Mapping[str, int],
    pool_capacity: int, *, member_id: str | None = None,
) -> list[Placement]:  # fmt: skip
    """Where each of a burst of new runs starts, decided in order as serial creations
    would (domain.slots.place_in_order): the jobs' occupancy in one statement and the
    pool's in one more, read after the job rows were locked. ``limits`` holds each
    requested job's max concurrent runs; with ``member_id`` the pool is that member's."""
    names = sorted({r.job_name for r in requests})
    rows = conn.execute(_JOBS_OCCUPANCY, {"names": names})
    counts = {name: (active, bool(waiting)) for name, active, waiting in rows}
    jobs = {name: JobOccupancy(limits[name], *counts.get(name, (0, False))) for name in names}
    return place_in_order(requests, jobs, _pool(conn, pool_capacity, member_id))


def _pool(conn: Connection, capacity: int, member_id: str | None) -> PoolOccupancy:
    """The pool's occupancy: the whole installation's, or with ``member_id`` that
    member's own active runs (the queue it must not overtake is shared)."""
    if member_id is None:
        active, waiting = conn.execute(_POOL_OCCUPANCY).one()
    else:
        active, waiting = conn.execute(_MEMBER_POOL_OCCUPANCY, {"member": member_id}).one()
    return PoolOccupancy(capacity, active, bool(waiting))


def waiting_by_job(conn: Connection) -> dict[str, int]:
    """How many WAITING runs each job has (jobs with none are absent)."""
    return {job: n for job, n in conn.execute(_WAITING_BY_JOB)}


def slots(
    conn: Connection, waiting: dict[str, int], pool_capacity: int, *, lock: bool,
    member_id: str | None = None,
) -> Slots:  # fmt: skip
    """The queued jobs' limits (their rows locked first when ``lock``) and the active runs;
    with ``member_id`` the pool counted is that member's."""
    query = _LIMITS_LOCKED if lock else _LIMITS
    limits: dict[str, int] = {
        name: limit for name, limit in conn.execute(query, {"names": sorted(waiting)})
    }
    active: dict[str, int] = {}
    pool_active = 0
    rows: Iterable[tuple[str, str, int, int]]
    if member_id is None:
        rows = ((job, kind, n, n) for job, kind, n in conn.execute(_ACTIVE_BY_JOB))
    else:
        rows = conn.execute(_ACTIVE_BY_JOB_MEMBER, {"member": member_id}).tuples()
    for job_name, executor, count, mine in rows:
        active[job_name] = active.get(job_name, 0) + count
        pool_active += mine if executor == _POOL else 0
    return Slots(waiting, limits, active, pool_capacity, pool_active)


def queue(conn: Connection) -> Generator[Queued]:
    """The WAITING runs, oldest first, as ids; the caller stops reading when it has enough
    (the result is closed when the generator is)."""
    result = conn.execute(_QUEUE)
    try:
        for run_id, job_name, executor in result:
            yield Queued(run_id, job_name, executor == _POOL)
    finally:
        result.close()
