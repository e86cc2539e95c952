"""Events EVENT triggers matched, keyed by topic/partition/offset, until a batch fires them.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from stoker.store.tables import UTCDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "trigger_events",
        sa.Column("trigger_name", sa.String(255), primary_key=True),
        sa.Column("topic", sa.String(249), primary_key=True),
        sa.Column("partition", sa.Integer, primary_key=True),
        sa.Column("offset", sa.BigInteger, primary_key=True),
        sa.Column("event_id", sa.String(255), nullable=False),
        sa.Column("payload", sa.JSON, nullable=False),
        sa.Column("received_on", UTCDateTime(), nullable=False),
        sa.Column("fire_seq", sa.Integer),
    )
    op.create_index("ix_trigger_events_pending", "trigger_events", ["trigger_name", "fire_seq"])


def downgrade() -> None:
    op.drop_table("trigger_events")
