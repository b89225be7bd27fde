"""Initial schema: accounts, organizations, provider accounts, plans, instances, operations.

Revision ID: 0001
Revises:
Create Date: 2026-11-28 23:50:46.936088
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import vpspanel.db.types

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "organizations",
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", vpspanel.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", vpspanel.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organizations")),
    )
    op.create_table(
        "rate_limit_counters",
        sa.Column("key", sa.String(length=128), nullable=False),
        sa.Column(
            "window_started_at", vpspanel.db.types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_rate_limit_counters")),
    )
    op.create_table(
        "service_providers",
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("type", sa.String(length=32), nullable=False),
        sa.Column("api_key_encrypted", sa.Text(), nullable=False),
        sa.Column("api_key_hint", sa.String(length=16), nullable=False),
        sa.Column("key_rotated_at", vpspanel.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("key_expires_at", vpspanel.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("api_base_url", sa.String(length=500), nullable=True),
        sa.Column(
            "configuration",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("status_ok", sa.Boolean(), nullable=True),
        sa.Column("status_checked_at", vpspanel.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("status_error", sa.String(length=500), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", vpspanel.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", vpspanel.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "type IN ('linode', 'digitalocean', 'aws', 'gcp')",
            name=op.f("ck_service_providers_type"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_providers")),
    )
    with op.batch_alter_table("service_providers", schema=None) as batch_op:
        batch_op.create_index("idx_service_providers_active", ["active"], unique=False)
        batch_op.create_index("idx_service_providers_type", ["type"], unique=False)

    op.create_table(
        "users",
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", vpspanel.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", vpspanel.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("role IN ('admin', 'customer')", name=op.f("ck_users_role")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("email", name=op.f("uq_users_email")),
    )
    op.create_table(
        "idempotency_keys",
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("response_status", sa.Integer(), nullable=True),
        sa.Column(
            "response_body",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("created_at", vpspanel.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", vpspanel.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("locked_until", vpspanel.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_idempotency_keys_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_idempotency_keys")),
        sa.UniqueConstraint(
            "organization_id", "key", name=op.f("uq_idempotency_keys_organization_id_key")
        ),
    )
    with op.batch_alter_table("idempotency_keys", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_idempotency_keys_expires_at"), ["expires_at"], unique=False
        )

    op.create_table(
        "memberships",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("created_at", vpspanel.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("role IN ('owner', 'member')", name=op.f("ck_memberships_role")),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_memberships_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_memberships_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", "organization_id", name=op.f("pk_memberships")),
    )
    with op.batch_alter_table("memberships", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_memberships_organization_id"), ["organization_id"], unique=False
        )

    op.create_table(
        "sessions",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("csrf_token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", vpspanel.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", vpspanel.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", vpspanel.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_sessions_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sessions")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_sessions_token_hash")),
    )
    with op.batch_alter_table("sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sessions_user_id"), ["user_id"], unique=False)

    op.create_table(
        "upstream_catalog_cache",
        sa.Column("provider_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column(
            "payload",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("fetched_at", vpspanel.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", vpspanel.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("refreshing_until", vpspanel.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["provider_id"],
            ["service_providers.id"],
            name=op.f("fk_upstream_catalog_cache_provider_id_service_providers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("provider_id", "kind", name=op.f("pk_upstream_catalog_cache")),
    )
    op.create_table(
        "vps_plans",
        sa.Column("provider_id", sa.Uuid(), nullable=True),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("provider_plan_id", sa.String(length=100), nullable=False),
        sa.Column("base_price", vpspanel.db.types.Money(precision=10, scale=2), nullable=False),
        sa.Column(
            "base_price_hourly", vpspanel.db.types.Money(precision=10, scale=5), nullable=False
        ),
        sa.Column(
            "markup_price",
            vpspanel.db.types.Money(precision=10, scale=2),
            server_default=sa.text("0"),
            nullable=False,
        ),
        sa.Column(
            "specifications",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", vpspanel.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", vpspanel.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["provider_id"],
            ["service_providers.id"],
            name=op.f("fk_vps_plans_provider_id_service_providers"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vps_plans")),
        sa.UniqueConstraint(
            "provider_id",
            "provider_plan_id",
            "name",
            name=op.f("uq_vps_plans_provider_id_provider_plan_id_name"),
        ),
    )
    with op.batch_alter_table("vps_plans", schema=None) as batch_op:
        batch_op.create_index("idx_vps_plans_active", ["active"], unique=False)
        batch_op.create_index("idx_vps_plans_provider_id", ["provider_id"], unique=False)

    op.create_table(
        "vps_instances",
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=True),
        sa.Column("plan_id", sa.Uuid(), nullable=True),
        sa.Column("provider_id", sa.Uuid(), nullable=True),
        sa.Column("provider_instance_id", sa.String(length=64), nullable=True),
        sa.Column("label", sa.String(length=63), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("ip_address", sa.String(length=45), nullable=True),
        sa.Column("ipv6", sa.String(length=64), nullable=True),
        sa.Column("region", sa.String(length=64), nullable=False),
        sa.Column("image", sa.String(length=128), nullable=False),
        sa.Column("progress", sa.Integer(), nullable=True),
        sa.Column("error", sa.String(length=500), nullable=True),
        sa.Column(
            "configuration",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("deleted_at", vpspanel.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", vpspanel.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", vpspanel.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_vps_instances_organization_id_organizations"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["vps_plans.id"],
            name=op.f("fk_vps_instances_plan_id_vps_plans"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["provider_id"],
            ["service_providers.id"],
            name=op.f("fk_vps_instances_provider_id_service_providers"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_vps_instances_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vps_instances")),
    )
    with op.batch_alter_table("vps_instances", schema=None) as batch_op:
        batch_op.create_index(
            "idx_vps_instances_provider_instance_id", ["provider_instance_id"], unique=False
        )
        batch_op.create_index(
            "ix_vps_instances_organization_id_created_at",
            ["organization_id", "created_at"],
            unique=False,
        )
        batch_op.create_index("ix_vps_instances_status", ["status"], unique=False)
        batch_op.create_index(
            "uq_vps_instances_provider_id_provider_instance_id",
            ["provider_id", "provider_instance_id"],
            unique=True,
        )

    op.create_table(
        "vps_plan_regions",
        sa.Column("plan_id", sa.Uuid(), nullable=False),
        sa.Column("region_id", sa.String(length=64), nullable=False),
        sa.Column("region_label", sa.String(length=100), nullable=False),
        sa.Column("country", sa.String(length=8), nullable=True),
        sa.Column(
            "base_price_monthly", vpspanel.db.types.Money(precision=10, scale=2), nullable=False
        ),
        sa.Column(
            "base_price_hourly", vpspanel.db.types.Money(precision=10, scale=5), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["vps_plans.id"],
            name=op.f("fk_vps_plan_regions_plan_id_vps_plans"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("plan_id", "region_id", name=op.f("pk_vps_plan_regions")),
    )
    with op.batch_alter_table("vps_plan_regions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_vps_plan_regions_region_id"), ["region_id"], unique=False
        )

    op.create_table(
        "operations",
        sa.Column("instance_id", sa.Uuid(), nullable=False),
        sa.Column("type", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column(
            "payload",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("sealed_secret", sa.Text(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("run_after", vpspanel.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("lease_owner", sa.String(length=64), nullable=True),
        sa.Column("lease_expires_at", vpspanel.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("started_at", vpspanel.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("finished_at", vpspanel.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("error", sa.String(length=500), nullable=True),
        sa.Column(
            "result",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", vpspanel.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", vpspanel.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["instance_id"],
            ["vps_instances.id"],
            name=op.f("fk_operations_instance_id_vps_instances"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_operations")),
    )
    with op.batch_alter_table("operations", schema=None) as batch_op:
        batch_op.create_index(
            "ix_operations_instance_id_created_at", ["instance_id", "created_at"], unique=False
        )
        batch_op.create_index(
            "ix_operations_status_run_after", ["status", "run_after"], unique=False
        )

    op.create_table(
        "instance_events",
        sa.Column("instance_id", sa.Uuid(), nullable=False),
        sa.Column("operation_id", sa.Uuid(), nullable=True),
        sa.Column("type", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("created_at", vpspanel.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", vpspanel.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["instance_id"],
            ["vps_instances.id"],
            name=op.f("fk_instance_events_instance_id_vps_instances"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["operation_id"],
            ["operations.id"],
            name=op.f("fk_instance_events_operation_id_operations"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_instance_events")),
    )
    with op.batch_alter_table("instance_events", schema=None) as batch_op:
        batch_op.create_index(
            "ix_instance_events_instance_id_created_at", ["instance_id", "created_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("instance_events", schema=None) as batch_op:
        batch_op.drop_index("ix_instance_events_instance_id_created_at")

    op.drop_table("instance_events")
    with op.batch_alter_table("operations", schema=None) as batch_op:
        batch_op.drop_index("ix_operations_status_run_after")
        batch_op.drop_index("ix_operations_instance_id_created_at")

    op.drop_table("operations")
    with op.batch_alter_table("vps_plan_regions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_vps_plan_regions_region_id"))

    op.drop_table("vps_plan_regions")
    with op.batch_alter_table("vps_instances", schema=None) as batch_op:
        batch_op.drop_index("uq_vps_instances_provider_id_provider_instance_id")
        batch_op.drop_index("ix_vps_instances_status")
        batch_op.drop_index("ix_vps_instances_organization_id_created_at")
        batch_op.drop_index("idx_vps_instances_provider_instance_id")

    op.drop_table("vps_instances")
    with op.batch_alter_table("vps_plans", schema=None) as batch_op:
        batch_op.drop_index("idx_vps_plans_provider_id")
        batch_op.drop_index("idx_vps_plans_active")

    op.drop_table("vps_plans")
    op.drop_table("upstream_catalog_cache")
    with op.batch_alter_table("sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sessions_user_id"))

    op.drop_table("sessions")
    with op.batch_alter_table("memberships", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_memberships_organization_id"))

    op.drop_table("memberships")
    with op.batch_alter_table("idempotency_keys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_idempotency_keys_expires_at"))

    op.drop_table("idempotency_keys")
    op.drop_table("users")
    with op.batch_alter_table("service_providers", schema=None) as batch_op:
        batch_op.drop_index("idx_service_providers_type")
        batch_op.drop_index("idx_service_providers_active")

    op.drop_table("service_providers")
    op.drop_table("rate_limit_counters")
    op.drop_table("organizations")
