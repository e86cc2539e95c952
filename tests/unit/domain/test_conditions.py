"""Conditional trigger predicates: ANY and AND over the completions a trigger has seen."""

from __future__ import annotations

import pytest

from stoker.domain.conditions import Completion, satisfied
from stoker.domain.states import RunState
from stoker.domain.triggers import Condition, Logical, Predicate

S = RunState


def pred(logical: Logical, **watched: RunState) -> Predicate:
    return Predicate(logical, tuple(Condition(job, state) for job, state in watched.items()))


def done(job: str, run_id: str, state: RunState = S.SUCCEEDED) -> Completion:
    return Completion(job, run_id, state)


ANY_AB = pred(Logical.ANY, a=S.SUCCEEDED, b=S.FAILED)
AND_AB = pred(Logical.AND, b=S.SUCCEEDED, a=S.FAILED)
A1, A2 = done("a", "a1", S.FAILED), done("a", "a2", S.FAILED)
B1, B2 = done("b", "b1"), done("b", "b2")

CASES: list[tuple[str, Predicate, Completion, list[Completion], list[str] | None]] = [
    ("ANY: a matching completion fires alone", ANY_AB, done("a", "a1"), [], ["a1"]),
    ("ANY: the other condition", ANY_AB, done("b", "b1", S.FAILED), [], ["b1"]),
    ("ANY: history is irrelevant", ANY_AB, done("a", "a2"), [done("a", "a1")], ["a2"]),
    ("ANY: wrong state", ANY_AB, done("a", "a1", S.FAILED), [], None),
    ("ANY: unwatched job", ANY_AB, done("c", "c1"), [], None),
    ("AND: one of two", AND_AB, A1, [A1], None),
    ("AND: both, predecessors in job order", AND_AB, B1, [A1, B1], ["a1", "b1"]),
    ("AND: the latest of each job", AND_AB, B2, [A1, B1, A2, B2], ["a2", "b2"]),
    ("AND: the completion itself must match", AND_AB, done("b", "b3", S.FAILED), [A1, B1],
     None),
    ("AND: a stale match in another state counts for nothing", AND_AB, A1,
     [done("b", "b0", S.FAILED), A1], None),
    ("AND: a stale match of an unwatched job is ignored", AND_AB, B1,
     [done("c", "c1"), A1, B1], ["a1", "b1"]),
    ("AND: a single condition", pred(Logical.AND, a=S.TIMEOUT), done("a", "a1", S.TIMEOUT),
     [done("a", "a1", S.TIMEOUT)], ["a1"]),
]  # fmt: skip


@pytest.mark.parametrize(("predicate", "completed", "pending", "expected"),
                         [c[1:] for c in CASES], ids=[c[0] for c in CASES])  # fmt: skip
def test_satisfied(
    predicate: Predicate, completed: Completion, pending: list[Completion],
    expected: list[str] | None,
) -> None:  # fmt: skip
    assert satisfied(predicate, completed, pending) == expected
