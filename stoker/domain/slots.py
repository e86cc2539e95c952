"""Concurrency slots: whether a new run starts or waits, and which WAITING runs start next.

Pure decisions over what the store read inside its transaction; the store writes them in
that same transaction, so nobody takes a slot between the reading and the writing. FIFO:
a run never takes a slot that an older run is waiting for, and the queue is served in
creation order.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import NamedTuple

from stoker.domain.states import RunState


class Blocker(StrEnum):
    """What a run waits for."""

    JOB = "job"
    """The job's max concurrent runs."""
    POOL = "pool"
    """A free warm driver (the pool's capacity)."""


@dataclass(frozen=True)
class JobOccupancy:
    """A job's slots, as read in the creating transaction (after its row was locked)."""

    limit: int
    active: int
    waiting: bool
    """Some run of the job is WAITING."""


@dataclass(frozen=True)
class PoolOccupancy:
    """The warm pool's slots, as read in the creating transaction."""

    capacity: int
    active: int
    waiting: bool
    """Some pool run (of any job) is WAITING."""


@dataclass(frozen=True)
class Placement:
    """A new run's first state, with why it waits (WAITING) or why it failed (FAILED)."""

    state: RunState
    detail: str | None = None


def job_blocks(job: JobOccupancy) -> bool:
    """The job alone keeps a new run from starting: at its limit, or a run of it waits."""
    return job.active >= job.limit or job.waiting


def blocker(job: JobOccupancy, pool: PoolOccupancy | None) -> Blocker | None:
    """Why a new run cannot start now, or None when a slot is free for it. ``pool`` is
    None for a run that needs no warm driver; the store may also leave it out when
    ``job_blocks`` already answers."""
    if job_blocks(job):
        return Blocker.JOB
    if pool is not None and (pool.waiting or pool.active >= pool.capacity):
        return Blocker.POOL
    return None


def place(
    job_name: str, job: JobOccupancy, pool: PoolOccupancy | None, *, queuing: bool
) -> Placement:
    """STARTING when a slot is free; else WAITING, or FAILED when the job's limit is what
    blocks it and queuing is off for the run (Glue: ConcurrentRunsExceededException)."""
    why = blocker(job, pool)
    if why is None:
        return Placement(RunState.STARTING)
    if why is Blocker.JOB and not queuing:
        return Placement(
            RunState.FAILED,
            f"Concurrent runs exceeded for {job_name}: it allows {job.limit} at a time "
            "and job-run queuing is off for this run",
        )
    return Placement(RunState.WAITING, waiting_detail(why, job.limit))


class Request(NamedTuple):
    """A new run asking for a slot: its job, whether it needs a warm driver, and whether
    it may queue."""

    job_name: str
    pool: bool
    queuing: bool


def place_in_order(
    requests: Iterable[Request],
    jobs: Mapping[str, JobOccupancy],
    pool: PoolOccupancy,
) -> list[Placement]:
    """Each request's placement, as if each were created after the one before it: a burst
    of new runs read its occupancy once and decides here what serial creations would.
    ``jobs`` holds each requested job's occupancy (its limit, read with its row locked)."""
    occupied = dict(jobs)
    placements: list[Placement] = []
    for request in requests:
        job = occupied[request.job_name]
        placed = place(request.job_name, job, pool if request.pool else None,
                       queuing=request.queuing)  # fmt: skip
        # A started run takes a slot; a queued one makes later runs queue behind it (FIFO).
        if placed.state is RunState.STARTING:
            occupied[request.job_name] = JobOccupancy(job.limit, job.active + 1, job.waiting)
            if request.pool:
                pool = PoolOccupancy(pool.capacity, pool.active + 1, pool.waiting)
        elif placed.state is RunState.WAITING:
            occupied[request.job_name] = JobOccupancy(job.limit, job.active, True)
            if request.pool:
                pool = PoolOccupancy(pool.capacity, pool.active, True)
        placements.append(placed)
    return placements


def waiting_detail(why: Blocker, limit: int) -> str:
    if why is Blocker.POOL:
        return "waiting for a free warm driver (pool capacity reached)"
    return f"waiting for a slot: the job allows {limit} concurrent run(s)"


class Queued(NamedTuple):
    """A WAITING run as the queue sees it (a tuple: the queue may be long)."""

    run_id: str
    job_name: str
    pool: bool


@dataclass(frozen=True)
class Slots:
    """What promotion read in its transaction: how many runs of each job wait, the limits
    of those jobs (a job missing here was deleted), the active runs of each job, and the
    pool's occupancy."""

    waiting: Mapping[str, int]
    limits: Mapping[str, int]
    active: Mapping[str, int]
    pool_capacity: int
    pool_active: int


@dataclass(frozen=True)
class Move:
    """One decision of promotion: the run goes to ``target`` (with ``error`` if it ends)."""

    run_id: str
    job_name: str
    target: RunState
    error: str | None = None


def promote(queue: Iterable[Queued], slots: Slots) -> list[Move]:
    """Each WAITING run that has a slot moves to STARTING and each run of a deleted job
    ends in ERROR; a job whose oldest waiting run cannot start is skipped, so its younger
    runs never overtake it.

    ``queue`` is the WAITING runs oldest first; it is read only as far as a move is still
    possible: once every job is blocked or has had all its waiting runs seen, the rest is
    left unread, so a completion costs what it promotes, not the length of the queue.
    """
    room = {job: limit - slots.active.get(job, 0) for job, limit in slots.limits.items()}
    # Jobs that may still move a run, with how many of their runs are still to be read.
    open_ = {job: n for job, n in slots.waiting.items() if room.get(job, 1) > 0}
    pool_free = slots.pool_capacity - slots.pool_active
    moves: list[Move] = []
    queued = iter(queue)
    while open_:
        run = next(queued, None)
        if run is None:
            break
        job = run.job_name
        if job not in open_:
            continue
        open_[job] -= 1
        if job not in room:
            moves.append(Move(run.run_id, job, RunState.ERROR, deleted_while_waiting(job)))
        elif run.pool and pool_free <= 0:
            room[job] = 0  # blocked: none of its younger runs may overtake this one
        else:
            moves.append(Move(run.run_id, job, RunState.STARTING))
            room[job] -= 1
            pool_free -= 1 if run.pool else 0
        if open_[job] == 0 or room.get(job, 1) <= 0:
            del open_[job]
    return moves


def deleted_while_waiting(job_name: str) -> str:
    return f"job {job_name!r} was deleted while the run was waiting"
