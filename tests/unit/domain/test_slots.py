"""The slot decision, FIFO and promotion of WAITING runs: table-driven cases and properties."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stoker.domain.slots import (
    Blocker,
    JobOccupancy,
    Move,
    Placement,
    PoolOccupancy,
    Queued,
    Slots,
    blocker,
    deleted_while_waiting,
    job_blocks,
    place,
    promote,
)
from stoker.domain.states import RunState

S = RunState
JOB = Blocker.JOB
POOL = Blocker.POOL


def job(limit: int = 2, active: int = 0, waiting: bool = False) -> JobOccupancy:
    return JobOccupancy(limit, active, waiting)


def pool(capacity: int = 2, active: int = 0, waiting: bool = False) -> PoolOccupancy:
    return PoolOccupancy(capacity, active, waiting)


BLOCKERS: list[tuple[str, JobOccupancy, PoolOccupancy | None, Blocker | None]] = [
    ("free job, free pool", job(), pool(), None),
    ("free job, no warm driver needed", job(), None, None),
    ("job at its limit", job(limit=2, active=2), pool(), JOB),
    ("job over its limit (lowered while runs were active)", job(limit=1, active=3), None, JOB),
    ("job limit zero", job(limit=0), None, JOB),
    ("a run of the job is waiting (FIFO)", job(waiting=True), pool(), JOB),
    ("job first: full job and full pool", job(limit=1, active=1), pool(active=2), JOB),
    ("job full, pool not read", job(limit=1, active=1), None, JOB),
    ("pool full", job(), pool(active=2), POOL),
    ("pool over capacity", job(), pool(capacity=1, active=2), POOL),
    ("pool of size zero", job(), pool(capacity=0), POOL),
    ("a pool run is waiting (FIFO)", job(), pool(waiting=True), POOL),
    ("one slot left in both", job(limit=3, active=2), pool(capacity=3, active=2), None),
]


@pytest.mark.parametrize(("j", "p", "expected"), [c[1:] for c in BLOCKERS],
                         ids=[c[0] for c in BLOCKERS])  # fmt: skip
def test_blocker(j: JobOccupancy, p: PoolOccupancy | None, expected: Blocker | None) -> None:
    assert blocker(j, p) is expected
    assert job_blocks(j) is (expected is JOB)


JOB_WAIT = "waiting for a slot: the job allows 1 concurrent run(s)"
POOL_WAIT = "waiting for a free warm driver (pool capacity reached)"
REFUSED = (
    "Concurrent runs exceeded for etl: it allows 1 at a time and job-run queuing is off "
    "for this run"
)
PLACEMENTS: list[tuple[str, JobOccupancy, PoolOccupancy | None, bool, Placement]] = [
    ("free: starts", job(limit=1), pool(), True, Placement(S.STARTING)),
    ("free, queuing off: starts", job(limit=1), pool(), False, Placement(S.STARTING)),
    ("job full: waits", job(limit=1, active=1), None, True, Placement(S.WAITING, JOB_WAIT)),
    ("job full, queuing off: fails", job(limit=1, active=1), None, False,
     Placement(S.FAILED, REFUSED)),
    ("job queue not empty, queuing off: fails", job(limit=1, waiting=True), None, False,
     Placement(S.FAILED, REFUSED)),
    ("pool full: waits", job(limit=1), pool(active=2), True, Placement(S.WAITING, POOL_WAIT)),
    ("pool full, queuing off: still waits (queuing is about the job's limit)",
     job(limit=1), pool(active=2), False, Placement(S.WAITING, POOL_WAIT)),
]  # fmt: skip


@pytest.mark.parametrize(("j", "p", "queuing", "expected"), [c[1:] for c in PLACEMENTS],
                         ids=[c[0] for c in PLACEMENTS])  # fmt: skip
def test_place(
    j: JobOccupancy, p: PoolOccupancy | None, queuing: bool, expected: Placement
) -> None:
    assert place("etl", j, p, queuing=queuing) == expected


def q(n: int, job_name: str, in_pool: bool = True) -> Queued:
    return Queued(f"r{n}", job_name, in_pool)


def slots(queue: list[Queued], limits: dict[str, int], active: dict[str, int] | None = None,
          capacity: int = 5, pool_active: int = 0) -> Slots:  # fmt: skip
    waiting = Counter(r.job_name for r in queue)
    return Slots(waiting, limits, active or {}, capacity, pool_active)


def started(*ns: int, job_name: str = "a") -> list[Move]:
    return [Move(f"r{n}", job_name, S.STARTING) for n in ns]


DELETED_A = deleted_while_waiting("a")
A3 = [q(1, "a"), q(2, "a"), q(3, "a")]
PROMOTIONS: list[tuple[str, list[Queued], Slots, list[Move]]] = [
    ("empty queue", [], slots([], {}), []),
    ("oldest first up to the job's room", A3, slots(A3, {"a": 2}), started(1, 2)),
    ("active runs take room", A3, slots(A3, {"a": 2}, {"a": 1}, pool_active=1), started(1)),
    ("full job promotes nothing", A3, slots(A3, {"a": 1}, {"a": 1}), []),
    ("pool capacity shared across jobs",
     [q(1, "a"), q(2, "b"), q(3, "c")],
     slots([q(1, "a"), q(2, "b"), q(3, "c")], {"a": 5, "b": 5, "c": 5}, capacity=2),
     [*started(1), *started(2, job_name="b")]),
    ("non-pool runs ignore a full pool",
     [q(1, "a"), q(2, "b", False)], slots([q(1, "a"), q(2, "b")], {"a": 5, "b": 5}, capacity=0),
     started(2, job_name="b")),
    ("a blocked job's younger runs never overtake it",
     [q(1, "a"), q(2, "a", False)], slots([q(1, "a"), q(2, "a")], {"a": 5}, capacity=0), []),
    ("other jobs pass a blocked one",
     [q(1, "a"), q(2, "b")], slots([q(1, "a"), q(2, "b")], {"a": 1, "b": 1}, {"a": 1}),
     started(2, job_name="b")),
    ("runs of a deleted job end in ERROR, in queue order",
     [q(1, "a"), q(2, "b"), q(3, "a")], slots([q(1, "a"), q(2, "b"), q(3, "a")], {"b": 1}),
     [Move("r1", "a", S.ERROR, DELETED_A), *started(2, job_name="b"),
      Move("r3", "a", S.ERROR, DELETED_A)]),
    ("a lowered limit leaves the job blocked", A3, slots(A3, {"a": 1}, {"a": 3}, 9), []),
    ("pool over capacity promotes no pool run", A3, slots(A3, {"a": 5}, capacity=1,
                                                         pool_active=2), []),
    ("a run counted but not read (stopped meanwhile) changes nothing",
     [q(1, "a")], slots(A3, {"a": 5}), started(1)),
    ("a run read but not counted (queued meanwhile) waits for the next pass",
     A3, slots(A3[:2], {"a": 5}), started(1, 2)),
]  # fmt: skip


@pytest.mark.parametrize(("queue", "given_slots", "expected"), [c[1:] for c in PROMOTIONS],
                         ids=[c[0] for c in PROMOTIONS])  # fmt: skip
def test_promote(queue: list[Queued], given_slots: Slots, expected: list[Move]) -> None:
    assert promote(queue, given_slots) == expected


class Reading:
    """A queue that counts how many runs were read from it."""

    def __init__(self, runs: list[Queued]) -> None:
        self.runs, self.read = runs, 0

    def __iter__(self) -> Iterator[Queued]:
        for run in self.runs:
            self.read += 1
            yield run


def test_a_deep_queue_is_read_only_as_far_as_a_move_is_possible() -> None:
    # The throughput case: one job, 1,000 pool runs queued, one driver just freed.
    queue = [q(n, "a") for n in range(1000)]
    reading = Reading(queue)
    assert promote(reading, slots(queue, {"a": 1000}, {"a": 1}, capacity=2, pool_active=1)) == (
        started(0)
    )
    assert reading.read == 2  # the promoted run, and the one the full pool then blocks
    # A job whose every run was seen stops the reading too.
    mixed = [q(0, "a"), *(q(n, "b") for n in range(1, 1000))]
    reading = Reading(mixed)
    assert promote(reading, slots(mixed, {"a": 5, "b": 0})) == started(0)
    assert reading.read == 1


# -- properties ----------------------------------------------------------------------------

JOBS = ["a", "b", "c", "d"]
#: No deadline: a shared, loaded machine must not turn a slow example into a failure.
untimed = settings(deadline=None)


@st.composite
def situations(draw: st.DrawFn) -> tuple[list[Queued], Slots]:
    size = draw(st.integers(0, 30))
    queue = [Queued(f"r{n}", draw(st.sampled_from(JOBS)), draw(st.booleans()))
             for n in range(size)]  # fmt: skip
    existing = draw(st.lists(st.sampled_from(JOBS), unique=True))
    limits = {j: draw(st.integers(0, 5)) for j in existing}
    active = {j: draw(st.integers(0, 6)) for j in draw(st.lists(st.sampled_from(JOBS)))}
    capacity = draw(st.integers(0, 6))
    pool_active = draw(st.integers(0, sum(active.values()) + 1))
    return queue, Slots(Counter(r.job_name for r in queue), limits, active, capacity,
                        pool_active)  # fmt: skip


def reference(queue: list[Queued], s: Slots) -> list[Move]:
    """The rule read off the definition: the whole queue, oldest first, no shortcut."""
    room = {j: limit - s.active.get(j, 0) for j, limit in s.limits.items()}
    pool_free = s.pool_capacity - s.pool_active
    blocked: set[str] = set()
    moves = []
    for run in queue:
        if run.job_name in blocked:
            continue
        if run.job_name not in room:
            moves.append(
                Move(run.run_id, run.job_name, S.ERROR, deleted_while_waiting(run.job_name))
            )
        elif room[run.job_name] <= 0 or (run.pool and pool_free <= 0):
            blocked.add(run.job_name)
        else:
            moves.append(Move(run.run_id, run.job_name, S.STARTING))
            room[run.job_name] -= 1
            pool_free -= run.pool
    return moves


@untimed
@given(situations())
def test_reading_less_of_the_queue_never_changes_a_decision(
    situation: tuple[list[Queued], Slots],
) -> None:
    queue, s = situation
    assert promote(Reading(queue), s) == reference(queue, s)


@untimed
@given(situations())
def test_promotion_never_exceeds_a_limit_and_serves_each_job_in_order(
    situation: tuple[list[Queued], Slots],
) -> None:
    queue, s = situation
    moves = promote(queue, s)
    order = {r.run_id: i for i, r in enumerate(queue)}
    starting = [queue[order[m.run_id]] for m in moves if m.target is S.STARTING]
    ids = [m.run_id for m in moves]
    assert ids == sorted(set(ids), key=order.__getitem__)  # oldest first, each at most once
    errored = {m.run_id for m in moves if m.target is S.ERROR}
    assert errored == {r.run_id for r in queue if r.job_name not in s.limits}
    per_job: defaultdict[str, int] = defaultdict(int)
    for run in starting:
        per_job[run.job_name] += 1
    for job_name, count in per_job.items():
        assert count <= s.limits[job_name] - s.active.get(job_name, 0)
    pool_started = sum(r.pool for r in starting)
    assert pool_started <= max(0, s.pool_capacity - s.pool_active)
    # FIFO and work-conserving: what a job promoted is a prefix of its queue, and the first
    # run left behind had no slot (its job full, or a pool run with the pool full).
    for job_name, limit in s.limits.items():
        mine = [r for r in queue if r.job_name == job_name]
        count = per_job[job_name]
        assert {r.run_id for r in mine[:count]} <= {r.run_id for r in starting}
        if count < len(mine):
            left = mine[count]
            job_full = count >= limit - s.active.get(job_name, 0)
            pool_full = left.pool and pool_started >= s.pool_capacity - s.pool_active
            assert job_full or pool_full, (left, s)


@untimed
@given(situations())
def test_a_new_run_starts_only_where_promotion_would_start_it(
    situation: tuple[list[Queued], Slots],
) -> None:
    """The creation rule and the queue agree: a run that would start on creation (no run
    of its job or the pool waiting) is one that promotion starts at once."""
    _, s = situation
    for job_name, limit in s.limits.items():
        for in_pool in (True, False):
            j = JobOccupancy(limit, s.active.get(job_name, 0), False)
            p = PoolOccupancy(s.pool_capacity, s.pool_active, False) if in_pool else None
            alone = promote([Queued("new", job_name, in_pool)], Slots(
                {job_name: 1}, s.limits, s.active, s.pool_capacity, s.pool_active))  # fmt: skip
            assert (alone == [Move("new", job_name, S.STARTING)]) is (blocker(j, p) is None)
