"""Each run's Spark samples (its metrics history), readable after Prometheus forgot them.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from stoker.store.tables import UTCDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "run_metrics",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("run_id", sa.String(80), nullable=False),
        sa.Column("sampled_at", UTCDateTime(), nullable=False),
        sa.Column("final", sa.Boolean, nullable=False),
        sa.Column("sample", sa.Text, nullable=False),
    )
    op.create_index("ix_run_metrics_run_sampled", "run_metrics", ["run_id", "sampled_at"])


def downgrade() -> None:
    op.drop_table("run_metrics")
