from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint, Uuid, text
from sqlalchemy.orm import Mapped, mapped_column

from vpspanel.db.base import Base, IdMixin, TimestampMixin
from vpspanel.db.types import JSONType, UTCDateTime


class Operation(IdMixin, TimestampMixin, Base):
    """A durable unit of provider work (create, boot, ...) claimed and run by a worker."""

    __tablename__ = "operations"
    __table_args__ = (
        Index("ix_operations_status_run_after", "status", "run_after"),
        Index("ix_operations_status_priority_run_after", "status", "priority", "run_after"),
        Index("ix_operations_instance_id_created_at", "instance_id", "created_at"),
        Index(
            "ix_operations_secret_expires_at",
            "secret_expires_at",
            sqlite_where=text("secret_expires_at IS NOT NULL"),
            postgresql_where=text("secret_expires_at IS NOT NULL"),
        ),
    )

    instance_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("vps_instances.id", ondelete="CASCADE"), nullable=False
    )
    type: Mapped[str] = mapped_column(String(32), nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False)
    payload: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False, default=dict)
    # A secret the provider call needs (a root password), sealed with the application's key
    # ring and bound to this row and to `secret_expires_at` (operations/handoff.py); erased as
    # soon as the provider accepted it, when the operation ends, and at that expiry.
    sealed_secret: Mapped[str | None] = mapped_column(Text)
    secret_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    # Claim order, lowest first (see OperationPriority): polls of servers the provider is
    # changing are never starved by queued creates.
    priority: Mapped[int] = mapped_column(
        Integer, nullable=False, default=1, server_default=text("1")
    )
    run_after: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    lease_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    error: Mapped[str | None] = mapped_column(String(500))
    result: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False, default=dict)


class IdempotencyRecord(IdMixin, Base):
    """A remembered answer for an ``Idempotency-Key``, per organization, kept at least 24 hours."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("organization_id", "key"),)

    organization_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("organizations.id", ondelete="CASCADE"), nullable=False
    )
    key: Mapped[str] = mapped_column(String(255), nullable=False)
    request_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    response_status: Mapped[int | None] = mapped_column(Integer)
    response_body: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, index=True)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    error: Mapped[str | None] = mapped_column(Text)
