"""A fake Executor for unit tests of the run service: scripted behaviour, no processes.

Usage::

    fake = FakeExecutor(default=Behaviour.succeed())
    fake.script("s3://bucket/fails.py", Behaviour.fail("ValueError: boom", after=0.01))
    fake.script("hang.py", Behaviour.hang())          # runs until stop()
    fake.script("lost.py", Behaviour.lose(after=0.0))  # the "driver" dies
    fake.script("manual.py", Behaviour.manual())       # the test decides when it ends

    handle = await fake.start(spec)       # behaviour chosen by spec.script_location
    fake.started                          # every RunSpec started, in order
    fake.handles[run_id].finish(Exit(Outcome.SUCCEEDED))   # end a manual (or any) run
    fake.handles[run_id].stop_requested   # whether stop() was called

``capacity`` (None = unlimited) makes start() wait while that many runs are live, like a
full warm pool; ``start_error`` makes every start() raise ExecutorError with that text, or
raise that exception. ``Behaviour.hang(broken_stop=True)`` raises from stop() instead.
A stopped run ends STOPPED after ``stop_delay`` seconds, or is ignored when the behaviour
is ``hang(ignore_stop=True)`` until the test calls ``finish``.
"""

from __future__ import annotations

import asyncio
import math
from dataclasses import dataclass

from stoker.domain.runs import Exit, Outcome
from stoker.errors import ExecutorError
from stoker.executors.base import RunSpec
from stoker.executors.handle import BaseRunHandle


@dataclass(frozen=True)
class Behaviour:
    """What a fake run does: end with ``exit`` after ``after`` seconds (None = never)."""

    exit: Exit | None
    after: float | None = 0.0
    ignore_stop: bool = False
    broken_stop: bool = False

    @classmethod
    def succeed(cls, after: float = 0.0) -> Behaviour:
        return cls(Exit(Outcome.SUCCEEDED), after)

    @classmethod
    def fail(cls, message: str = "ValueError: boom", after: float = 0.0) -> Behaviour:
        return cls(Exit(Outcome.FAILED, message), after)

    @classmethod
    def hang(cls, ignore_stop: bool = False, broken_stop: bool = False) -> Behaviour:
        return cls(None, None, ignore_stop or broken_stop, broken_stop)

    @classmethod
    def lose(cls, after: float = 0.0, message: str | None = None) -> Behaviour:
        text = message or "driver process exited with signal SIGKILL while the run was executing"
        return cls(Exit(Outcome.LOST, text), after)

    @classmethod
    def manual(cls) -> Behaviour:
        return cls(None, None, ignore_stop=True)


class FakeRunHandle(BaseRunHandle):
    """A fake run; ``finish`` ends it from the test. It never escalates a stop by itself."""

    def __init__(self, spec: RunSpec, behaviour: Behaviour, stop_delay: float) -> None:
        super().__init__(spec, grace=math.inf)
        self.behaviour = behaviour
        self._stop_delay = stop_delay
        self._timer: asyncio.TimerHandle | None = None
        if behaviour.exit is not None and behaviour.after is not None:
            self._timer = asyncio.get_running_loop().call_later(
                behaviour.after, self.finish, behaviour.exit
            )

    @property
    def stop_requested(self) -> bool:
        return self.stopping

    def _request_stop(self) -> None:
        if self.behaviour.broken_stop:
            raise RuntimeError("the fake's stop is broken")
        if not self.behaviour.ignore_stop:
            loop = asyncio.get_running_loop()
            loop.call_later(self._stop_delay, self.finish, Exit(Outcome.STOPPED))

    def _grace_expired(self) -> None:
        """Never called: the fake's grace is infinite."""

    def finish(self, exit_: Exit) -> None:
        if self._timer is not None:
            self._timer.cancel()
        super().finish(exit_)


class FakeExecutor:
    """Implements the Executor port from scripted behaviours (see the module docstring)."""

    def __init__(
        self,
        default: Behaviour | None = None,
        *,
        capacity: int | None = None,
        stop_delay: float = 0.0,
        start_error: str | Exception | None = None,
    ) -> None:
        self.default = default or Behaviour.succeed()
        self.behaviours: dict[str, Behaviour] = {}
        self.capacity = capacity
        self.stop_delay = stop_delay
        self.start_error = start_error
        self.started: list[RunSpec] = []
        self.handles: dict[str, FakeRunHandle] = {}
        self.closed = False
        self._freed = asyncio.Condition()

    def script(self, location: str, behaviour: Behaviour) -> None:
        self.behaviours[location] = behaviour

    @property
    def live(self) -> int:
        return sum(1 for h in self.handles.values() if not h.done)

    async def start(self, spec: RunSpec) -> FakeRunHandle:
        if isinstance(self.start_error, str):
            raise ExecutorError(self.start_error)
        if self.start_error is not None:
            raise self.start_error
        if self.closed:
            raise ExecutorError("the fake executor is closed")
        async with self._freed:
            await self._freed.wait_for(lambda: self.capacity is None or self.live < self.capacity)
        behaviour = self.behaviours.get(spec.script_location, self.default)
        handle = FakeRunHandle(spec, behaviour, self.stop_delay)
        handle.outcome.add_done_callback(lambda _: asyncio.ensure_future(self._notify()))
        self.started.append(spec)
        self.handles[spec.run_id] = handle
        return handle

    async def _notify(self) -> None:
        async with self._freed:
            self._freed.notify_all()

    async def aclose(self) -> None:
        self.closed = True
        for handle in self.handles.values():
            handle.finish(Exit(Outcome.LOST, "executor closed while the run was executing"))
