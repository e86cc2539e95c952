"""What the console's summaries, job filters and job orders read without scanning: runs
counted by day, each job's tags in rows, each job's newest run on its row, and indexes for
the jobs list's orders. Backfilled from what is stored.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

_ENDED = "('STOPPED', 'SUCCEEDED', 'FAILED', 'TIMEOUT', 'ERROR')"


def upgrade() -> None:
    op.create_table(
        "job_run_day_counts",
        sa.Column("job_name", sa.String(255), primary_key=True),
        sa.Column("day", sa.Date(), primary_key=True),
        sa.Column("state", sa.String(16), primary_key=True),
        sa.Column("runs", sa.Integer(), nullable=False),
    )
    op.create_table(
        "run_day_counts",
        sa.Column("day", sa.Date(), primary_key=True),
        sa.Column("state", sa.String(16), primary_key=True),
        sa.Column("runs", sa.Integer(), nullable=False),
    )
    op.create_table(
        "job_tags",
        sa.Column("job_name", sa.String(255), primary_key=True),
        sa.Column("key", sa.String(128), primary_key=True),
        sa.Column("value", sa.String(256), nullable=False),
    )
    op.create_index("ix_job_tags_key_value", "job_tags", ["key", "value", "job_name"])
    with op.batch_alter_table("jobs") as batch:
        batch.add_column(
            sa.Column("last_run_seq", sa.Integer(), nullable=False, server_default="0")
        )
        batch.add_column(sa.Column("last_run_state", sa.String(16)))
    op.create_index("ix_jobs_last_run_state_name", "jobs", ["last_run_state", "name"])
    op.create_index("ix_jobs_last_modified_name", "jobs", ["last_modified_on", "name"])
    op.create_index("ix_jobs_last_run_seq_name", "jobs", ["last_run_seq", "name"])
    _backfill_counts()
    _backfill_tags()
    _backfill_last_runs()


def _backfill_counts() -> None:
    if op.get_bind().dialect.name == "sqlite":
        day = "substr(started_on, 1, 10)"  # stored as UTC text, "YYYY-MM-DD HH:…"
    else:
        day = "CAST(started_on AT TIME ZONE 'UTC' AS date)"
    op.execute(
        "INSERT INTO job_run_day_counts (job_name, day, state, runs) "
        f"SELECT job_name, {day}, state, count(*) FROM job_runs WHERE state IN {_ENDED} "
        f"GROUP BY job_name, {day}, state"
    )
    op.execute(
        "INSERT INTO run_day_counts (day, state, runs) "
        "SELECT day, state, sum(runs) FROM job_run_day_counts GROUP BY day, state"
    )


def _backfill_tags() -> None:
    conn = op.get_bind()
    rows = []
    for name, definition in conn.execute(sa.text("SELECT name, definition FROM jobs")):
        try:
            decoded = json.loads(definition) if isinstance(definition, str) else definition
            tags = dict(decoded.get("tags") or {})
        except (ValueError, TypeError, AttributeError):
            continue  # an unreadable definition has no tags to filter on
        rows += [{"job_name": name, "key": k, "value": str(v)} for k, v in tags.items()]
    if rows:
        conn.execute(
            sa.text("INSERT INTO job_tags (job_name, key, value) VALUES (:job_name, :key, :value)"),
            rows,
        )


def _backfill_last_runs() -> None:
    op.execute(
        "UPDATE jobs SET last_run_seq = "
        "coalesce((SELECT max(seq) FROM job_runs WHERE job_runs.job_name = jobs.name), 0)"
    )
    op.execute(
        "UPDATE jobs SET last_run_state = "
        "(SELECT state FROM job_runs WHERE job_runs.seq = jobs.last_run_seq)"
    )


def downgrade() -> None:
    op.drop_index("ix_jobs_last_run_seq_name", "jobs")
    op.drop_index("ix_jobs_last_modified_name", "jobs")
    op.drop_index("ix_jobs_last_run_state_name", "jobs")
    with op.batch_alter_table("jobs") as batch:
        batch.drop_column("last_run_state")
        batch.drop_column("last_run_seq")
    op.drop_index("ix_job_tags_key_value", "job_tags")
    op.drop_table("job_tags")
    op.drop_table("run_day_counts")
    op.drop_table("job_run_day_counts")
