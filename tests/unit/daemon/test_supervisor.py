"""The supervisor: a crash is logged once, counted, restarted with a bounded backoff; a task
that keeps failing is marked failed and, if critical, stops the daemon; one-shots are
reported; and the shared helpers of stoker.tasks (wait_any, in_thread, Unsupervised)."""

from __future__ import annotations

import asyncio
import itertools
import logging
import threading
from collections.abc import Callable, Coroutine
from typing import Any

import pytest

from stoker.daemon.supervisor import POLICIES, Policy, Supervisor
from stoker.tasks import TaskState, Unsupervised, in_thread, wait_any

POLICY = {
    "critical": Policy(critical=True),
    "optional": Policy(critical=False),
    "once": Policy(critical=True, restart=False),
}


def run(test: Callable[[], Coroutine[Any, Any, None]]) -> None:
    asyncio.run(asyncio.wait_for(test(), 30))


class Flaky:
    """A loop that raises on its first ``failures`` attempts, then runs until ``stop``."""

    def __init__(self, failures: int | float) -> None:
        self.failures = failures
        self.attempts = 0
        self.stop = asyncio.Event()
        self.running = asyncio.Event()

    async def __call__(self) -> None:
        self.attempts += 1
        if self.attempts <= self.failures:
            raise RuntimeError(f"boom {self.attempts}")
        self.running.set()
        await self.stop.wait()


def supervisor(fatal: list[str], **options: Any) -> Supervisor:
    defaults: dict[str, Any] = {"first_backoff": 0.01, "max_backoff": 0.04}
    return Supervisor(fatal.append, policies=POLICY, **(defaults | options))


def crash_records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if getattr(r, "action", None) == "task.crashed"]


def test_a_crash_is_logged_once_with_its_traceback_counted_and_restarted(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def test() -> None:
        fatal: list[str] = []
        sup = supervisor(fatal)
        flaky = Flaky(failures=1)
        loop = sup.supervise("critical", flaky)
        await flaky.running.wait()
        assert flaky.attempts == 2
        assert sup.crashes["critical"] == 1
        assert [s.state for s in sup.statuses()] == [TaskState.OK]
        assert sup.alive() and fatal == []
        flaky.stop.set()
        await loop.join()
        assert sup.statuses()[0].state is TaskState.STOPPED

    with caplog.at_level(logging.ERROR):
        run(test)
    (record,) = crash_records(caplog)
    assert record.task == "critical"  # type: ignore[attr-defined]
    assert record.exc_info is not None and "boom 1" in str(record.exc_info[1])


def test_backoff_doubles_up_to_its_cap(caplog: pytest.LogCaptureFixture) -> None:
    async def test() -> None:
        sup = supervisor([], max_crashes=100)
        flaky = Flaky(failures=5)
        loop = sup.supervise("optional", flaky)
        await flaky.running.wait()
        flaky.stop.set()
        await loop.join()

    with caplog.at_level(logging.ERROR):
        run(test)
    backoffs = [r.backoff_seconds for r in crash_records(caplog)]  # type: ignore[attr-defined]
    assert backoffs == [0.01, 0.02, 0.04, 0.04, 0.04]


def test_a_critical_task_that_keeps_failing_fails_and_stops_the_daemon(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def test() -> None:
        fatal: list[str] = []
        sup = supervisor(fatal, max_crashes=3)
        flaky = Flaky(failures=float("inf"))
        loop = sup.supervise("critical", flaky)
        await asyncio.wait_for(loop.task, 10)
        assert flaky.attempts == 3
        assert fatal == ["critical"]
        assert sup.statuses()[0].state is TaskState.FAILED
        assert sup.critical_down() == ["critical"] and not sup.alive()
        assert sup.crashes["critical"] == 3
        await loop.join()  # a failed task joins at once

    with caplog.at_level(logging.ERROR):
        run(test)
    assert [r.levelname for r in caplog.records if r.action == "task.failed"] == ["CRITICAL"]  # type: ignore[attr-defined]


def test_a_task_that_is_not_critical_stays_failed_and_the_daemon_goes_on() -> None:
    async def test() -> None:
        fatal: list[str] = []
        sup = supervisor(fatal, max_crashes=2)
        loop = sup.supervise("optional", Flaky(failures=float("inf")))
        await asyncio.wait_for(loop.task, 10)
        assert fatal == [] and sup.alive()
        assert sup.statuses()[0].state is TaskState.FAILED

    run(test)


def test_crashes_older_than_the_window_are_forgotten() -> None:
    async def test() -> None:
        ticks = itertools.count(step=100.0)  # each crash 100 s after the last: never 3 in 60 s
        fatal: list[str] = []
        sup = supervisor(fatal, max_crashes=3, clock=lambda: next(ticks))
        flaky = Flaky(failures=6)
        loop = sup.supervise("critical", flaky)
        await flaky.running.wait()
        assert fatal == [] and sup.crashes["critical"] == 6
        flaky.stop.set()
        await loop.join()

    run(test)


def test_returning_before_it_was_stopped_is_a_crash(caplog: pytest.LogCaptureFixture) -> None:
    async def test() -> None:
        fatal: list[str] = []
        sup = supervisor(fatal, max_crashes=2)

        async def quits() -> None:
            return None

        loop = sup.supervise("critical", quits)
        await asyncio.wait_for(loop.task, 10)
        assert fatal == ["critical"]

    with caplog.at_level(logging.ERROR):
        run(test)
    assert "returned before it was stopped" in caplog.text


def test_a_task_that_may_not_restart_fails_at_its_first_crash() -> None:
    async def test() -> None:
        fatal: list[str] = []
        sup = supervisor(fatal)
        flaky = Flaky(failures=1)
        loop = sup.supervise("once", flaky)
        await asyncio.wait_for(loop.task, 10)
        assert (flaky.attempts, fatal) == (1, ["once"])

    run(test)


def test_while_it_waits_out_its_backoff_it_is_restarting_and_join_ends_it_at_once() -> None:
    async def test() -> None:
        sup = supervisor([], first_backoff=3600, max_backoff=3600)
        flaky = Flaky(failures=1)
        loop = sup.supervise("critical", flaky)
        while sup.statuses()[0].state is not TaskState.RESTARTING:
            await asyncio.sleep(0.001)
        assert sup.critical_down() == ["critical"] and not sup.alive()
        await asyncio.wait_for(loop.join(), 5)
        assert sup.statuses()[0].state is TaskState.STOPPED and flaky.attempts == 1
        assert sup.alive()  # stopped on request is not down

    run(test)


def test_one_shot_crashes_are_logged_with_their_ids_and_counted(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def test() -> None:
        sup = supervisor([])

        async def fails() -> None:
            raise ValueError("bad message")

        async def works() -> int:
            return 7

        failed = sup.spawn("run", fails(), {"run_id": "jr_1"})
        worked = sup.spawn("run", works(), {"run_id": "jr_2"})
        await asyncio.wait([failed, worked])
        await asyncio.sleep(0)  # done callbacks
        assert worked.result() == 7
        assert sup.crashes["run"] == 1
        assert sup.statuses() == []  # one-shots are counted, not listed

    with caplog.at_level(logging.ERROR):
        run(test)
    (record,) = crash_records(caplog)
    assert (record.task, record.run_id) == ("run", "jr_1")  # type: ignore[attr-defined]


def test_a_long_lived_task_is_counted_from_its_start() -> None:
    async def test() -> None:
        sup = Supervisor(lambda name: None)
        assert sup.crashes == {}
        flaky = Flaky(failures=0)
        loop = sup.supervise("dispatcher", flaky)  # the daemon's own policies
        assert sup.crashes == {"dispatcher": 0}
        assert sup.statuses()[0].critical is POLICIES["dispatcher"].critical
        flaky.stop.set()
        await loop.join()

    run(test)


def test_a_name_without_a_policy_is_refused() -> None:
    async def test() -> None:
        with pytest.raises(KeyError):
            supervisor([]).supervise("nameless", Flaky(failures=0))

    run(test)


def test_aclose_cancels_what_is_left() -> None:
    async def test() -> None:
        sup = supervisor([])
        hung = sup.spawn("run", asyncio.Event().wait())
        loop = sup.supervise("optional", Flaky(failures=0))
        await asyncio.sleep(0)
        await sup.aclose()
        assert hung.cancelled() and loop.finished

    run(test)


def test_unsupervised_logs_a_crash_and_restarts_nothing(caplog: pytest.LogCaptureFixture) -> None:
    async def test() -> None:
        tasks = Unsupervised()
        flaky = Flaky(failures=1)
        await tasks.supervise("x", flaky).join()
        assert flaky.attempts == 1

    with caplog.at_level(logging.ERROR):
        run(test)
    assert len(crash_records(caplog)) == 1


def test_wait_any_says_whether_an_event_was_set() -> None:
    async def test() -> None:
        hint, stop = asyncio.Event(), asyncio.Event()
        before = asyncio.all_tasks()
        assert await wait_any(hint, stop, timeout=0.01) is False
        asyncio.get_running_loop().call_later(0.01, stop.set)
        assert await wait_any(hint, stop, timeout=10) is True
        assert await wait_any(stop, timeout=None) is True  # already set: at once
        await asyncio.sleep(0)
        assert asyncio.all_tasks() == before  # no waiter left behind

    run(test)


def test_in_thread_runs_on_a_daemon_thread_and_hands_back_result_or_error() -> None:
    async def test() -> None:
        def where() -> tuple[str, bool]:
            thread = threading.current_thread()
            return thread.name, thread.daemon

        assert await in_thread(where, "worker") == ("worker", True)

        def fails() -> None:
            raise OSError("broker gone")

        with pytest.raises(OSError, match="broker gone"):
            await in_thread(fails, "worker")

    run(test)
