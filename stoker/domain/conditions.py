"""Conditional triggers: whether a completion, with those already seen, meets a predicate."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from stoker.domain.states import RunState
from stoker.domain.triggers import Logical, Predicate


@dataclass(frozen=True)
class Completion:
    """A run that ended, as a conditional trigger sees it."""

    job_name: str
    run_id: str
    state: RunState


def satisfied(
    predicate: Predicate, completed: Completion, pending: Iterable[Completion]
) -> list[str] | None:
    """The run ids a fire records as its predecessors (in job-name order), or None when
    the predicate is not met.

    ``completed`` ended just now; ``pending`` holds the completions the trigger has seen
    and no fire has consumed yet, oldest first, ``completed`` included. ANY is met by a
    completion that matches one of its conditions; AND needs a matching completion of
    every watched job and takes the latest of each. A completion that matches no condition
    (the trigger was redefined since it was seen) counts for nothing.
    """
    wanted = {c.job_name: c.state for c in predicate.conditions}
    if wanted.get(completed.job_name) is not completed.state:
        return None
    if predicate.logical is Logical.ANY:
        return [completed.run_id]
    latest = {c.job_name: c.run_id for c in pending if wanted.get(c.job_name) is c.state}
    if latest.keys() != wanted.keys():
        return None
    return [latest[job] for job in sorted(latest)]
