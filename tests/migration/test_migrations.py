"""`alembic upgrade head` produces exactly the tables the code defines; newer databases refused."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from stoker.errors import StoreUnavailable
from stoker.store.engine import Database, current_revision, head_revision, upgrade
from stoker.store.tables import metadata


def test_upgrade_head_matches_table_definitions(db: Database) -> None:
    upgrade(db)
    assert current_revision(db) == head_revision()
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert diff == []


def test_upgrade_is_idempotent(db: Database) -> None:
    upgrade(db)
    upgrade(db)
    assert current_revision(db) == head_revision()


def test_database_from_a_newer_stoker_is_refused(db: Database) -> None:
    upgrade(db)
    with db.engine.begin() as conn:
        conn.execute(sa.text("UPDATE alembic_version SET version_num = '9999_future'"))
    with pytest.raises(StoreUnavailable, match="written by a newer stoker"):
        upgrade(db)
