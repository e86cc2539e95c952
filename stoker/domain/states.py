"""Glue's job run states and the run state table: which writes of a run's state may happen."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from stoker.errors import InvalidTransition


class RunState(StrEnum):
    """A job run's state; names and meanings are Glue's ``JobRunState``."""

    WAITING = "WAITING"
    """Accepted; waits for a concurrency slot (job limit or pool capacity)."""
    STARTING = "STARTING"
    """Has a slot; waits for an executor (an idle warm driver, a process)."""
    RUNNING = "RUNNING"
    """The script is executing."""
    STOPPING = "STOPPING"
    """A stop was requested; the executor is cancelling the script."""
    STOPPED = "STOPPED"
    """Terminal: stopped by request (or by a daemon shutdown)."""
    SUCCEEDED = "SUCCEEDED"
    """Terminal: the script ended normally."""
    FAILED = "FAILED"
    """Terminal: the script raised or exited non-zero."""
    TIMEOUT = "TIMEOUT"
    """Terminal: the run exceeded its timeout."""
    ERROR = "ERROR"
    """Terminal: the platform failed (driver died, run lost across a restart)."""

    @property
    def terminal(self) -> bool:
        return self in TERMINAL_STATES

    @property
    def live(self) -> bool:
        return not self.terminal


TERMINAL_STATES = frozenset(
    {RunState.STOPPED, RunState.SUCCEEDED, RunState.FAILED, RunState.TIMEOUT, RunState.ERROR}
)

#: States that hold a concurrency slot (count against max concurrent runs and the pool).
ACTIVE_STATES = frozenset({RunState.STARTING, RunState.RUNNING, RunState.STOPPING})

_S = RunState
#: The run state table: the states a stored run may move to from each state. Every write of
#: an existing run's state takes its allowed sources from here (``sources``).
TRANSITIONS: dict[RunState, frozenset[RunState]] = {
    _S.WAITING: frozenset({_S.STARTING, _S.STOPPED, _S.ERROR}),
    # STARTING → WAITING: Glue lets a run move between non-terminal states while it
    # looks for resources; stoker uses it to hand a run back to the queue at shutdown.
    _S.STARTING: frozenset(
        {_S.WAITING, _S.RUNNING, _S.STOPPING, _S.FAILED, _S.ERROR, _S.TIMEOUT, _S.STOPPED}
    ),
    _S.RUNNING: frozenset({_S.SUCCEEDED, _S.FAILED, _S.TIMEOUT, _S.STOPPING, _S.ERROR}),
    _S.STOPPING: frozenset({_S.STOPPED, _S.ERROR, _S.SUCCEEDED, _S.FAILED}),
    _S.STOPPED: frozenset(),
    _S.SUCCEEDED: frozenset(),
    _S.FAILED: frozenset(),
    _S.TIMEOUT: frozenset(),
    _S.ERROR: frozenset(),
}

#: The table's row for a run not stored yet: the slot decision creates it WAITING or
#: STARTING; a run that cannot start is recorded already ended, as Glue records it (FAILED:
#: over its job's limit with queuing off; ERROR: a trigger's job is missing or its
#: arguments are invalid).
INITIAL_STATES = frozenset({RunState.WAITING, RunState.STARTING, RunState.FAILED, RunState.ERROR})

#: What "failed" means when listing runs (the console's outcome filter): the script's
#: failure, the platform's and a timeout, not a stop someone asked for.
FAILED_OUTCOMES = frozenset({RunState.FAILED, RunState.ERROR, RunState.TIMEOUT})

#: Outcomes that start the next attempt when retries are left (Glue: FAILED; we add ERROR).
RETRYABLE_STATES = frozenset({RunState.FAILED, RunState.ERROR})

#: What recovery does at start with each run a previous daemon left live: nobody executes
#: it any more. WAITING runs are not here: they stay queued for the dispatcher.
AFTER_RESTART: dict[RunState, RunState] = {
    _S.STARTING: _S.ERROR,
    _S.RUNNING: _S.ERROR,
    _S.STOPPING: _S.STOPPED,
}


def sources(expected: RunState | Iterable[RunState], target: RunState) -> tuple[RunState, ...]:
    """The states among ``expected`` that the table lets a run leave for ``target``, in the
    order of RunState: what a guarded ``UPDATE … WHERE state IN (…)`` may match. Raises
    InvalidTransition when there are none, so a write the table forbids never reaches the
    database."""
    candidates = {expected} if isinstance(expected, RunState) else set(expected)
    allowed = tuple(s for s in RunState if s in candidates and target in TRANSITIONS[s])
    if not allowed:
        raise InvalidTransition(
            f"a run cannot move from {_either(candidates)} to {target.value}: the run state "
            f"table allows {target.value} only from {_either(_sources_of(target))}",
            field="state",
            value=target.value,
        )
    return allowed


def initial(state: RunState, *, ended: bool = False) -> RunState:
    """``state`` when the table lets a run be created in it; ``ended``: a run recorded as
    already ended (it could not start). Raises InvalidTransition otherwise."""
    allowed = INITIAL_STATES & TERMINAL_STATES if ended else INITIAL_STATES - TERMINAL_STATES
    if state not in allowed:
        kind = "recorded as ended" if ended else "created"
        raise InvalidTransition(
            f"a run cannot be {kind} in {state.value}: the run state table allows "
            f"{_either(allowed)}",
            field="state",
            value=state.value,
        )
    return state


def _sources_of(target: RunState) -> list[RunState]:
    return [s for s in RunState if target in TRANSITIONS[s]]


def _either(states: Iterable[RunState]) -> str:
    """The states' names in RunState's order, joined with "or"."""
    among = set(states)
    names = [s.value for s in RunState if s in among]
    return " or ".join(names) if names else "no state"
