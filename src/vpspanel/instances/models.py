from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text, Uuid, text
from sqlalchemy.orm import Mapped, mapped_column

from vpspanel.db.base import Base, IdMixin, TimestampMixin
from vpspanel.db.types import JSONType, UTCDateTime, utcnow


class VpsInstance(IdMixin, TimestampMixin, Base):
    __tablename__ = "vps_instances"
    __table_args__ = (
        Index("idx_vps_instances_provider_instance_id", "provider_instance_id"),
        Index(
            "uq_vps_instances_provider_id_provider_instance_id",
            "provider_id",
            "provider_instance_id",
            unique=True,
        ),
        Index("ix_vps_instances_organization_id_created_at", "organization_id", "created_at"),
        # The customer's list, its count and the quota read only live servers.
        Index(
            "ix_vps_instances_live_organization_id_created_at",
            "organization_id",
            "created_at",
            sqlite_where=text("deleted_at IS NULL"),
            postgresql_where=text("deleted_at IS NULL"),
        ),
        Index("ix_vps_instances_status", "status"),
    )

    organization_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("organizations.id", ondelete="RESTRICT"), nullable=False
    )
    user_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("users.id", ondelete="SET NULL")
    )
    plan_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("vps_plans.id", ondelete="SET NULL")
    )
    provider_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("service_providers.id", ondelete="RESTRICT")
    )
    provider_instance_id: Mapped[str | None] = mapped_column(String(64))
    # A hostname: up to 253 characters (instances/validation.py).
    label: Mapped[str] = mapped_column(String(253), nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False)
    # The provider's own word for the status, as last read (shown to admins only).
    provider_status: Mapped[str | None] = mapped_column(String(32))
    ip_address: Mapped[str | None] = mapped_column(String(45))
    ipv6: Mapped[str | None] = mapped_column(String(64))
    region: Mapped[str] = mapped_column(String(64), nullable=False)
    image: Mapped[str] = mapped_column(String(128), nullable=False)
    progress: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(String(500))
    configuration: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False, default=dict)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def region_label(self) -> str | None:
        """The region's name as the plan showed it when ordered (None if not recorded)."""
        label = self.configuration.get("region_label")
        return str(label) if label else None

    @property
    def public_region(self) -> str | None:
        """The region's public id as the catalog showed it when ordered (None if not recorded:
        then derived from the label, see `storefront/regions.py`)."""
        public_id = self.configuration.get("public_region")
        return str(public_id) if public_id else None


class InstanceEvent(IdMixin, Base):
    """The history a customer reads: requested, created at provider, booted, failed with reason."""

    __tablename__ = "instance_events"
    __table_args__ = (
        Index("ix_instance_events_instance_id_created_at", "instance_id", "created_at"),
    )

    instance_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("vps_instances.id", ondelete="CASCADE"), nullable=False
    )
    operation_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("operations.id", ondelete="SET NULL")
    )
    type: Mapped[str] = mapped_column(String(32), nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False)
    message: Mapped[str] = mapped_column(Text, nullable=False, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
