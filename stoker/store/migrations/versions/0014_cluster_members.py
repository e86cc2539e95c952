"""Several daemons on one PostgreSQL: members, leases, and the member executing each run.

Revision ID: 0014
Revises: 0012
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from stoker.store.tables import UTCDateTime

revision = "0014"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "cluster_members",
        sa.Column("member_id", sa.String(255), primary_key=True),
        sa.Column("host", sa.String(255), nullable=False),
        sa.Column("pid", sa.Integer, nullable=False),
        sa.Column("api_url", sa.String(1024), nullable=False),
        sa.Column("started_on", UTCDateTime(), nullable=False),
        sa.Column("heartbeat_on", UTCDateTime(), nullable=False),
        sa.Column("pool_capacity", sa.Integer, nullable=False),
    )
    op.create_table(
        "leases",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("holder", sa.String(255), nullable=False),
        sa.Column("token", sa.BigInteger, nullable=False),
        sa.Column("expires_on", UTCDateTime(), nullable=False),
    )
    with op.batch_alter_table("job_runs") as batch:
        batch.add_column(sa.Column("member_id", sa.String(255)))


def downgrade() -> None:
    with op.batch_alter_table("job_runs") as batch:
        batch.drop_column("member_id")
    op.drop_table("leases")
    op.drop_table("cluster_members")
