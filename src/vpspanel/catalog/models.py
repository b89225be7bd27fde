from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint, Uuid, text
from sqlalchemy.orm import Mapped, mapped_column

from vpspanel.db.base import Base, IdMixin, TimestampMixin
from vpspanel.db.types import JSONType, Money


class VpsPlan(IdMixin, TimestampMixin, Base):
    """A plan we sell: an upstream plan of one provider account, with our markup and regions."""

    __tablename__ = "vps_plans"
    __table_args__ = (
        Index("idx_vps_plans_provider_id", "provider_id"),
        Index("idx_vps_plans_active", "active"),
        UniqueConstraint("provider_id", "provider_plan_id", "name"),
    )

    provider_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("service_providers.id", ondelete="SET NULL")
    )
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    provider_plan_id: Mapped[str] = mapped_column(String(100), nullable=False)
    base_price: Mapped[Decimal] = mapped_column(Money(10, 2), nullable=False)
    base_price_hourly: Mapped[Decimal] = mapped_column(Money(10, 5), nullable=False)
    markup_price: Mapped[Decimal] = mapped_column(
        Money(10, 2), nullable=False, default=Decimal(0), server_default=text("0")
    )
    specifications: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False, default=dict)
    active: Mapped[bool] = mapped_column(nullable=False, default=True)


class VpsPlanRegion(Base):
    """A region a plan is sold in, with that region's upstream price (some regions cost more)."""

    __tablename__ = "vps_plan_regions"

    plan_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("vps_plans.id", ondelete="CASCADE"), primary_key=True
    )
    region_id: Mapped[str] = mapped_column(String(64), primary_key=True, index=True)
    region_label: Mapped[str] = mapped_column(String(100), nullable=False)
    country: Mapped[str | None] = mapped_column(String(8))
    base_price_monthly: Mapped[Decimal] = mapped_column(Money(10, 2), nullable=False)
    base_price_hourly: Mapped[Decimal] = mapped_column(Money(10, 5), nullable=False)
