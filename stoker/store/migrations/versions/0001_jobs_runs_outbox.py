"""Jobs, job runs and the event outbox.

Revision ID: 0001
Revises:
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from stoker.store.tables import UTCDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "jobs",
        sa.Column("name", sa.String(255), primary_key=True),
        sa.Column("definition", sa.JSON, nullable=False),
        sa.Column("max_concurrent_runs", sa.Integer, nullable=False),
        sa.Column("created_on", UTCDateTime(), nullable=False),
        sa.Column("last_modified_on", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "job_runs",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("id", sa.String(80), nullable=False, unique=True),
        sa.Column("job_name", sa.String(255), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("attempt", sa.Integer, nullable=False),
        sa.Column("previous_run_id", sa.String(80)),
        sa.Column("triggered_by", sa.String(255), nullable=False),
        sa.Column("arguments", sa.JSON, nullable=False),
        sa.Column("resolved_arguments", sa.JSON, nullable=False),
        sa.Column("timeout", sa.Integer, nullable=False),
        sa.Column("notify_delay_after", sa.Integer),
        sa.Column("executor", sa.String(16), nullable=False),
        sa.Column("max_retries", sa.Integer, nullable=False),
        sa.Column("queuing_enabled", sa.Boolean, nullable=False),
        sa.Column("job_snapshot", sa.JSON, nullable=False),
        sa.Column("started_on", UTCDateTime(), nullable=False),
        sa.Column("last_modified_on", UTCDateTime(), nullable=False),
        sa.Column("running_on", UTCDateTime()),
        sa.Column("completed_on", UTCDateTime()),
        sa.Column("execution_time", sa.Integer, nullable=False),
        sa.Column("error_message", sa.Text),
        sa.Column("state_detail", sa.Text),
        sa.Column("predecessor_runs", sa.JSON, nullable=False),
    )
    op.create_index("ix_job_runs_job_state", "job_runs", ["job_name", "state"])
    op.create_index("ix_job_runs_state", "job_runs", ["state"])
    op.create_table(
        "outbox",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("id", sa.String(36), nullable=False, unique=True),
        sa.Column("run_id", sa.String(80)),
        sa.Column("job_name", sa.String(255), nullable=False),
        sa.Column("detail_type", sa.String(64), nullable=False),
        sa.Column("payload", sa.JSON, nullable=False),
        sa.Column("created_on", UTCDateTime(), nullable=False),
        sa.Column("sent_on", UTCDateTime()),
    )
    op.create_index("ix_outbox_sent_on", "outbox", ["sent_on"])


def downgrade() -> None:
    op.drop_table("outbox")
    op.drop_table("job_runs")
    op.drop_table("jobs")
