"""Migration 0005 (run_metrics) goes down to 0004 and back up cleanly."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import command

from stoker.store.engine import Database, alembic_config, current_revision, head_revision, upgrade


def tables(db: Database) -> set[str]:
    return set(sa.inspect(db.engine).get_table_names())


def test_downgrade_drops_run_metrics_and_upgrade_restores_it(db: Database) -> None:
    upgrade(db)
    assert "run_metrics" in tables(db)
    command.downgrade(alembic_config(db), "0004")
    assert current_revision(db) == "0004" and "run_metrics" not in tables(db)
    upgrade(db)
    assert current_revision(db) == head_revision() and "run_metrics" in tables(db)
    indexes = {ix["name"] for ix in sa.inspect(db.engine).get_indexes("run_metrics")}
    assert "ix_run_metrics_run_sampled" in indexes
