"""Process-wide resources, built once per app (or worker) and passed around explicitly."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from vpspanel.config import Settings
from vpspanel.db.engine import create_engine, create_sessionmaker
from vpspanel.db.types import utcnow
from vpspanel.security.secrets import SecretBox


@dataclass
class AppState:
    settings: Settings
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    secret_box: SecretBox
    clock: Callable[[], datetime] = field(default=utcnow)

    @classmethod
    def from_settings(cls, settings: Settings) -> AppState:
        engine = create_engine(settings.database_url)
        return cls(
            settings=settings,
            engine=engine,
            sessionmaker=create_sessionmaker(engine),
            secret_box=SecretBox(settings.resolved_encryption_keys()),
        )

    async def close(self) -> None:
        await self.engine.dispose()
