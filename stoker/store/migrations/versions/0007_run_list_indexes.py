"""Indexes for the console's run lists and summaries: each filter's runs in seq order.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""

from __future__ import annotations

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # (job, state) and (state) become (job, state, seq) and (state, seq): the same lookups,
    # and a page of them newest first without a sort (SQLite had seq in them implicitly,
    # PostgreSQL did not).
    op.drop_index("ix_job_runs_job_state", "job_runs")
    op.drop_index("ix_job_runs_state", "job_runs")
    op.create_index("ix_job_runs_job_state_seq", "job_runs", ["job_name", "state", "seq"])
    op.create_index("ix_job_runs_state_seq", "job_runs", ["state", "seq"])
    op.create_index("ix_job_runs_job_seq", "job_runs", ["job_name", "seq"])
    op.create_index("ix_job_runs_trigger_seq", "job_runs", ["triggered_by", "seq"])
    op.create_index("ix_job_runs_started_state", "job_runs", ["started_on", "state"])
    op.create_index(
        "ix_job_runs_job_started_state", "job_runs", ["job_name", "started_on", "state"]
    )


def downgrade() -> None:
    op.drop_index("ix_job_runs_job_started_state", "job_runs")
    op.drop_index("ix_job_runs_started_state", "job_runs")
    op.drop_index("ix_job_runs_trigger_seq", "job_runs")
    op.drop_index("ix_job_runs_job_seq", "job_runs")
    op.drop_index("ix_job_runs_state_seq", "job_runs")
    op.drop_index("ix_job_runs_job_state_seq", "job_runs")
    op.create_index("ix_job_runs_state", "job_runs", ["state"])
    op.create_index("ix_job_runs_job_state", "job_runs", ["job_name", "state"])
