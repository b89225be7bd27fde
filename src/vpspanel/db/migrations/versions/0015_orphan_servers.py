"""Orphan servers: servers at the provider carrying our tag that no instance owns (issue 12).

Revision ID: 0015
Revises: 0013
Create Date: 2026-12-01 13:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import vpspanel.db.types

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "orphan_servers",
        sa.Column("provider_account_id", sa.Uuid(), nullable=False),
        sa.Column("provider_server_id", sa.String(length=64), nullable=False),
        sa.Column("label", sa.String(length=255), nullable=False),
        sa.Column(
            "created_at_provider", vpspanel.db.types.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("tag", sa.String(length=64), nullable=False),
        sa.Column("first_seen_at", vpspanel.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", vpspanel.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("state_changed_at", vpspanel.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("decided_by", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["provider_account_id"],
            ["service_providers.id"],
            name=op.f("fk_orphan_servers_provider_account_id_service_providers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["decided_by"],
            ["users.id"],
            name=op.f("fk_orphan_servers_decided_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_orphan_servers")),
        sa.UniqueConstraint(
            "provider_account_id",
            "provider_server_id",
            name=op.f("uq_orphan_servers_provider_account_id_provider_server_id"),
        ),
    )
    op.create_index(
        "ix_orphan_servers_state_first_seen_at",
        "orphan_servers",
        ["state", "first_seen_at"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_orphan_servers_state_first_seen_at", table_name="orphan_servers")
    op.drop_table("orphan_servers")
