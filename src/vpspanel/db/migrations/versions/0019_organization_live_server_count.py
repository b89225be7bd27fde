"""Each organization's count of live (not deleted) servers, kept by the database.

The customer's server list answers with its total; counting 10,000 rows on every poll of the
list cost more than the rest of the page. Triggers on `vps_instances` keep
`organizations.live_server_count` equal to that count whatever writes the rows (the API, the
worker, the reconciler, a bulk insert): a row counts while its `deleted_at` is empty. Only a
change of `deleted_at` or `organization_id` touches the organization's row, so a status poll
or any other update of a server locks nothing more than before.

A SQLite migration that rebuilds `vps_instances` (batch mode's copy and move) drops these
triggers with the old table: such a migration must create them again.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-01 19:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ADD = (
    "UPDATE organizations SET live_server_count = live_server_count + 1"
    " WHERE id = NEW.organization_id"
)
_REMOVE = (
    "UPDATE organizations SET live_server_count = live_server_count - 1"
    " WHERE id = OLD.organization_id"
)
_MOVED = (
    "OLD.deleted_at IS DISTINCT FROM NEW.deleted_at"
    " OR OLD.organization_id IS DISTINCT FROM NEW.organization_id"
)

POSTGRESQL_UPGRADE = [
    f"""
    CREATE FUNCTION vps_instances_live_count() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.deleted_at IS NULL THEN
            {_REMOVE};
        END IF;
        IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.deleted_at IS NULL THEN
            {_ADD};
        END IF;
        RETURN NULL;
    END
    $$
    """,
    """
    CREATE TRIGGER vps_instances_live_count_insert AFTER INSERT ON vps_instances
    FOR EACH ROW WHEN (NEW.deleted_at IS NULL) EXECUTE FUNCTION vps_instances_live_count()
    """,
    f"""
    CREATE TRIGGER vps_instances_live_count_update
    AFTER UPDATE OF deleted_at, organization_id ON vps_instances
    FOR EACH ROW WHEN ({_MOVED}) EXECUTE FUNCTION vps_instances_live_count()
    """,
    """
    CREATE TRIGGER vps_instances_live_count_delete AFTER DELETE ON vps_instances
    FOR EACH ROW WHEN (OLD.deleted_at IS NULL) EXECUTE FUNCTION vps_instances_live_count()
    """,
]
POSTGRESQL_DOWNGRADE = [
    "DROP TRIGGER vps_instances_live_count_insert ON vps_instances",
    "DROP TRIGGER vps_instances_live_count_update ON vps_instances",
    "DROP TRIGGER vps_instances_live_count_delete ON vps_instances",
    "DROP FUNCTION vps_instances_live_count()",
]

# SQLite has no IS DISTINCT FROM; IS NOT is its null-safe inequality.
SQLITE_UPGRADE = [
    f"""
    CREATE TRIGGER vps_instances_live_count_insert AFTER INSERT ON vps_instances
    WHEN NEW.deleted_at IS NULL
    BEGIN {_ADD}; END
    """,
    f"""
    CREATE TRIGGER vps_instances_live_count_update
    AFTER UPDATE OF deleted_at, organization_id ON vps_instances
    WHEN {_MOVED.replace("IS DISTINCT FROM", "IS NOT")}
    BEGIN
        {_REMOVE} AND OLD.deleted_at IS NULL;
        {_ADD} AND NEW.deleted_at IS NULL;
    END
    """,
    f"""
    CREATE TRIGGER vps_instances_live_count_delete AFTER DELETE ON vps_instances
    WHEN OLD.deleted_at IS NULL
    BEGIN {_REMOVE}; END
    """,
]
SQLITE_DOWNGRADE = [
    "DROP TRIGGER vps_instances_live_count_insert",
    "DROP TRIGGER vps_instances_live_count_update",
    "DROP TRIGGER vps_instances_live_count_delete",
]


def upgrade() -> None:
    with op.batch_alter_table("organizations") as batch:
        batch.add_column(
            sa.Column("live_server_count", sa.Integer(), server_default="0", nullable=False)
        )
    op.execute(
        "UPDATE organizations SET live_server_count = (SELECT count(*) FROM vps_instances"
        " WHERE vps_instances.organization_id = organizations.id"
        " AND vps_instances.deleted_at IS NULL)"
    )
    postgresql = op.get_bind().dialect.name == "postgresql"
    for statement in POSTGRESQL_UPGRADE if postgresql else SQLITE_UPGRADE:
        op.execute(statement)


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    for statement in POSTGRESQL_DOWNGRADE if postgresql else SQLITE_DOWNGRADE:
        op.execute(statement)
    with op.batch_alter_table("organizations") as batch:
        batch.drop_column("live_server_count")
