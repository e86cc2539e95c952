"""Each job's latest ten runs' seqs and states on its row (store/last_runs.py), so the jobs
list reads no runs but each job's newest. Backfilled from job_runs.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

#: As store/last_runs.py writes them: 10 digits of seq, the state padded to 9, newest first.
_LATEST = sa.text(
    "SELECT seq, state FROM job_runs WHERE job_name = :job ORDER BY seq DESC LIMIT 10"
)


def upgrade() -> None:
    with op.batch_alter_table("jobs") as batch:
        batch.add_column(
            sa.Column("recent_runs", sa.String(190), nullable=False, server_default="")
        )
    conn = op.get_bind()
    rows = []
    # One index range of (job_name, seq) per job: a job's ten, whatever the table holds.
    for name in conn.execute(sa.text("SELECT name FROM jobs")).scalars().all():
        latest = conn.execute(_LATEST, {"job": name})
        recent = "".join(f"{seq:010d}{state:<9}" for seq, state in latest)
        if recent:
            rows.append({"job": name, "recent": recent})
    if rows:
        conn.execute(sa.text("UPDATE jobs SET recent_runs = :recent WHERE name = :job"), rows)


def downgrade() -> None:
    with op.batch_alter_table("jobs") as batch:
        batch.drop_column("recent_runs")
