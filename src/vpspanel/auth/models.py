from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from vpspanel.db.base import Base, IdMixin, TimestampMixin
from vpspanel.db.types import UTCDateTime, utcnow


class UserRole(StrEnum):
    ADMIN = "admin"
    CUSTOMER = "customer"


class User(IdMixin, TimestampMixin, Base):
    __tablename__ = "users"
    __table_args__ = (CheckConstraint("role IN ('admin', 'customer')", name="role"),)

    email: Mapped[str] = mapped_column(String(320), nullable=False, unique=True)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    password_hash: Mapped[str] = mapped_column(String(255), nullable=False)
    role: Mapped[str] = mapped_column(String(16), nullable=False, default=UserRole.CUSTOMER)
    active: Mapped[bool] = mapped_column(default=True, nullable=False)


class IdentityProvider(StrEnum):
    SUPABASE = "supabase"


class ExternalIdentity(IdMixin, Base):
    """A user's account at an outside sign-in service: the service's subject (Supabase: the
    access token's `sub`, the Supabase user id) is bound to one user, and a user has at most one
    identity per service."""

    __tablename__ = "external_identities"
    __table_args__ = (
        CheckConstraint("provider IN ('supabase')", name="provider"),
        UniqueConstraint("provider", "subject"),
        UniqueConstraint("user_id", "provider"),
    )

    user_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("users.id", ondelete="CASCADE"), nullable=False
    )
    provider: Mapped[str] = mapped_column(String(32), nullable=False)
    subject: Mapped[str] = mapped_column(String(255), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)


class AuthSession(IdMixin, Base):
    """A signed-in session. Only a SHA-256 hash of the opaque token is stored."""

    __tablename__ = "sessions"

    user_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    csrf_token_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The browser or client that signed in (the User-Agent header, cut to 255 characters).
    user_agent: Mapped[str | None] = mapped_column(String(255))
    # Written at most once a minute (deps.SESSION_TOUCH_INTERVAL), not on every request.
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class PasswordResetToken(IdMixin, Base):
    """A single-use link to set a new password. Only a SHA-256 hash of the token is stored;
    asking again deletes the user's older unused tokens."""

    __tablename__ = "password_reset_tokens"

    user_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class RateLimitCounter(Base):
    """Fixed-window counters shared by every worker process (login attempts per account/address)."""

    __tablename__ = "rate_limit_counters"

    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    window_started_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
