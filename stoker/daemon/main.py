"""`stoker daemon`: load settings, set up logging, run until SIGTERM/SIGINT, exit code."""

from __future__ import annotations

import asyncio
import logging
import os
import sys

from stoker.api.auth import check_listeners
from stoker.config.logging import setup_logging
from stoker.config.settings import load_settings
from stoker.daemon.app import Daemon
from stoker.daemon.signals import StopRequest, capture_signals
from stoker.errors import ConfigError, StokerError

log = logging.getLogger(__name__)


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
        asyncio.run(_main(Daemon(settings)))
    except ConfigError as exc:
        log.error("%s", exc.message, extra={"action": "daemon.config_error"})
        return 2
    except StokerError as exc:
        log.error("%s", exc.message, extra={"action": "daemon.failed", "code": exc.code})
        return 1
    return 0


async def _main(daemon: Daemon) -> None:
    stop = StopRequest()
    with capture_signals(stop):
        await daemon.run(stop)
