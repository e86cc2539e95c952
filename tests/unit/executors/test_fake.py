"""The fake executor behaves as documented, so run-service tests can trust it."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from stoker.domain.jobs import ExecutorKind
from stoker.domain.runs import Exit, Outcome
from stoker.errors import ExecutorError
from stoker.executors.base import RunSpec
from stoker.executors.fake import Behaviour, FakeExecutor


def spec(run_id: str, script: str = "ok.py") -> RunSpec:
    return RunSpec(run_id, "job", 1, ExecutorKind.POOL, script, {}, Path("o"), Path("e"))


def test_behaviours() -> None:
    async def main() -> None:
        fake = FakeExecutor()
        fake.script("fail.py", Behaviour.fail("ValueError: boom", after=0.01))
        fake.script("lost.py", Behaviour.lose())
        fake.script("hang.py", Behaviour.hang())
        ok = await fake.start(spec("a"))
        fail = await fake.start(spec("b", "fail.py"))
        lost = await fake.start(spec("c", "lost.py"))
        hang = await fake.start(spec("d", "hang.py"))
        assert await ok.wait() == Exit(Outcome.SUCCEEDED)
        assert await fail.wait() == Exit(Outcome.FAILED, "ValueError: boom")
        assert (await lost.wait()).outcome is Outcome.LOST
        assert not hang.done
        await hang.stop()
        assert await hang.wait() == Exit(Outcome.STOPPED)
        assert [s.run_id for s in fake.started] == ["a", "b", "c", "d"]

    asyncio.run(main())


def test_manual_and_ignored_stop() -> None:
    async def main() -> None:
        fake = FakeExecutor(Behaviour.manual())
        handle = await fake.start(spec("a"))
        await handle.stop()
        await asyncio.sleep(0.01)
        assert handle.stop_requested and not handle.done
        fake.handles["a"].finish(Exit(Outcome.STOPPED, "killed"))
        assert await handle.wait() == Exit(Outcome.STOPPED, "killed")

    asyncio.run(main())


def test_capacity_makes_start_wait() -> None:
    async def main() -> None:
        fake = FakeExecutor(Behaviour.manual(), capacity=1)
        first = await fake.start(spec("a"))
        second = asyncio.ensure_future(fake.start(spec("b")))
        await asyncio.sleep(0.01)
        assert not second.done()
        first.finish(Exit(Outcome.SUCCEEDED))
        assert (await asyncio.wait_for(second, 5)).run_id == "b"
        await fake.aclose()

    asyncio.run(main())


def test_start_error() -> None:
    async def main() -> None:
        with pytest.raises(ExecutorError, match="no drivers"):
            await FakeExecutor(start_error="no drivers").start(spec("a"))

    asyncio.run(main())
