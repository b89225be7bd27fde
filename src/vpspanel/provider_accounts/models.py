from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text, Uuid, text
from sqlalchemy.orm import Mapped, mapped_column

from vpspanel.db.base import Base, IdMixin, TimestampMixin
from vpspanel.db.types import JSONType, UTCDateTime
from vpspanel.providers.types import CreateOptions

PROVIDER_TYPES = ("linode", "digitalocean", "aws", "gcp")


class ServiceProvider(IdMixin, TimestampMixin, Base):
    """A connected cloud account. The API key is only ever stored encrypted."""

    __tablename__ = "service_providers"
    __table_args__ = (
        CheckConstraint("type IN ('linode', 'digitalocean', 'aws', 'gcp')", name="type"),
        Index("idx_service_providers_type", "type"),
        Index("idx_service_providers_active", "active"),
    )

    name: Mapped[str] = mapped_column(String(100), nullable=False)
    type: Mapped[str] = mapped_column(String(32), nullable=False)
    api_key_encrypted: Mapped[str] = mapped_column(Text, nullable=False)
    api_key_hint: Mapped[str] = mapped_column(String(16), nullable=False)
    key_rotated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    key_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    api_base_url: Mapped[str | None] = mapped_column(String(500))
    # The provider's id of the billing account the key belongs to (see AccountInfo); a new key
    # must belong to the same one. NULL for accounts connected before it was recorded.
    cloud_account_id: Mapped[str | None] = mapped_column(String(64))
    configuration: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False, default=dict)
    active: Mapped[bool] = mapped_column(nullable=False, default=True)
    status_ok: Mapped[bool | None] = mapped_column()
    status_checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status_error: Mapped[str | None] = mapped_column(String(500))
    # Health (provider_accounts/health.py): since when status_ok has held its value, how many
    # account failures in a row, and until when background work leaves the account alone.
    status_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status_failures: Mapped[int] = mapped_column(
        Integer, nullable=False, default=0, server_default=text("0")
    )
    status_next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # How many servers the cloud account may hold and held when last checked (DigitalOcean's
    # droplet_limit); NULL where the provider has no such limit or it was never read.
    server_limit: Mapped[int | None] = mapped_column(Integer)
    servers_held: Mapped[int | None] = mapped_column(Integer)
    server_limit_checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def allowed_regions(self) -> set[str] | None:
        """The regions this account may sell in; None means every region."""
        regions = self.configuration.get("allowed_regions")
        return set(regions) if regions is not None else None

    def create_options(self) -> CreateOptions:
        """The provider create options this account's configuration asks for (new instances)."""
        config = self.configuration
        if self.type == "digitalocean":
            return CreateOptions(
                backups=bool(config.get("backup_enabled")),
                ipv6=bool(config.get("ipv6_enabled")),
                private_ip=bool(config.get("vpc_enabled")),
            )
        return CreateOptions(
            backups=bool(config.get("backup_enabled")),
            private_ip=bool(config.get("private_ip_enabled")),
        )


class UpstreamCatalogCache(Base):
    """The provider's plans/regions/images as last fetched, shared by every worker process."""

    __tablename__ = "upstream_catalog_cache"

    provider_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("service_providers.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    payload: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, nullable=False)
    fetched_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    refreshing_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
