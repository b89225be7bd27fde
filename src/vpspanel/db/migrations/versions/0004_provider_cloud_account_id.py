"""Provider accounts remember which cloud account their key belongs to.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 03:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("service_providers") as batch:
        batch.add_column(sa.Column("cloud_account_id", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("service_providers") as batch:
        batch.drop_column("cloud_account_id")
