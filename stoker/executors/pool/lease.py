"""A warm driver reserved for one interactive session: opening it, statements, cancels.

The pool hands a lease out (``WarmPool.reserve``) and routes the driver's session messages
to it; the driver counts as busy until ``release``, after which it is retired and
replaced, so nothing a session did (imports, conf, cached tables) reaches a later run.
A lease on a driver started for the session (``pool/own.py``) is handed out before that
driver exists: ``open`` waits until it is warm (``attach``) or could not start (``fail``).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from stoker.errors import ExecutorError
from stoker.executors.pool import protocol

log = logging.getLogger(__name__)


class DriverLease:
    """One session's driver, as the supervisor's event loop sees it."""

    def __init__(
        self,
        session_id: str,
        driver: int | None,
        send: Callable[[protocol.ToDriver], None] | None,
        release: Callable[[str], None],
        kill: Callable[[str], None],
        grace: float,
    ) -> None:
        self.session_id = session_id
        self.driver = driver
        self._send = send
        self._release = release
        self._kill = kill
        self._grace = grace
        loop = asyncio.get_running_loop()
        #: Resolved once there is a warm driver to open the session on (or none will come).
        self._attached: asyncio.Future[None] = loop.create_future()
        if send is not None:
            self._attached.set_result(None)
        self._opened: asyncio.Future[str | None] = loop.create_future()
        self._pending: dict[str, asyncio.Future[protocol.StatementDone]] = {}
        #: Why the driver is gone (it exited, or was released); None while it serves.
        self.gone: str | None = None

    async def open(
        self, arguments: dict[str, str], conf: dict[str, str], py_files: str,
        env: dict[str, str],
    ) -> None:  # fmt: skip
        """Make the session's namespace (``env`` set in the driver's environment);
        ExecutorError with the driver's traceback, or why its driver could not start."""
        await self._attached
        if self._send is None:
            raise ExecutorError(self.gone or "the session's driver did not start")
        self._send(protocol.OpenSession(self.session_id, arguments, conf, py_files, env))
        error = await self._opened
        if error is not None:
            raise ExecutorError(f"the session could not start on its driver: {error}")

    def attach(self, driver: int, send: Callable[[protocol.ToDriver], None]) -> None:
        """The session's own driver is warm: the session opens on it."""
        self.driver, self._send = driver, send
        if not self._attached.done():
            self._attached.set_result(None)

    def fail(self, reason: str) -> None:
        """The session's own driver could not be started (``reason`` says why)."""
        self.gone = self.gone or reason
        if not self._attached.done():
            self._attached.set_result(None)

    async def run(self, run_id: str, code: str, number: int) -> protocol.StatementDone:
        """Run one statement and wait for its output; ExecutorError if the driver died."""
        if self.gone is not None or self._send is None:
            raise ExecutorError(self.gone or "the session has no driver yet")
        future: asyncio.Future[protocol.StatementDone] = asyncio.get_running_loop().create_future()
        self._pending[run_id] = future
        self._send(protocol.Statement(run_id, code, number))
        try:
            return await future
        finally:
            self._pending.pop(run_id, None)

    def cancel(self, run_id: str) -> None:
        """Interrupt the statement; a statement that ignores it past the stop grace costs
        the session its driver (killed, so the statement ends as the session does)."""
        if run_id not in self._pending or self._send is None:
            return
        self._send(protocol.Cancel(run_id))
        asyncio.get_running_loop().call_later(self._grace, self._kill_if_running, run_id)

    def _kill_if_running(self, run_id: str) -> None:
        if run_id in self._pending and self.gone is None:
            self._kill(f"statement {run_id} ignored its cancel for {self._grace:g}s")

    def release(self, reason: str) -> None:
        """Give the driver back: the pool retires and replaces it."""
        if self.gone is None:
            self.gone = f"the session ended ({reason})"
            self._release(reason)
            self._fail_pending(self.gone)
            # An open still waiting learns it too (its driver will not answer now).
            if not self._attached.done():
                self._attached.set_result(None)
            if not self._opened.done():
                self._opened.set_result(self.gone)

    def _fail_pending(self, reason: str) -> None:
        for future in self._pending.values():
            if not future.done():
                future.set_exception(ExecutorError(reason))

    # -- called by the pool with the driver's messages ------------------------------------

    def session_opened(self, message: protocol.SessionOpened) -> None:
        if not self._opened.done():
            self._opened.set_result(message.error)

    def statement_done(self, message: protocol.StatementDone) -> None:
        future = self._pending.get(message.run_id)
        if future is not None and not future.done():
            future.set_result(message)

    def driver_gone(self, reason: str) -> None:
        """The driver exited: whoever waits on it learns why."""
        self.gone = self.gone or reason
        if not self._attached.done():
            self._attached.set_result(None)
        if not self._opened.done():
            self._opened.set_result(reason)
        self._fail_pending(reason)
        log.info("session %s lost its driver %s: %s", self.session_id, self.driver, reason,
                 extra={"action": "pool.session.gone", "session_id": self.session_id})  # fmt: skip
