"""A warm driver's message reader: a bad line is logged and the driver kept; a reader that
fails ends its driver, which is replaced, the crash logged and counted, the pool and the
daemon going on. Real processes (a fake driver speaking the protocol), no Spark."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Any

import pytest

from stoker.config.settings import SparkSettings
from stoker.executors.pool import protocol
from stoker.executors.pool.supervisor import WarmPool
from tests.support.supervision import fast_supervisor, until

# Ready at once; the first of them then sends LINE once.
FAKE_DRIVER = """#!PYTHON
import json, os, socket, sys
sock = socket.socket(fileno=int(sys.argv[sys.argv.index("--fd") + 1]))
sock.sendall(json.dumps({"type": "ready", "pid": os.getpid()}).encode() + b"\\n")
marker = MARKER
if not os.path.exists(marker):
    open(marker, "w").close()
    sock.sendall(LINE + b"\\n")
while sock.recv(4096):
    pass
"""


def fake_driver(tmp_path: Path, line: bytes) -> str:
    driver = tmp_path / "fake-driver"
    marker = repr(str(tmp_path / "sent-once"))
    text = FAKE_DRIVER.replace("PYTHON", sys.executable).replace("MARKER", marker)
    driver.write_text(text.replace("LINE", repr(line)))
    driver.chmod(0o755)
    return str(driver)


def test_a_reader_that_fails_ends_its_driver_which_is_replaced(tmp_path: Path) -> None:
    async def test() -> None:
        fatal: list[str] = []
        sup = fast_supervisor(fatal)
        pool = WarmPool(
            SparkSettings(pool_size=1), tmp_path / "drivers",
            python=fake_driver(tmp_path, b'{"type": "pong"}'), ping_interval_seconds=3600,
            tasks=sup,
        )  # fmt: skip
        dispatch = pool._dispatch

        def failing(driver: Any, message: protocol.Message) -> None:
            if isinstance(message, protocol.Pong):
                raise RuntimeError("a bug in the pool's message handling")
            dispatch(driver, message)

        pool._dispatch = failing  # type: ignore[method-assign]
        await pool.open()
        try:
            await until(lambda: sup.crashes.get("pool.reader") == 1, "the reader crashed")
            await until(lambda: pool.replaced_total == 1 and pool.idle == 1, "replaced")
            assert fatal == [] and sup.alive()
        finally:
            await pool.aclose()

    asyncio.run(asyncio.wait_for(test(), 60))


def test_a_bad_line_is_logged_and_the_driver_kept(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async def test() -> None:
        fatal: list[str] = []
        sup = fast_supervisor(fatal)
        pool = WarmPool(
            SparkSettings(pool_size=1), tmp_path / "drivers",
            python=fake_driver(tmp_path, b"this is not json"), ping_interval_seconds=3600,
            tasks=sup,
        )  # fmt: skip
        await pool.open()
        try:
            await until(lambda: pool.idle == 1, "the driver is warm")
            await until(
                lambda: any(r.action == "pool.driver.bad_message" for r in caplog.records),
                "the bad line is logged",
            )
            assert pool.replaced_total == 0 and sup.crashes.get("pool.reader", 0) == 0
        finally:
            await pool.aclose()

    asyncio.run(asyncio.wait_for(test(), 60))
