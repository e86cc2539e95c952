"""Migration 0012 adds the roles and security configurations tables; down drops them."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import command

from stoker.store.engine import Database, alembic_config, current_revision, head_revision, upgrade


def tables(db: Database) -> set[str]:
    return set(sa.inspect(db.engine).get_table_names())


def test_down_drops_the_tables_and_up_adds_them(db: Database) -> None:
    upgrade(db)
    assert {"roles", "security_configurations"} <= tables(db)
    command.downgrade(alembic_config(db), "0011")
    assert current_revision(db) == "0011"
    assert not {"roles", "security_configurations"} & tables(db)
    upgrade(db)
    assert current_revision(db) == head_revision()
    assert {"roles", "security_configurations"} <= tables(db)
