"""One live session's in-memory side: its driver lease, statements, activity clock."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field, replace
from datetime import datetime

from stoker.domain.sessions import (
    ENDED_STATEMENT_STATES,
    Session,
    Statement,
    StatementOutput,
    StatementState,
)
from stoker.executors.pool.lease import DriverLease
from stoker.executors.pool.protocol import StatementDone


def output_of(done: StatementDone, count: int) -> StatementOutput:
    lines = tuple(done.traceback.splitlines(keepends=True)) if done.traceback else ()
    return StatementOutput(done.status, done.text, count, done.error_name, done.error_value,
                           lines)  # fmt: skip


@dataclass
class LiveSession:
    """What a session holds while it lives; the stored row is the record of its state."""

    session: Session
    lease: DriverLease | None = None
    statements: list[Statement] = field(default_factory=list)
    #: One statement at a time on the driver, in the order they were asked for.
    turn: asyncio.Lock = field(default_factory=asyncio.Lock)
    #: When the last statement ended (or the session became READY): the idle clock.
    last_active: float = field(default_factory=time.monotonic)
    started: float = field(default_factory=time.monotonic)
    #: Set on every statement start and end, and when the session ends: the watchdog wakes.
    poked: asyncio.Event = field(default_factory=asyncio.Event)
    #: Callers waiting for the next change of a statement (a statement run with a wait).
    _watchers: list[asyncio.Future[None]] = field(default_factory=list)

    @property
    def busy(self) -> bool:
        return any(s.state not in ENDED_STATEMENT_STATES for s in self.statements)

    def statement(self, statement_id: int) -> Statement | None:
        if 0 <= statement_id < len(self.statements):
            return self.statements[statement_id]
        return None

    def put(self, statement: Statement) -> None:
        self.statements[statement.id] = statement
        self.poked.set()
        for watcher in self._watchers:
            if not watcher.done():
                watcher.set_result(None)
        self._watchers.clear()

    def next_change(self) -> asyncio.Future[None]:
        """Resolved at the next change of any of its statements."""
        watcher: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._watchers.append(watcher)
        return watcher

    def begin(self, statement_id: int, now: datetime) -> Statement | None:
        """Mark it RUNNING, unless it was cancelled while it waited its turn."""
        current = self.statements[statement_id]
        if current.state is not StatementState.WAITING:
            return None
        running = replace(current, state=StatementState.RUNNING, started_on=now)
        self.put(running)
        return running

    def end(self, statement_id: int, state: StatementState, output: StatementOutput | None,
            now: datetime) -> None:  # fmt: skip
        current = self.statements[statement_id]
        self.put(replace(current, state=state, output=output, completed_on=now))
        self.last_active = time.monotonic()

    def run_id(self, statement_id: int) -> str:
        """The statement's name on the driver (its Spark job group, its Cancel)."""
        return f"session-{self.session.id}-{statement_id}"
