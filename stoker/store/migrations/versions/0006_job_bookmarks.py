"""Job bookmarks: every version of every job's bookmark, the newest its current state.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from stoker.store.tables import UTCDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "job_bookmarks",
        sa.Column("job_name", sa.String(255), primary_key=True),
        sa.Column("version", sa.Integer, primary_key=True),
        sa.Column("run", sa.Integer, nullable=False),
        sa.Column("attempt", sa.Integer, nullable=False),
        sa.Column("run_id", sa.String(80)),
        sa.Column("previous_run_id", sa.String(80)),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("elements", sa.Text, nullable=False),
        sa.Column("created_on", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_job_bookmarks_run", "job_bookmarks", ["job_name", "run_id"])


def downgrade() -> None:
    op.drop_table("job_bookmarks")
