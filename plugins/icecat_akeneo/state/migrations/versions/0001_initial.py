"""Initial state schema: products, accepted value hashes, uploaded media.

Revision ID: 0001
Revises:
Create Date: 2026-11-27
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "state_product",
        sa.Column("client", sa.String(100), primary_key=True),
        sa.Column("identifier", sa.String(255), primary_key=True),
        sa.Column("icecat_id", sa.String(64)),
        sa.Column("icecat_updated", sa.DateTime(timezone=True)),
        sa.Column("status", sa.String(32)),
        sa.Column("reason", sa.Text()),
        sa.Column("status_since", sa.DateTime(timezone=True)),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("first_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_synced", sa.DateTime(timezone=True)),
        sa.Column("data_creation_request_id", sa.String(255)),
        sa.Column("data_creation_requested_at", sa.DateTime(timezone=True)),
    )
    op.create_index("ix_state_product_status", "state_product", ["client", "status"])
    op.create_table(
        "state_value",
        sa.Column("client", sa.String(100), primary_key=True),
        sa.Column("identifier", sa.String(255), primary_key=True),
        sa.Column("attribute", sa.String(255), primary_key=True),
        sa.Column("locale", sa.String(100), primary_key=True),
        sa.Column("scope", sa.String(100), primary_key=True),
        sa.Column("data_hash", sa.String(64), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "state_media",
        sa.Column("client", sa.String(100), primary_key=True),
        sa.Column("sha256", sa.String(64), primary_key=True),
        sa.Column("code", sa.String(512), nullable=False),
        sa.Column("url", sa.Text()),
        sa.Column("identifier", sa.String(255)),
        sa.Column("attribute", sa.String(255)),
        sa.Column("locale", sa.String(100)),
        sa.Column("scope", sa.String(100)),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_state_media_url", "state_media", ["client", "url"])


def downgrade() -> None:
    op.drop_index("ix_state_media_url", table_name="state_media")
    op.drop_table("state_media")
    op.drop_table("state_value")
    op.drop_index("ix_state_product_status", table_name="state_product")
    op.drop_table("state_product")
