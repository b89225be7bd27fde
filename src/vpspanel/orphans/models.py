from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from vpspanel.db.base import Base, IdMixin
from vpspanel.db.types import UTCDateTime


class OrphanState(StrEnum):
    """Where an orphan stands. `open` and `ignored` are still at the provider; the rest are
    final: `deleted` by an admin through the panel, `gone` from a complete listing without us
    deleting it, `adopted` once an instance of ours owns the server again."""

    OPEN = "open"
    IGNORED = "ignored"
    DELETING = "deleting"  # an admin's delete is under way (or was interrupted: ask again)
    DELETED = "deleted"
    GONE = "gone"
    ADOPTED = "adopted"


# The states of a server still (as far as we know) at the provider.
PRESENT_STATES = (OrphanState.OPEN, OrphanState.IGNORED, OrphanState.DELETING)
# What the admin list shows by default: open ones, and deletes whose outcome is not known yet.
AWAITING_DECISION = (OrphanState.OPEN, OrphanState.DELETING)


class OrphanServer(IdMixin, Base):
    """A server carrying our tag that no instance of ours owns, as the sweep last saw it."""

    __tablename__ = "orphan_servers"
    __table_args__ = (
        UniqueConstraint("provider_account_id", "provider_server_id"),
        Index("ix_orphan_servers_state_first_seen_at", "state", "first_seen_at"),
    )

    provider_account_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("service_providers.id", ondelete="CASCADE"), nullable=False
    )
    provider_server_id: Mapped[str] = mapped_column(String(64), nullable=False)
    label: Mapped[str] = mapped_column(String(255), nullable=False)
    created_at_provider: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Our identity tag as found on the server ("vpspanel:<instance id>"); the instance it names
    # may never have existed here, or belong to another account.
    tag: Mapped[str] = mapped_column(String(64), nullable=False)
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    state: Mapped[str] = mapped_column(String(16), nullable=False)
    state_changed_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    # The admin who last deleted or ignored it (the record of who decided).
    decided_by: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("users.id", ondelete="SET NULL")
    )
