"""The Data Catalog: databases, tables, partitions and named JDBC connections.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from stoker.store.tables import UTCDateTime

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "catalog_databases",
        sa.Column("name", sa.String(255), primary_key=True),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("location", sa.Text),
        sa.Column("parameters", sa.Text, nullable=False),
        sa.Column("created_on", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "catalog_tables",
        sa.Column("database_name", sa.String(255), primary_key=True),
        sa.Column("name", sa.String(255), primary_key=True),
        sa.Column("definition", sa.Text, nullable=False),
        sa.Column("created_on", UTCDateTime(), nullable=False),
        sa.Column("updated_on", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "catalog_partitions",
        sa.Column("database_name", sa.String(255), primary_key=True),
        sa.Column("table_name", sa.String(255), primary_key=True),
        sa.Column("values_key", sa.String(64), primary_key=True),
        sa.Column("partition_values", sa.Text, nullable=False),
        sa.Column("location", sa.Text),
        sa.Column("created_on", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "catalog_connections",
        sa.Column("name", sa.String(255), primary_key=True),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("user_name", sa.String(255)),
        sa.Column("password", sa.Text),
        sa.Column("properties", sa.Text, nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("created_on", UTCDateTime(), nullable=False),
    )


def downgrade() -> None:
    for table in ("catalog_connections", "catalog_partitions", "catalog_tables",
                  "catalog_databases"):  # fmt: skip
        op.drop_table(table)
