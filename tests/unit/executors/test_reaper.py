"""The reaper against real processes: it kills exactly what an earlier incarnation of this
installation left (groups of strays alone first, then every straggler), nothing else."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from stoker.executors.lineage import Lineage
from stoker.executors.reaper import find_strays, reap_strays

SLEEP = [sys.executable, "-c", "import time; time.sleep(600)"]
#: A child that leaves its process group and session, as a script's daemon might.
ESCAPE = [sys.executable, "-c",
          "import os, subprocess, sys, time\n"
          "subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(600)'],"
          " start_new_session=True)\n"
          "time.sleep(600)"]  # fmt: skip


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")


@pytest.fixture
def started() -> Iterator[list[subprocess.Popen[bytes]]]:
    procs: list[subprocess.Popen[bytes]] = []
    yield procs
    for proc in procs:
        proc.kill()
        proc.wait()


def spawn(
    procs: list[subprocess.Popen[bytes]], command: list[str], lineage: Lineage | None, **kw: object
) -> subprocess.Popen[bytes]:
    env = {**os.environ, **(lineage.env() if lineage else {})}
    proc = subprocess.Popen(command, env=env, **kw)  # type: ignore[call-overload]
    procs.append(proc)
    return proc


def test_strays_of_an_earlier_incarnation_die_and_nothing_else(
    tmp_path: Path, started: list[subprocess.Popen[bytes]]
) -> None:
    earlier = Lineage.new(tmp_path / "data")
    now = Lineage.new(tmp_path / "data")
    other_installation = Lineage.new(tmp_path / "elsewhere")
    group_of_strays = spawn(started, ESCAPE, earlier, start_new_session=True)
    # A stray sharing our (pytest's) process group: killed alone, never by group.
    lone_stray = spawn(started, SLEEP, earlier)
    ours = spawn(started, SLEEP, now, start_new_session=True)
    foreign = spawn(started, SLEEP, other_installation, start_new_session=True)
    untagged = spawn(started, SLEEP, None, start_new_session=True)

    def escaped() -> list[int]:
        strays, _ = find_strays(now)
        return [s.pid for s in strays if s.pgid not in (group_of_strays.pid, os.getpgrp())]

    async def wait_for_escape() -> list[int]:
        async with asyncio.timeout(30):
            while not (found := escaped()):
                await asyncio.sleep(0.02)
        return found

    (grandchild,) = asyncio.run(wait_for_escape())
    strays, _ = find_strays(now)
    assert {s.pid for s in strays} == {group_of_strays.pid, lone_stray.pid, grandchild}
    assert {s.incarnation for s in strays} == {earlier.incarnation}

    killed = asyncio.run(reap_strays(now, timeout=30))
    assert {s.pid for s in killed} == {group_of_strays.pid, lone_stray.pid, grandchild}
    for pid in (group_of_strays.pid, lone_stray.pid, grandchild):
        assert not alive(pid)
    for survivor in (ours, foreign, untagged):
        assert alive(survivor.pid)
    assert find_strays(now)[0] == []
    assert alive(os.getpid())  # pytest itself shares the lone stray's group


def test_nothing_to_reap_returns_at_once(tmp_path: Path) -> None:
    assert asyncio.run(reap_strays(Lineage.new(tmp_path), timeout=1)) == []
