"""The slot decision, FIFO and promotion of WAITING runs: table-driven cases and properties."""

from __future__ import annotations

import random
from collections import defaultdict

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stoker.domain.slots import (
    Blocker,
    Move,
    Occupancy,
    Placement,
    Queued,
    Slots,
    blocker,
    place,
    promote,
)
from stoker.domain.states import RunState

S = RunState
JOB = Blocker.JOB
POOL = Blocker.POOL


def occ(limit: int = 2, active: int = 0, waiting: bool = False, capacity: int = 2,
        pool_active: int = 0, pool_waiting: bool = False) -> Occupancy:  # fmt: skip
    return Occupancy(limit, active, waiting, capacity, pool_active, pool_waiting)


BLOCKERS: list[tuple[str, Occupancy, bool, Blocker | None]] = [
    ("free job, free pool", occ(), True, None),
    ("free job, not a pool run", occ(capacity=0), False, None),
    ("job at its limit", occ(limit=2, active=2), True, JOB),
    ("job over its limit (lowered while runs were active)", occ(limit=1, active=3), False, JOB),
    ("job limit zero", occ(limit=0), False, JOB),
    ("a run of the job is waiting (FIFO)", occ(active=0, waiting=True), True, JOB),
    ("job first: full job and full pool", occ(limit=1, active=1, pool_active=2), True, JOB),
    ("pool full", occ(pool_active=2), True, POOL),
    ("pool over capacity", occ(capacity=1, pool_active=2), True, POOL),
    ("pool of size zero", occ(capacity=0), True, POOL),
    ("a pool run is waiting (FIFO)", occ(pool_waiting=True), True, POOL),
    ("pool state ignored for other executors", occ(capacity=0, pool_waiting=True), False, None),
    ("one slot left", occ(limit=3, active=2, capacity=3, pool_active=2), True, None),
]


@pytest.mark.parametrize(("o", "pool", "expected"), [c[1:] for c in BLOCKERS],
                         ids=[c[0] for c in BLOCKERS])  # fmt: skip
def test_blocker(o: Occupancy, pool: bool, expected: Blocker | None) -> None:
    assert blocker(o, pool=pool) is expected


JOB_WAIT = "waiting for a slot: the job allows 1 concurrent run(s)"
POOL_WAIT = "waiting for a free warm driver (pool capacity reached)"
REFUSED = (
    "Concurrent runs exceeded for etl: it allows 1 at a time and job-run queuing is off "
    "for this run"
)
PLACEMENTS: list[tuple[str, Occupancy, bool, bool, Placement]] = [
    ("free: starts", occ(limit=1), True, True, Placement(S.STARTING)),
    ("free, queuing off: starts", occ(limit=1), True, False, Placement(S.STARTING)),
    ("job full: waits", occ(limit=1, active=1), True, True, Placement(S.WAITING, JOB_WAIT)),
    ("job full, queuing off: fails", occ(limit=1, active=1), True, False,
     Placement(S.FAILED, REFUSED)),
    ("job queue not empty, queuing off: fails", occ(limit=1, waiting=True), False, False,
     Placement(S.FAILED, REFUSED)),
    ("pool full: waits", occ(limit=1, pool_active=2), True, True, Placement(S.WAITING, POOL_WAIT)),
    ("pool full, queuing off: still waits (queuing is about the job's limit)",
     occ(limit=1, pool_active=2), True, False, Placement(S.WAITING, POOL_WAIT)),
]  # fmt: skip


@pytest.mark.parametrize(("o", "pool", "queuing", "expected"), [c[1:] for c in PLACEMENTS],
                         ids=[c[0] for c in PLACEMENTS])  # fmt: skip
def test_place(o: Occupancy, pool: bool, queuing: bool, expected: Placement) -> None:
    assert place("etl", o, pool=pool, queuing=queuing) == expected


def q(seq: int, job: str, pool: bool = True) -> Queued:
    return Queued(seq, f"r{seq}", job, pool)


def started(*seqs: int, job: str = "a") -> list[Move]:
    return [Move(f"r{s}", job, S.STARTING) for s in seqs]


DELETED_A = "job 'a' was deleted while the run was waiting"
PROMOTIONS: list[tuple[str, list[Queued], Slots, list[Move]]] = [
    ("empty queue", [], Slots({}, {}, 2, 0), []),
    ("oldest first up to the job's room",
     [q(3, "a"), q(1, "a"), q(2, "a")], Slots({"a": 2}, {}, 5, 0), started(1, 2)),
    ("active runs take room", [q(1, "a"), q(2, "a")], Slots({"a": 2}, {"a": 1}, 5, 1),
     started(1)),
    ("full job promotes nothing", [q(1, "a")], Slots({"a": 1}, {"a": 1}, 5, 1), []),
    ("pool capacity shared across jobs",
     [q(1, "a"), q(2, "b"), q(3, "c")], Slots({"a": 5, "b": 5, "c": 5}, {}, 2, 0),
     [*started(1), *started(2, job="b")]),
    ("non-pool runs ignore a full pool",
     [q(1, "a"), q(2, "b", pool=False)], Slots({"a": 5, "b": 5}, {}, 0, 0),
     started(2, job="b")),
    ("a blocked job's younger runs never overtake it",
     [q(1, "a"), q(2, "a", pool=False)], Slots({"a": 5}, {}, 0, 0), []),
    ("other jobs pass a blocked one",
     [q(1, "a"), q(2, "b")], Slots({"a": 1, "b": 1}, {"a": 1}, 5, 1), started(2, job="b")),
    ("runs of a deleted job end in ERROR, in queue order",
     [q(1, "a"), q(2, "b"), q(3, "a")], Slots({"b": 1}, {}, 5, 0),
     [Move("r1", "a", S.ERROR, DELETED_A), *started(2, job="b"),
      Move("r3", "a", S.ERROR, DELETED_A)]),
    ("a lowered limit leaves the job blocked", [q(1, "a")], Slots({"a": 1}, {"a": 3}, 9, 0), []),
    ("pool over capacity promotes no pool run", [q(1, "a")], Slots({"a": 5}, {}, 1, 2), []),
]  # fmt: skip


@pytest.mark.parametrize(("queue", "slots", "expected"), [c[1:] for c in PROMOTIONS],
                         ids=[c[0] for c in PROMOTIONS])  # fmt: skip
def test_promote(queue: list[Queued], slots: Slots, expected: list[Move]) -> None:
    assert promote(queue, slots) == expected


# -- properties ----------------------------------------------------------------------------

JOBS = ["a", "b", "c", "d"]
#: No deadline: a shared, loaded machine must not turn a slow example into a failure.
untimed = settings(deadline=None)


@st.composite
def situations(draw: st.DrawFn) -> tuple[list[Queued], Slots]:
    size = draw(st.integers(0, 30))
    seqs = draw(st.lists(st.integers(1, 1000), min_size=size, max_size=size, unique=True))
    queue = [Queued(s, f"r{s}", draw(st.sampled_from(JOBS)), draw(st.booleans())) for s in seqs]
    existing = draw(st.lists(st.sampled_from(JOBS), unique=True))
    limits = {job: draw(st.integers(0, 5)) for job in existing}
    active = {job: draw(st.integers(0, 6)) for job in draw(st.lists(st.sampled_from(JOBS)))}
    capacity = draw(st.integers(0, 6))
    pool_active = draw(st.integers(0, sum(active.values()) + 1))
    return queue, Slots(limits, active, capacity, pool_active)


@untimed
@given(situations())
def test_promotion_never_exceeds_a_limit_and_serves_each_job_in_order(
    situation: tuple[list[Queued], Slots],
) -> None:
    queue, slots = situation
    moves = promote(queue, slots)
    by_id = {r.run_id: r for r in queue}
    starting = [by_id[m.run_id] for m in moves if m.target is S.STARTING]
    # Oldest first, each run at most once, only runs that were queued.
    ids = [m.run_id for m in moves]
    assert ids == sorted(set(ids), key=lambda i: by_id[i].seq)
    # Every run of a deleted job ends in ERROR, and only those.
    errored = {m.run_id for m in moves if m.target is S.ERROR}
    assert errored == {r.run_id for r in queue if r.job_name not in slots.limits}
    # No job above its limit, the pool not above its capacity.
    per_job: defaultdict[str, int] = defaultdict(int)
    for run in starting:
        per_job[run.job_name] += 1
    for job, count in per_job.items():
        assert count <= slots.limits[job] - slots.active.get(job, 0)
    pool_started = sum(r.pool for r in starting)
    assert pool_started <= max(0, slots.pool_capacity - slots.pool_active)
    # FIFO and work-conserving: what a job promoted is a prefix of its queue, and the first
    # run left behind had no slot (its job full, or a pool run with the pool full).
    for job, limit in slots.limits.items():
        mine = sorted((r for r in queue if r.job_name == job), key=lambda r: r.seq)
        count = per_job[job]
        assert {r.run_id for r in mine[:count]} <= {r.run_id for r in starting}
        if count < len(mine):
            left = mine[count]
            job_full = count >= limit - slots.active.get(job, 0)
            pool_full = left.pool and pool_started >= slots.pool_capacity - slots.pool_active
            assert job_full or pool_full, (left, slots)


@untimed
@given(situations(), st.randoms(use_true_random=False))
def test_promotion_depends_on_creation_order_not_on_read_order(
    situation: tuple[list[Queued], Slots], rnd: random.Random
) -> None:
    queue, slots = situation
    shuffled = list(queue)
    rnd.shuffle(shuffled)
    assert promote(shuffled, slots) == promote(queue, slots)


@untimed
@given(situations())
def test_a_new_run_starts_only_where_promotion_would_start_it(
    situation: tuple[list[Queued], Slots],
) -> None:
    """The creation rule and the queue agree: a run that would start on creation (no run
    of its job or the pool waiting) is one that promotion starts at once."""
    _, slots = situation
    for job, limit in slots.limits.items():
        for pool in (True, False):
            o = Occupancy(limit, slots.active.get(job, 0), False, slots.pool_capacity,
                          slots.pool_active, False)  # fmt: skip
            alone = promote([Queued(1, "new", job, pool)], slots)
            starts = blocker(o, pool=pool) is None
            assert (alone == [Move("new", job, S.STARTING)]) is starts
