"""`stoker daemon`: load settings, set up logging, run until SIGTERM/SIGINT, exit code.

Exit statuses: 0 after a clean shutdown; 1 when the daemon failed (it could not start, or a
critical task kept failing) or its shutdown overran its bound; 2 on a configuration error.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from collections.abc import Coroutine
from typing import Any

from stoker.api.auth import check_listeners
from stoker.config.logging import setup_logging
from stoker.config.settings import load_settings
from stoker.daemon.app import Daemon
from stoker.daemon.shutdown import Reaper
from stoker.daemon.signals import StopRequest, capture_signals
from stoker.errors import ConfigError, StokerError

log = logging.getLogger(__name__)
#: At exit, how long tasks still pending get to unwind once cancelled.
LEFTOVER_SECONDS = 2.0


def run_daemon(config_path: str | None) -> int:
    try:
        settings = load_settings(config_path)
        check_listeners(settings)
    except ConfigError as exc:
        print(f"stoker: configuration error: {exc.message}", file=sys.stderr)
        return 2
    setup_logging(settings.logs.level, settings.logs.format)
    if settings.spark.master.startswith("local"):
        # Spark binds to the external interface otherwise; local mode never needs it.
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    try:
        _run(_main(Daemon(settings)))
    except ConfigError as exc:
        log.error("%s", exc.message, extra={"action": "daemon.config_error"})
        return 2
    except StokerError as exc:
        log.error("%s", exc.message, extra={"action": "daemon.failed", "code": exc.code})
        return 1
    return 0


def _run(main: Coroutine[Any, Any, None]) -> None:
    """asyncio.run, except that a task deaf to cancellation (a wedged executor, say) is left
    behind with a warning instead of waited for: it must not keep a stopped daemon alive."""
    loop = asyncio.new_event_loop()
    try:
        loop.run_until_complete(main)
    finally:
        try:
            _cancel_leftovers(loop)
            loop.run_until_complete(loop.shutdown_asyncgens())
        finally:
            loop.close()


def _cancel_leftovers(loop: asyncio.AbstractEventLoop) -> None:
    pending = asyncio.all_tasks(loop)
    for task in pending:
        task.cancel()
    if not pending:
        return
    wait = asyncio.wait(pending, timeout=LEFTOVER_SECONDS)
    _, stuck = loop.run_until_complete(wait)
    if stuck:
        log.warning(
            "%d task(s) ignored cancellation at exit; left behind", len(stuck),
            extra={"action": "daemon.tasks_left", "tasks": sorted(t.get_name() for t in stuck)},
        )  # fmt: skip


async def _main(daemon: Daemon) -> None:
    stop = StopRequest()
    # Outlives the loop on purpose: it also bounds what follows it (threads joined at exit).
    reaper = Reaper(daemon.shutdown_bound)
    reaper.start()
    with capture_signals(stop, reaper):
        await daemon.run(stop, reaper)
