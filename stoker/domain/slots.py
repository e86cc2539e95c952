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

from stoker.domain.states import RunState


class Blocker(StrEnum):
    """What a run waits for."""

    JOB = "job"
    """The job's max concurrent runs."""
    POOL = "pool"
    """A free warm driver (the pool's capacity)."""


@dataclass(frozen=True)
class Occupancy:
    """The slots a new run of one job competes for, as read in the creating transaction."""

    job_limit: int
    job_active: int
    job_waiting: bool
    """Some run of the job is WAITING."""
    pool_capacity: int = 0
    pool_active: int = 0
    pool_waiting: bool = False
    """Some pool run (of any job) is WAITING."""


@dataclass(frozen=True)
class Placement:
    """A new run's first state, with why it waits (WAITING) or why it failed (FAILED)."""

    state: RunState
    detail: str | None = None


def blocker(occupancy: Occupancy, *, pool: bool) -> Blocker | None:
    """Why a new run cannot start now, or None when a slot is free for it."""
    o = occupancy
    if o.job_active >= o.job_limit or o.job_waiting:
        return Blocker.JOB
    if pool and (o.pool_waiting or o.pool_active >= o.pool_capacity):
        return Blocker.POOL
    return None


def place(job_name: str, occupancy: Occupancy, *, pool: bool, queuing: bool) -> Placement:
    """STARTING when a slot is free; else WAITING, or FAILED when the job's limit is what
    blocks it and queuing is off for the run (Glue: ConcurrentRunsExceededException)."""
    why = blocker(occupancy, pool=pool)
    if why is None:
        return Placement(RunState.STARTING)
    limit = occupancy.job_limit
    if why is Blocker.JOB and not queuing:
        return Placement(
            RunState.FAILED,
            f"Concurrent runs exceeded for {job_name}: it allows {limit} at a time "
            "and job-run queuing is off for this run",
        )
    return Placement(RunState.WAITING, waiting_detail(why, limit))


def waiting_detail(why: Blocker, limit: int) -> str:
    if why is Blocker.POOL:
        return "waiting for a free warm driver (pool capacity reached)"
    return f"waiting for a slot: the job allows {limit} concurrent run(s)"


@dataclass(frozen=True)
class Queued:
    """A WAITING run as the queue sees it."""

    seq: int
    run_id: str
    job_name: str
    pool: bool


@dataclass(frozen=True)
class Slots:
    """What promotion read in its transaction: the limits of the queued runs' jobs (a job
    missing here was deleted), the active runs of each job, and the pool's occupancy."""

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
    """Oldest first: each WAITING run that has a slot moves to STARTING; a run of a
    deleted job ends in ERROR; a job whose oldest waiting run cannot start is skipped, so
    its younger runs never overtake it."""
    room = {job: limit - slots.active.get(job, 0) for job, limit in slots.limits.items()}
    pool_free = slots.pool_capacity - slots.pool_active
    blocked: set[str] = set()
    moves: list[Move] = []
    for run in sorted(queue, key=lambda q: q.seq):
        job = run.job_name
        if job in blocked:
            continue
        if job not in room:
            moves.append(Move(run.run_id, job, RunState.ERROR, deleted_while_waiting(job)))
            continue
        if room[job] <= 0 or (run.pool and pool_free <= 0):
            blocked.add(job)
            continue
        moves.append(Move(run.run_id, job, RunState.STARTING))
        room[job] -= 1
        pool_free -= 1 if run.pool else 0
    return moves


def deleted_while_waiting(job_name: str) -> str:
    return f"job {job_name!r} was deleted while the run was waiting"
