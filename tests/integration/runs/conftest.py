"""Real daemons with a warm Spark pool, one per database backend, started together."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.store.conftest import reset_postgres
from tests.support.daemon import DaemonProcess

SLEEP_FOREVER = "import time\nprint('sleeping', flush=True)\nwhile True:\n    time.sleep(0.2)\n"


@pytest.fixture(scope="package")
def daemons(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, DaemonProcess]]:
    """Both backends' daemons, started together so the PostgreSQL one warms up (and its
    minute-long timeout run ticks) while the SQLite one is under test."""
    backends: dict[str, str | None] = {"sqlite": None}
    # Outside CI without PostgreSQL its half of the tests skip; SQLite's still run.
    with contextlib.suppress(pytest.skip.Exception):
        backends["postgresql"] = request.getfixturevalue("pg_url")
    if backends.get("postgresql"):
        reset_postgres(str(backends["postgresql"]))
    procs = {
        backend: DaemonProcess(
            tmp_path_factory.mktemp(f"daemon-{backend}"), db_url=db_url, pool_size=2
        )
        for backend, db_url in backends.items()
    }
    try:
        for proc in procs.values():
            proc.start()
            # The timeout test needs a run that has been going for a minute (timeouts are
            # whole minutes, as in Glue): start it first, check it last.
            proc.create_job("sleeper", SLEEP_FOREVER, command={"name": "pythonshell"}, timeout=1)
            proc.timeout_run_id = proc.start_run("sleeper")["id"]  # type: ignore[attr-defined]
        yield procs
    finally:
        for proc in procs.values():
            proc.stop()


@pytest.fixture(scope="package", params=["sqlite", "postgresql"])
def daemon(request: pytest.FixtureRequest, daemons: dict[str, DaemonProcess]) -> DaemonProcess:
    if request.param not in daemons:
        pytest.skip(f"no {request.param} daemon: its service is not available")
    return daemons[request.param]


@pytest.fixture(scope="package")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("scratch")
