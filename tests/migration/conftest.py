"""The database every migration test starts from: an empty one on each backend."""

from __future__ import annotations

from pathlib import Path

import pytest

from stoker.store.engine import Database
from tests.integration.store.conftest import reset_postgres


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Database:
    """An empty database (no tables, no revision), SQLite then PostgreSQL."""
    if request.param == "sqlite":
        return Database(f"sqlite:///{tmp_path / 'm.db'}")
    url = request.getfixturevalue("pg_url")
    reset_postgres(url)
    return Database(url)
