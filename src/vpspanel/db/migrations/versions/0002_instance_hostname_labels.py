"""Instance labels hold whole hostnames (web1.example.com): up to 253 characters.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01 02:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("vps_instances") as batch_op:
        batch_op.alter_column(
            "label",
            existing_type=sa.String(length=63),
            type_=sa.String(length=253),
            existing_nullable=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("vps_instances") as batch_op:
        batch_op.alter_column(
            "label",
            existing_type=sa.String(length=253),
            type_=sa.String(length=63),
            existing_nullable=False,
        )
