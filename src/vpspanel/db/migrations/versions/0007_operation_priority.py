"""Operations carry a claim priority: watching a server the provider is changing ranks ahead
of sending new work, and sending a lifecycle action ahead of sending a create.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 06:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Existing rows start as lifecycle actions (1); each one's next step sets its own rank.
    with op.batch_alter_table("operations", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("priority", sa.Integer(), nullable=False, server_default=sa.text("1"))
        )
        batch_op.create_index(
            "ix_operations_status_priority_run_after",
            ["status", "priority", "run_after"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("operations", schema=None) as batch_op:
        batch_op.drop_index("ix_operations_status_priority_run_after")
        batch_op.drop_column("priority")
