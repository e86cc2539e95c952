"""`stoker daemon` with faults injected: a test hook for acceptance tests, never the product.

Run as ``python -m tests.support.faulty_daemon daemon`` with PYTHONPATH at the repository
and FAULTY_DAEMON set to comma-separated faults:

* ``dispatcher-while:<path>``: RunStore.promote_waiting raises RuntimeError while <path>
  exists (the dispatcher crashes on each attempt; runs stay queued meanwhile).
* ``hang-executor``: a pythonshell run's start never returns and ignores cancellation.
* ``wedge-loop``: a pythonshell run's start blocks the event loop itself (time.sleep).
* ``backoff:<seconds>``: the supervisor's first restart backoff.
* ``teardown:<seconds>``: the teardown allowance of the shutdown bound.
"""

from __future__ import annotations

import asyncio
import functools
import os
import time
from pathlib import Path
from typing import Any

from stoker.cli.main import main
from stoker.daemon import app
from stoker.executors.pyshell import PythonShellExecutor
from stoker.store.runs import RunStore


def _dispatcher_while(path: str) -> None:
    original = RunStore.promote_waiting

    def promote_waiting(self: RunStore, *args: Any, **kwargs: Any) -> Any:
        if Path(path).exists():
            raise RuntimeError("injected fault: the queue cannot be read")
        return original(self, *args, **kwargs)

    RunStore.promote_waiting = promote_waiting  # type: ignore[method-assign]


async def _hang(self: PythonShellExecutor, spec: Any) -> Any:
    while True:
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            continue  # a wedged executor: deaf to cancellation too


async def _wedge(self: PythonShellExecutor, spec: Any) -> Any:
    time.sleep(3600)  # blocks the event loop: nothing on it runs any more


def install(plan: str) -> None:
    for fault in filter(None, plan.split(",")):
        name, _, value = fault.partition(":")
        if name == "dispatcher-while":
            _dispatcher_while(value)
        elif name == "hang-executor":
            PythonShellExecutor.start = _hang  # type: ignore[method-assign]
        elif name == "wedge-loop":
            PythonShellExecutor.start = _wedge  # type: ignore[method-assign]
        elif name == "backoff":
            app.Supervisor = functools.partial(  # type: ignore[misc]
                app.Supervisor, first_backoff=float(value)
            )
        elif name == "teardown":
            app.TEARDOWN_SECONDS = float(value)  # type: ignore[misc]
        else:
            raise SystemExit(f"unknown fault {fault!r}")


if __name__ == "__main__":
    install(os.environ.get("FAULTY_DAEMON", ""))
    main()
