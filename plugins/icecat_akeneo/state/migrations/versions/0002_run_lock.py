"""Run lock: one lease row per client, so two runs of one client never sync at the same time.

Revision ID: 0002_run_lock
Revises: 0001
Create Date: 2026-12-01
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_run_lock"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "state_run_lock",
        sa.Column("client", sa.String(100), primary_key=True),
        sa.Column("run_id", sa.String(250)),
        sa.Column("acquired_at", sa.DateTime(timezone=True)),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True)),
    )


def downgrade() -> None:
    op.drop_table("state_run_lock")
