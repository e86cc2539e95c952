"""A real daemon with a warm Spark pool, once per database backend for the whole module."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.store.conftest import reset_postgres
from tests.support.daemon import DaemonProcess

SLEEP_FOREVER = "import time\nprint('sleeping', flush=True)\nwhile True:\n    time.sleep(0.2)\n"


@pytest.fixture(scope="package", params=["sqlite", "postgresql"])
def daemon(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[DaemonProcess]:
    db_url = None
    if request.param == "postgresql":
        db_url = request.getfixturevalue("pg_url")
        reset_postgres(db_url)
    proc = DaemonProcess(tmp_path_factory.mktemp(f"daemon-{request.param}"), db_url=db_url,
                         pool_size=2).start()  # fmt: skip
    # The timeout test needs a run that has been going for a minute (timeouts are whole
    # minutes, as in Glue): start it first, check it last.
    proc.create_job("sleeper", SLEEP_FOREVER, command={"name": "pythonshell"}, timeout=1)
    proc.timeout_run_id = proc.start_run("sleeper")["id"]  # type: ignore[attr-defined]
    yield proc
    proc.stop()


@pytest.fixture(scope="package")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("scratch")
