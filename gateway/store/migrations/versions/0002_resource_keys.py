"""pool_versions.pool_id holds any resource's key: a pool's id, or an app client's
``<pool id>/clients/<client id>`` (up to 55 + 9 + 128 characters).

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("pool_versions") as table:
        table.alter_column("pool_id", type_=sa.String(256), existing_type=sa.String(64))


def downgrade() -> None:
    with op.batch_alter_table("pool_versions") as table:
        table.alter_column("pool_id", type_=sa.String(64), existing_type=sa.String(256))
