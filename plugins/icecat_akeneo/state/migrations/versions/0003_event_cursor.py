"""Event-driven runs: the poll cursor per client and the queue of product events waiting for a run.

Revision ID: 0003_event_cursor
Revises: 0002_run_lock
Create Date: 2026-12-01
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_event_cursor"
down_revision = "0002_run_lock"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "state_event_cursor",
        sa.Column("client", sa.String(100), primary_key=True),
        sa.Column("cursor", sa.DateTime(timezone=True), nullable=False),
        sa.Column("polled_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "state_event_queue",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("client", sa.String(100), nullable=False),
        sa.Column("event_key", sa.String(512), nullable=False),
        sa.Column("identifier", sa.String(255), nullable=False),
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("queued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("emitted_at", sa.DateTime(timezone=True)),
        sa.Column("served_run", sa.String(255)),
        sa.UniqueConstraint("client", "event_key", name="uq_state_event_queue_key"),
    )
    op.create_index("ix_state_event_queue_emitted", "state_event_queue", ["client", "emitted_at"])


def downgrade() -> None:
    op.drop_index("ix_state_event_queue_emitted", table_name="state_event_queue")
    op.drop_table("state_event_queue")
    op.drop_table("state_event_cursor")
