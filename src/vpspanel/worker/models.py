"""Per provider account: where its change feed was last read, when it is next swept, and which
worker holds it (the lease that keeps its feed and sweep on one worker at a time)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from vpspanel.db.base import Base
from vpspanel.db.types import UTCDateTime


class ProviderAccountSync(Base):
    __tablename__ = "provider_account_sync"

    account_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("service_providers.id", ondelete="CASCADE"), primary_key=True
    )
    # The driver's opaque cursor (`Provider.list_changes_since`); NULL: start the feed again.
    feed_cursor: Mapped[str | None] = mapped_column(Text)
    # When the feed was last read successfully (feed lag = now - this).
    last_feed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_sweep_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the next full sweep is due; NULL or past: at the next pass (a feed gap sets it now).
    sweep_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The worker (`Worker.owner`) whose feed and sweep run for this account until the lease
    # expires; renewed on every pass and while a pass runs.
    lease_owner: Mapped[str | None] = mapped_column(String(100))
    lease_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class WorkerHeartbeat(Base):
    """A worker running account sync, alive until `expires_at` (renewed every feed interval or
    more often). The live rows are how many workers share the accounts out: each holds at most
    ceil(active accounts / live workers)."""

    __tablename__ = "worker_heartbeats"

    owner: Mapped[str] = mapped_column(String(100), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
