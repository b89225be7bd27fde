"""An index of each organization's live servers (not deleted), newest first: the customer's
server list and its count, and the quota check, read only it.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01 11:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LIVE = sa.text("deleted_at IS NULL")


def upgrade() -> None:
    op.create_index(
        "ix_vps_instances_live_organization_id_created_at",
        "vps_instances",
        ["organization_id", "created_at"],
        unique=False,
        sqlite_where=LIVE,
        postgresql_where=LIVE,
    )


def downgrade() -> None:
    op.drop_index("ix_vps_instances_live_organization_id_created_at", table_name="vps_instances")
