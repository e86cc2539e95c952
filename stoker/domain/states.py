"""Glue's job run states and the transitions between them, as data."""

from __future__ import annotations

from enum import StrEnum


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

#: States a run may be created in.
INITIAL_STATES = frozenset({RunState.WAITING, RunState.STARTING})

#: Outcomes that start the next attempt when retries are left (Glue: FAILED; we add ERROR).
RETRYABLE_STATES = frozenset({RunState.FAILED, RunState.ERROR})


def can_transition(source: RunState, target: RunState) -> bool:
    return target in TRANSITIONS[source]
