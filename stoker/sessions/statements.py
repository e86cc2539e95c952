"""One statement's turn on its session's driver, from WAITING to its output."""

from __future__ import annotations

from typing import TYPE_CHECKING

from stoker.domain.sessions import (
    LIVE_SESSION_STATES,
    SessionState,
    StatementOutput,
    StatementState,
)
from stoker.errors import ExecutorError
from stoker.sessions.live import LiveSession, output_of

if TYPE_CHECKING:
    from stoker.sessions.service import SessionService


async def execute(live: LiveSession, statement_id: int, service: SessionService) -> None:
    """Wait for the session's previous statements, run this one, record how it ended; a
    driver lost meanwhile fails the session (a statement that ended it, too)."""
    async with live.turn:
        statement = live.begin(statement_id, service.now())
        if statement is None or live.lease is None:
            return  # cancelled while it waited
        try:
            done = await live.lease.run(live.run_id(statement_id), statement.code, statement_id)
        except ExecutorError as exc:
            ended = live.session.state not in LIVE_SESSION_STATES
            state = StatementState.CANCELLED if ended else StatementState.ERROR
            output = StatementOutput("error", "", statement_id, "SessionEnded"
                                     if ended else "DriverLost", exc.message)  # fmt: skip
            live.end(statement_id, state, output, service.now())
            await service.end(live, SessionState.FAILED, f"the session's driver was lost: "
                              f"{exc.message}")  # fmt: skip
            return
        cancelled = done.status == "cancelled"
        state = StatementState.CANCELLED if cancelled else StatementState.AVAILABLE
        live.end(statement_id, state, output_of(done, statement_id), service.now())
        if done.retire is not None:
            await service.end(live, SessionState.FAILED, done.retire)
