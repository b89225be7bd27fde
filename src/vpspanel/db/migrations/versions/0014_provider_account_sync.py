"""Per provider account: its change feed's cursor, its sweep schedule and the lease that keeps
its feed and sweep on one worker at a time.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01 13:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import vpspanel.db.types

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "provider_account_sync",
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("feed_cursor", sa.Text(), nullable=True),
        sa.Column("last_feed_at", vpspanel.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_sweep_at", vpspanel.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("sweep_due_at", vpspanel.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("lease_owner", sa.String(length=100), nullable=True),
        sa.Column("lease_expires_at", vpspanel.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["service_providers.id"],
            name=op.f("fk_provider_account_sync_account_id_service_providers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("account_id", name=op.f("pk_provider_account_sync")),
    )


def downgrade() -> None:
    op.drop_table("provider_account_sync")
