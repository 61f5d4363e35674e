"""Products addressed by a stable key: Akeneo's uuid when known, else the identifier.

On Akeneo 7.0 / SaaS a product's identifier is optional and can change; keyed by identifier, a renamed SKU
orphaned its accepted values (sent again) and its media (uploaded again). From this revision the key column
`identifier` of `state_product` and `state_value` holds the product's uuid when Akeneo gave one, and
`state_product.akeneo_identifier` the identifier last seen (None for a product without one), for searches
and reports. Existing rows are identifier-keyed: their `akeneo_identifier` is filled here, and the first
run that sees their uuid moves them to it (`state.keys.adopt_uuids`), so no accepted value is lost.

Revision ID: 0004_uuid_keys
Revises: 0003_event_cursor
Create Date: 2026-12-02
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_uuid_keys"
down_revision = "0003_event_cursor"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("state_product") as batch:
        batch.add_column(sa.Column("akeneo_identifier", sa.String(255)))
    op.execute("UPDATE state_product SET akeneo_identifier = identifier")
    op.create_index("ix_state_product_akeneo_identifier", "state_product", ["client", "akeneo_identifier"])


def downgrade() -> None:
    op.drop_index("ix_state_product_akeneo_identifier", table_name="state_product")
    with op.batch_alter_table("state_product") as batch:
        batch.drop_column("akeneo_identifier")
