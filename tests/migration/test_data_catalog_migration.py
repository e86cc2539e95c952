"""Migration 0008 (the Data Catalog) goes down to 0007 and back up cleanly."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import command

from stoker.store.engine import Database, alembic_config, current_revision, head_revision, upgrade

CATALOG = {"catalog_databases", "catalog_tables", "catalog_partitions", "catalog_connections"}


def tables(db: Database) -> set[str]:
    return set(sa.inspect(db.engine).get_table_names())


def test_downgrade_drops_the_catalog_and_upgrade_restores_it(db: Database) -> None:
    upgrade(db)
    assert tables(db) >= CATALOG
    command.downgrade(alembic_config(db), "0007")
    assert current_revision(db) == "0007" and not CATALOG & tables(db)
    assert "job_bookmarks" in tables(db)
    upgrade(db)
    assert current_revision(db) == head_revision() and tables(db) >= CATALOG
