"""`alembic upgrade head` produces exactly the tables the code defines; newer databases refused."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from stoker.errors import StoreUnavailable
from stoker.store.engine import Database, current_revision, head_revision, upgrade
from stoker.store.tables import metadata
from tests.integration.store.conftest import reset_postgres


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_db(request: pytest.FixtureRequest, tmp_path: Path) -> Database:
    if request.param == "sqlite":
        return Database(f"sqlite:///{tmp_path / 'm.db'}")
    url = request.getfixturevalue("pg_url")
    reset_postgres(url)
    return Database(url)


def test_upgrade_head_matches_table_definitions(empty_db: Database) -> None:
    upgrade(empty_db)
    assert current_revision(empty_db) == head_revision()
    with empty_db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert diff == []


def test_upgrade_is_idempotent(empty_db: Database) -> None:
    upgrade(empty_db)
    upgrade(empty_db)
    assert current_revision(empty_db) == head_revision()


def test_database_from_a_newer_stoker_is_refused(empty_db: Database) -> None:
    upgrade(empty_db)
    with empty_db.engine.begin() as conn:
        conn.execute(sa.text("UPDATE alembic_version SET version_num = '9999_future'"))
    with pytest.raises(StoreUnavailable, match="written by a newer stoker"):
        upgrade(empty_db)
