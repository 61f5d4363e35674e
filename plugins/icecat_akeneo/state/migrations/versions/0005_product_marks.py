"""Per-product marks: what a product's last fully accepted build depended on (reruns skip it unchanged).

See `state.models.ProductMark` and `unchanged.py`. A new table only: existing state is untouched and every
product simply has no mark until a run builds it again.

Revision ID: 0005_product_marks
Revises: 0004_uuid_keys
Create Date: 2026-12-02
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_product_marks"
down_revision = "0004_uuid_keys"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "state_product_mark",
        sa.Column("client", sa.String(100), primary_key=True),
        sa.Column("identifier", sa.String(255), primary_key=True),
        sa.Column("akeneo_updated", sa.String(64), nullable=False),
        sa.Column("family", sa.String(255)),
        sa.Column("icecat_id", sa.String(64)),
        sa.Column("icecat_updated", sa.DateTime(timezone=True)),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("proven_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("marked_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("state_product_mark")
