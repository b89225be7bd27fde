"""When an operation's sealed root password expires (`operations.secret_expires_at`): the
operation's deadline, bound into the ciphertext, so any worker may unseal it until then and a
sweep erases it after (docs/decisions/root-password-handoff.md). Secrets sealed before this
revision used a per-process key nobody holds any more: they are erased.

Revision ID: 0016
Revises: 0013
Create Date: 2026-12-01 13:15:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from vpspanel.db.types import UTCDateTime

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SEALED = sa.text("secret_expires_at IS NOT NULL")


def upgrade() -> None:
    op.execute("UPDATE operations SET sealed_secret = NULL WHERE sealed_secret IS NOT NULL")
    with op.batch_alter_table("operations") as batch:
        batch.add_column(sa.Column("secret_expires_at", UTCDateTime(), nullable=True))
    op.create_index(
        "ix_operations_secret_expires_at",
        "operations",
        ["secret_expires_at"],
        unique=False,
        sqlite_where=SEALED,
        postgresql_where=SEALED,
    )


def downgrade() -> None:
    op.drop_index("ix_operations_secret_expires_at", table_name="operations")
    # The old per-process key cannot read what the key ring sealed.
    op.execute("UPDATE operations SET sealed_secret = NULL WHERE sealed_secret IS NOT NULL")
    with op.batch_alter_table("operations") as batch:
        batch.drop_column("secret_expires_at")
