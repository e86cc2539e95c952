"""The bookkeeping every run handle shares: one outcome reported once, one stop, one escalation."""

from __future__ import annotations

import asyncio

from stoker.domain.runs import Exit
from stoker.executors.base import RunSpec


class BaseRunHandle:
    """Implements the RunHandle port's done/wait/stop bookkeeping.

    A subclass says how to ask its run to end (``_request_stop``) and what to do when the
    run has not ended ``grace`` seconds later (``_grace_expired``), and reports the end
    with ``finish``: the first report wins, later ones are ignored.
    """

    def __init__(self, spec: RunSpec, grace: float) -> None:
        self.spec = spec
        self.grace = grace
        self.stopping = False
        self._done: asyncio.Future[Exit] = asyncio.get_running_loop().create_future()
        self._escalation: asyncio.TimerHandle | None = None

    @property
    def run_id(self) -> str:
        return self.spec.run_id

    @property
    def done(self) -> bool:
        return self._done.done()

    @property
    def outcome(self) -> asyncio.Future[Exit]:
        """The future ``finish`` resolves; for waiting on many handles at once."""
        return self._done

    async def wait(self) -> Exit:
        return await asyncio.shield(self._done)

    async def stop(self) -> None:
        """Ask once; escalate after the grace. If asking fails, escalate now (and raise)."""
        if self._done.done() or self.stopping:
            return
        self.stopping = True
        self._escalation = asyncio.get_running_loop().call_later(self.grace, self._escalate)
        try:
            self._request_stop()
        except BaseException:
            self._escalation.cancel()
            self._escalate()
            raise

    def finish(self, exit_: Exit) -> None:
        if self._escalation is not None:
            self._escalation.cancel()
        if not self._done.done():
            self._done.set_result(exit_)

    def _escalate(self) -> None:
        if not self._done.done():
            self._grace_expired()

    def _request_stop(self) -> None:
        raise NotImplementedError

    def _grace_expired(self) -> None:
        raise NotImplementedError
