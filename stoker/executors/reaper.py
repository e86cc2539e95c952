"""Kill what an earlier daemon of this installation left alive, before any run is retried.

A crash (kill -9, OOM) leaves run processes behind when they escaped the death signal:
spark-submit's Python child after its JVM was killed, a script's own children, Spark
executors. They carry the installation and incarnation tags (``lineage.py``); at start
the daemon scans ``/proc/*/environ`` for processes of its installation but another
incarnation, SIGKILLs their process groups (only groups made of such processes alone),
then each straggler, and waits until none is left.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import time
from dataclasses import dataclass
from pathlib import Path

from stoker.errors import ExecutorError
from stoker.executors.lineage import INCARNATION_VAR, INSTALLATION_VAR, Lineage, read_environ

log = logging.getLogger(__name__)

#: How long SIGKILLed processes get to disappear before the daemon refuses to start runs.
REAP_TIMEOUT_SECONDS = 30.0
_POLL_SECONDS = 0.05


@dataclass(frozen=True)
class Stray:
    """A live process an earlier incarnation of this installation started."""

    pid: int
    pgid: int
    incarnation: str
    #: The kernel's short name of its program (never the command line: it may hold data).
    name: str


@dataclass(frozen=True)
class _Proc:
    pid: int
    ppid: int
    pgid: int
    state: str
    name: str


def _stat(pid: int) -> _Proc | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    name = text[text.find("(") + 1 : text.rfind(")")]
    fields = text[text.rfind(")") + 2 :].split()
    return _Proc(pid, int(fields[1]), int(fields[2]), fields[0], name)


def _processes() -> dict[int, _Proc]:
    found = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit() and (proc := _stat(int(entry))) is not None:
            found[proc.pid] = proc
    return found


def _ancestors(procs: dict[int, _Proc]) -> set[int]:
    """This process and its ancestors: never ours to kill, whatever their tags say."""
    chain, pid = set(), os.getpid()
    while pid > 1 and pid not in chain:
        chain.add(pid)
        pid = procs[pid].ppid if pid in procs else 1
    return chain


def find_strays(lineage: Lineage) -> tuple[list[Stray], dict[int, set[int]]]:
    """Live processes of this installation from another incarnation, and every process
    group's members (to tell a group of strays alone from one shared with others)."""
    procs = _processes()
    spared = _ancestors(procs)
    installation = lineage.installation.encode()
    strays: list[Stray] = []
    groups: dict[int, set[int]] = {}
    for proc in procs.values():
        if proc.state in ("Z", "X"):
            continue  # dead already; its parent (or init) reaps it
        groups.setdefault(proc.pgid, set()).add(proc.pid)
        if proc.pid in spared:
            continue
        env = read_environ(proc.pid)
        if env is None or env.get(INSTALLATION_VAR.encode()) != installation:
            continue
        incarnation = env.get(INCARNATION_VAR.encode(), b"").decode(errors="replace")
        if incarnation != lineage.incarnation:
            strays.append(Stray(proc.pid, proc.pgid, incarnation, proc.name))
    return strays, groups


def _kill(strays: list[Stray], groups: dict[int, set[int]]) -> None:
    pids = {s.pid for s in strays}
    for pgid in {s.pgid for s in strays}:
        if groups.get(pgid, set()) <= pids:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(pgid, signal.SIGKILL)
    for stray in strays:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(stray.pid, signal.SIGKILL)


async def reap_strays(lineage: Lineage, timeout: float = REAP_TIMEOUT_SECONDS) -> list[Stray]:
    """SIGKILL every stray and return once none is alive; raises ExecutorError (the daemon
    then does not start) if some are still alive after ``timeout`` seconds."""
    killed: dict[int, Stray] = {}
    deadline = time.monotonic() + timeout
    while True:
        strays, groups = find_strays(lineage)
        if not strays:
            break
        for stray in strays:
            if stray.pid not in killed:
                killed[stray.pid] = stray
                log.warning(
                    "killing process %s (%s) left by an earlier daemon (incarnation %s)",
                    stray.pid, stray.name, stray.incarnation,
                    extra={"action": "recovery.stray_killed", "pid": stray.pid,
                           "incarnation": stray.incarnation},
                )  # fmt: skip
        if time.monotonic() > deadline:
            alive = ", ".join(f"{s.pid} ({s.name})" for s in strays)
            raise ExecutorError(
                f"processes left by an earlier stoker daemon are still alive {timeout:g}s "
                f"after SIGKILL: {alive}; no run starts while they may still be running"
            )
        _kill(strays, groups)
        await asyncio.sleep(_POLL_SECONDS)
    if killed:
        log.warning(
            "killed %s processes left by an earlier daemon", len(killed),
            extra={"action": "recovery.strays_reaped", "count": len(killed)},
        )  # fmt: skip
    return list(killed.values())
