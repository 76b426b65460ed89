"""Overlays per region and year, set by an admin.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"


def upgrade() -> None:
    op.create_table(
        "overlay_settings",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("region", sa.String(40), nullable=False, index=True),
        sa.Column("fiscal_year", sa.Integer),
        sa.Column("overlays", sa.JSON, nullable=False),
        sa.Column("set_by", sa.String(200), nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("overlay_settings")
