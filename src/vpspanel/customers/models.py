from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from vpspanel.db.base import Base
from vpspanel.db.types import UTCDateTime, utcnow

SETTINGS_ROW_ID = 1


class PanelSettings(Base):
    """The panel's own settings, changed by admins at run time: one row (id 1). No row means
    the defaults (registration open, no default server limit)."""

    __tablename__ = "panel_settings"
    __table_args__ = (
        CheckConstraint("id = 1", name="single_row"),
        CheckConstraint("registration IN ('open', 'invite_only', 'closed')", name="registration"),
        CheckConstraint(
            "default_server_limit IS NULL OR default_server_limit >= 0",
            name="default_server_limit",
        ),
    )

    id: Mapped[int] = mapped_column(
        Integer, primary_key=True, autoincrement=False, default=SETTINGS_ROW_ID
    )
    registration: Mapped[str] = mapped_column(String(16), nullable=False, default="open")
    default_server_limit: Mapped[int | None] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, onupdate=utcnow, nullable=False
    )
