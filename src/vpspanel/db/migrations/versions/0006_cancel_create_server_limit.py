"""Provider accounts remember their server limit and its use, as last read from the provider.

Revision ID: 0006_cancel_create_server_limit
Revises: 0005
Create Date: 2026-12-01 06:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import vpspanel.db.types

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("service_providers") as batch:
        batch.add_column(sa.Column("server_limit", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("servers_held", sa.Integer(), nullable=True))
        batch.add_column(
            sa.Column(
                "server_limit_checked_at",
                vpspanel.db.types.UTCDateTime(timezone=True),
                nullable=True,
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("service_providers") as batch:
        batch.drop_column("server_limit_checked_at")
        batch.drop_column("servers_held")
        batch.drop_column("server_limit")
