"""Interactive sessions: one row per session, its spec, state and times.

Revision ID: 0012
Revises: 0009 (chained there in this branch; 0011 once migrations 0010 and 0011 land)
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from stoker.store.tables import UTCDateTime

revision = "0012"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "interactive_sessions",
        sa.Column("id", sa.String(255), primary_key=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("spec", sa.Text, nullable=False),
        sa.Column("error_message", sa.Text),
        sa.Column("created_on", UTCDateTime(), nullable=False),
        sa.Column("completed_on", UTCDateTime()),
    )


def downgrade() -> None:
    op.drop_table("interactive_sessions")
