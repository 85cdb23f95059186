"""pool_versions: every recorded configuration of every pool.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
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
        "pool_versions",
        sa.Column("pool_id", sa.String(64), primary_key=True),
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("version", sa.String(64), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("principal", sa.Text),
        sa.Column("request_id", sa.Text),
        sa.Column("changes", sa.JSON, nullable=False),
        sa.Column("configuration", sa.JSON, nullable=False),
    )
    op.create_index("ix_pool_versions_version", "pool_versions", ["pool_id", "version"])


def downgrade() -> None:
    op.drop_index("ix_pool_versions_version", "pool_versions")
    op.drop_table("pool_versions")
