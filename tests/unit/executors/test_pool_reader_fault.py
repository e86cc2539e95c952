"""A warm driver whose message reader fails: the driver is ended and replaced, the crash is
logged and counted, the pool and the daemon go on. Real processes (a fake driver speaking
the protocol), no Spark."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from stoker.config.settings import SparkSettings
from stoker.executors.pool.supervisor import WarmPool
from tests.support.supervision import fast_supervisor, until

# Ready at once; the first of them then sends a line that is not a protocol message.
FAKE_DRIVER = """#!PYTHON
import json, os, socket, sys
sock = socket.socket(fileno=int(sys.argv[sys.argv.index("--fd") + 1]))
sock.sendall(json.dumps({"type": "ready", "pid": os.getpid()}).encode() + b"\\n")
marker = MARKER
if not os.path.exists(marker):
    open(marker, "w").close()
    sock.sendall(b"this is not json\\n")
while sock.recv(4096):
    pass
"""


def test_a_reader_that_fails_ends_its_driver_which_is_replaced(tmp_path: Path) -> None:
    driver = tmp_path / "fake-driver"
    marker = repr(str(tmp_path / "garbled-once"))
    driver.write_text(FAKE_DRIVER.replace("PYTHON", sys.executable).replace("MARKER", marker))
    driver.chmod(0o755)

    async def test() -> None:
        fatal: list[str] = []
        sup = fast_supervisor(fatal)
        pool = WarmPool(
            SparkSettings(pool_size=1), tmp_path / "drivers", python=str(driver),
            ping_interval_seconds=3600, tasks=sup,
        )  # fmt: skip
        await pool.open()
        try:
            await until(lambda: sup.crashes.get("pool.reader") == 1, "the reader crashed")
            await until(lambda: pool.replaced_total == 1 and pool.idle == 1, "replaced")
            assert fatal == [] and sup.alive()
        finally:
            await pool.aclose()

    asyncio.run(asyncio.wait_for(test(), 60))
