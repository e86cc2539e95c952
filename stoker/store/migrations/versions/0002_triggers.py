"""Triggers, their watches, fires and conditional matches.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from stoker.store.tables import UTCDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "triggers",
        sa.Column("name", sa.String(255), primary_key=True),
        sa.Column("type", sa.String(16), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("definition", sa.JSON, nullable=False),
        sa.Column("created_on", UTCDateTime(), nullable=False),
        sa.Column("last_modified_on", UTCDateTime(), nullable=False),
        sa.Column("last_fire_time", UTCDateTime()),
        sa.Column("missed_fires", sa.Integer, nullable=False),
    )
    op.create_table(
        "trigger_watches",
        sa.Column("trigger_name", sa.String(255), primary_key=True),
        sa.Column("job_name", sa.String(255), primary_key=True),
        sa.Column("state", sa.String(16), nullable=False),
    )
    op.create_index("ix_trigger_watches_job", "trigger_watches", ["job_name"])
    op.create_table(
        "trigger_fires",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("trigger_name", sa.String(255), nullable=False),
        sa.Column("fire_key", sa.String(200), nullable=False),
        sa.Column("fired_on", UTCDateTime(), nullable=False),
        sa.Column("run_ids", sa.JSON, nullable=False),
        sa.UniqueConstraint("trigger_name", "fire_key", name="uq_trigger_fires_key"),
    )
    op.create_table(
        "trigger_matches",
        sa.Column("trigger_name", sa.String(255), primary_key=True),
        sa.Column("run_id", sa.String(80), primary_key=True),
        sa.Column("job_name", sa.String(255), nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("consumed", sa.Boolean, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("trigger_matches")
    op.drop_table("trigger_fires")
    op.drop_table("trigger_watches")
    op.drop_table("triggers")
