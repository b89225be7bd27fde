"""Customer management: an organization's server limit and the panel's settings row
(registration mode, default server limit for new organizations).

Revision ID: 0011
Revises: 0007
Create Date: 2026-12-01 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from vpspanel.db.types import UTCDateTime

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("organizations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("server_limit", sa.Integer(), nullable=True))
    op.create_table(
        "panel_settings",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("registration", sa.String(length=16), nullable=False),
        sa.Column("default_server_limit", sa.Integer(), nullable=True),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_panel_settings_single_row")),
        sa.CheckConstraint(
            "registration IN ('open', 'invite_only', 'closed')",
            name=op.f("ck_panel_settings_registration"),
        ),
        sa.CheckConstraint(
            "default_server_limit IS NULL OR default_server_limit >= 0",
            name=op.f("ck_panel_settings_default_server_limit"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_panel_settings")),
    )


def downgrade() -> None:
    op.drop_table("panel_settings")
    with op.batch_alter_table("organizations", schema=None) as batch_op:
        batch_op.drop_column("server_limit")
