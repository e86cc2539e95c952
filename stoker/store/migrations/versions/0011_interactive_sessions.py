"""Interactive sessions: one row per session, its spec, state and times.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from stoker.store.tables import UTCDateTime

revision = "0011"
down_revision = "0010"
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
