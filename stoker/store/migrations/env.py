"""Alembic environment: runs migrations on the Database the caller put in config.attributes."""

from __future__ import annotations

from alembic import context

from stoker.store.tables import metadata

database = context.config.attributes["database"]

with database.engine.connect() as connection:
    context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
