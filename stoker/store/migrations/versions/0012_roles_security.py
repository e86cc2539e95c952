"""Roles (their secrets sealed by the key ring) and security configurations.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from stoker.store.tables import UTCDateTime

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "roles",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("public", sa.Text, nullable=False),
        sa.Column("secrets", sa.Text, nullable=False),
        sa.Column("key_id", sa.String(64), nullable=False),
        sa.Column("created_on", UTCDateTime(), nullable=False),
        sa.Column("last_modified_on", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "security_configurations",
        sa.Column("name", sa.String(255), primary_key=True),
        sa.Column("settings", sa.Text, nullable=False),
        sa.Column("created_on", UTCDateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("security_configurations")
    op.drop_table("roles")
