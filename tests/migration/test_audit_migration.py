"""Migration 0015 adds the audit log; down drops it, and the rest of the database stays."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import command

from stoker.store.engine import Database, alembic_config, current_revision, head_revision, upgrade


def tables(db: Database) -> set[str]:
    return set(sa.inspect(db.engine).get_table_names())


def test_down_drops_the_audit_log_and_up_adds_it(db: Database) -> None:
    upgrade(db)
    assert "audit_log" in tables(db)
    command.downgrade(alembic_config(db), "0014")
    assert current_revision(db) == "0014"
    assert "audit_log" not in tables(db) and "cluster_members" in tables(db)
    upgrade(db)
    assert current_revision(db) == head_revision()
    indexes = {i["name"] for i in sa.inspect(db.engine).get_indexes("audit_log")}
    assert "ix_audit_log_at" in indexes
