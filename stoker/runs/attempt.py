"""One attempt on its executor: launch, watch, stop — whatever goes wrong ends as an Exit.

Nothing that goes wrong here may leave a run live for ever: an exception while launching
ends the attempt LOST (ERROR, with the reason), a stop while it is still launching
cancels the launch (STOPPED), and a stop the executor does not complete within its
grace is abandoned shortly after (STOPPED), whatever the executor does.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from stoker.domain.runs import Exit, Outcome
from stoker.errors import ExecutorError
from stoker.executors.base import Executor, RunHandle, RunSpec

log = logging.getLogger(__name__)

#: Past the executor's stop grace, how long a stopped attempt may take to report its end
#: (the executor kills at the grace; this covers a process the kernel cannot end at once).
STOP_BACKSTOP_SECONDS = 5.0


class Attempt:
    """The attempt of one run: ``run`` launches and watches it, ``stop`` ends it."""

    def __init__(self, spec: RunSpec, executor: Executor, stop_grace: float) -> None:
        self.spec = spec
        self._executor = executor
        self._grace = stop_grace
        self.handle: RunHandle | None = None
        self.stop_requested = False
        self._launching: asyncio.Task[object] | None = None
        self._launch_cancelled = False
        self._abandon = asyncio.Event()
        self._backstop: asyncio.TimerHandle | None = None

    @property
    def run_id(self) -> str:
        return self.spec.run_id

    async def run(self, started: Callable[[Attempt], Awaitable[None]]) -> Exit:
        """Launch, tell ``started``, wait for the end. Every failure is an Exit, not raised."""
        try:
            handle = await self._launch()
        except Exception as exc:  # whatever it was, the run must end, with the reason
            return self._launch_failed(exc)
        if handle is None:
            return Exit(Outcome.STOPPED)  # stopped while it was launching
        self.handle = handle
        try:
            await started(self)
            return await self._outcome(handle)
        except Exception as exc:
            log.exception(
                "watching run %s failed", self.run_id,
                extra={"action": "run.watch_failed", "run_id": self.run_id},
            )  # fmt: skip
            await self.stop()
            return Exit(Outcome.LOST, f"watching the run failed: {type(exc).__name__}: {exc}")
        finally:
            if self._backstop is not None:
                self._backstop.cancel()

    async def stop(self) -> None:
        """Stop the attempt: cancel its launch, or ask its handle. It ends (STOPPED at the
        latest) within the stop grace plus ``STOP_BACKSTOP_SECONDS``."""
        self.stop_requested = True
        if self._backstop is None:
            loop = asyncio.get_running_loop()
            self._backstop = loop.call_later(self._grace + STOP_BACKSTOP_SECONDS, self._abandon.set)
        if self.handle is not None:
            try:
                await self.handle.stop()
            except Exception:
                log.exception(
                    "stopping run %s failed; it ends at the stop grace", self.run_id,
                    extra={"action": "run.stop_failed", "run_id": self.run_id},
                )  # fmt: skip
        elif self._launching is not None and not self._launch_cancelled:
            self._launch_cancelled = True
            self._launching.cancel()

    async def _launch(self) -> RunHandle | None:
        """The executor's handle, or None when stop() called the launch off. The launch runs
        in the caller's task (no task of its own on the start path); stop() cancels that
        task while it launches, and the cancellation is taken back here."""
        self._launching = asyncio.current_task()
        try:
            return await self._executor.start(self.spec)
        except asyncio.CancelledError:
            if not self._launch_cancelled:
                raise
            assert self._launching is not None
            if self._launching.uncancel() > 0:
                raise  # cancelled by someone else too (the daemon stopping): let it through
            return None
        finally:
            self._launching = None

    def _launch_failed(self, exc: Exception) -> Exit:
        if isinstance(exc, ExecutorError):
            reason = f"executor failed: {exc.message}"
        else:
            reason = f"launching the run failed: {type(exc).__name__}: {exc}"
        log.error(
            "run %s could not be launched: %s", self.run_id, reason, exc_info=exc,
            extra={"action": "run.launch_failed", "run_id": self.run_id},
        )  # fmt: skip
        # Asked to stop meanwhile: nothing runs, and the user wanted it ended.
        return Exit(Outcome.STOPPED) if self.stop_requested else Exit(Outcome.LOST, reason)

    async def _outcome(self, handle: RunHandle) -> Exit:
        ended = asyncio.ensure_future(handle.wait())
        abandoned = asyncio.ensure_future(self._abandon.wait())
        try:
            await asyncio.wait([ended, abandoned], return_when=asyncio.FIRST_COMPLETED)
        finally:
            abandoned.cancel()
        if ended.done():
            return ended.result()
        ended.cancel()
        log.error(
            "run %s did not end within its stop grace (%gs) plus %gs; abandoning it",
            self.run_id, self._grace, STOP_BACKSTOP_SECONDS,
            extra={"action": "run.stop_abandoned", "run_id": self.run_id},
        )  # fmt: skip
        return Exit(
            Outcome.STOPPED,
            f"the executor did not end the run within the stop grace ({self._grace:g}s)",
        )
