"""Provider account health: since when its status holds, failures in a row, and until when
background work leaves a failing account alone (provider_accounts/health.py).

Revision ID: 0017
Revises: 0013
Create Date: 2026-12-01 13:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import vpspanel.db.types

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("service_providers") as batch:
        batch.add_column(
            sa.Column("status_since", vpspanel.db.types.UTCDateTime(timezone=True), nullable=True)
        )
        batch.add_column(
            sa.Column("status_failures", sa.Integer(), nullable=False, server_default=sa.text("0"))
        )
        batch.add_column(
            sa.Column(
                "status_next_attempt_at",
                vpspanel.db.types.UTCDateTime(timezone=True),
                nullable=True,
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("service_providers") as batch:
        batch.drop_column("status_next_attempt_at")
        batch.drop_column("status_failures")
        batch.drop_column("status_since")
