"""Instances keep the provider's own word for their status (shown to admins).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 03:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("vps_instances", schema=None) as batch_op:
        batch_op.add_column(sa.Column("provider_status", sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("vps_instances", schema=None) as batch_op:
        batch_op.drop_column("provider_status")
