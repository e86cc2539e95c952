"""The reaper that bounds every shutdown, and the signal handlers that arm it (real signals,
real child processes)."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from stoker.daemon.shutdown import EXIT_STATUS, Reaper
from stoker.daemon.signals import StopRequest, capture_signals


class Ended:
    """Stands in for os._exit (records the status and wakes the test) and for kill_children,
    which would kill the test process's own children (the suite's Spark JVM among them)."""

    def __init__(self) -> None:
        self.status: int | None = None
        self.at = 0.0
        self.killed_first = False
        self.done = threading.Event()

    def __call__(self, status: int) -> None:
        self.status, self.at = status, time.monotonic()
        self.done.set()

    def kill(self) -> int:
        self.killed_first = not self.done.is_set()
        return 0


def test_nothing_happens_until_shutdown_begins() -> None:
    ended = Ended()
    Reaper(0.01, end=ended, kill=ended.kill).start()
    assert not ended.done.wait(0.2)


def test_the_process_ends_at_the_graceful_bound_once_shutdown_began() -> None:
    ended = Ended()
    reaper = Reaper(0.2, forced_seconds=60, end=ended, kill=ended.kill)
    reaper.start()
    began = time.monotonic()
    reaper.begin()
    reaper.begin()  # a second begin does not move the deadline
    assert ended.done.wait(10) and ended.status == EXIT_STATUS and ended.killed_first
    assert ended.at - began >= 0.2


def test_a_forced_stop_ends_it_sooner_than_the_graceful_bound() -> None:
    ended = Ended()
    reaper = Reaper(3600, forced_seconds=0.05, end=ended, kill=ended.kill)
    reaper.start()
    reaper.begin()
    reaper.force()
    assert ended.done.wait(10) and ended.status == EXIT_STATUS and ended.killed_first


def live_members(group: int) -> list[int]:
    """Processes of ``group`` that are alive (zombies nobody reaped yet do not count)."""
    members = []
    for entry in Path("/proc").iterdir():
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[2]) == group and fields[0] != "Z":
            members.append(int(entry.name))
    return members


#: Runs in its own process: kill_children signals every child of the calling process, and the
#: test process has others (the suite's Spark JVM among them) that must live on.
KILLER = """
import signal, subprocess, sys, time
from stoker.daemon.shutdown import kill_children
leader = subprocess.Popen(["sh", "-c", "sleep 60 & wait"], start_new_session=True,
                          stdout=subprocess.DEVNULL)
plain = subprocess.Popen(["sleep", "60"])
time.sleep(0.2)  # the grandchild is forked
killed = kill_children()
print(leader.pid, killed, leader.wait(10), plain.wait(10))
"""


def test_kill_children_kills_each_child_with_its_process_group() -> None:
    # A child leading its own group (as runs and drivers do) with a grandchild in it.
    out = subprocess.run(
        [sys.executable, "-c", KILLER], capture_output=True, text=True, timeout=60, check=True
    ).stdout.split()
    leader, killed, leader_status, plain_status = (int(field) for field in out)
    assert killed >= 2
    assert leader_status == -signal.SIGKILL and plain_status == -signal.SIGKILL
    assert not live_members(leader)  # the grandchild went with its group


def test_signals_set_the_flags_arm_the_reaper_and_are_restored_after() -> None:
    class Armed:
        begun = forced = 0

        def begin(self) -> None:
            self.begun += 1

        def force(self) -> None:
            self.forced += 1

    before = signal.getsignal(signal.SIGTERM)
    armed = Armed()

    async def test() -> StopRequest:
        stop = StopRequest()
        with capture_signals(stop, armed):  # type: ignore[arg-type]
            os.kill(os.getpid(), signal.SIGTERM)
            await asyncio.wait_for(stop.requested.wait(), 10)
            os.kill(os.getpid(), signal.SIGTERM)
            await asyncio.wait_for(stop.forced.wait(), 10)
        return stop

    stop = asyncio.run(test())
    assert stop.signal_name == "SIGTERM"
    assert (armed.begun, armed.forced) == (1, 1)
    assert signal.getsignal(signal.SIGTERM) is before


def test_a_failed_task_requests_the_stop_and_is_remembered() -> None:
    async def test() -> StopRequest:
        stop = StopRequest()
        stop.fail("dispatcher")
        stop.fail("scheduler")  # the first one is the reason
        return stop

    stop = asyncio.run(test())
    assert stop.requested.is_set() and stop.failed_task == "dispatcher"
