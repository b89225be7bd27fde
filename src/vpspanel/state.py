"""Process-wide resources, built once per app (or worker) and passed around explicitly."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from vpspanel.config import Settings
from vpspanel.db.engine import PoolLimits, create_engine, create_sessionmaker
from vpspanel.db.types import utcnow
from vpspanel.mail import Mailer, SmtpRelay
from vpspanel.provider_accounts.connect import ProviderConnector
from vpspanel.providers.http import close_shared_client
from vpspanel.security.secrets import SecretBox
from vpspanel.security.supabase_jwt import SupabaseVerifier


@dataclass
class AppState:
    settings: Settings
    engine: AsyncEngine
    # Write sessions (on SQLite they take the write lock when they begin).
    sessionmaker: async_sessionmaker[AsyncSession]
    # Sessions that only read: never block writers on SQLite.
    read_sessionmaker: async_sessionmaker[AsyncSession]
    secret_box: SecretBox
    providers: ProviderConnector
    clock: Callable[[], datetime] = field(default=utcnow)
    mailer: Mailer = field(default_factory=lambda: Mailer(None, sender="vpspanel"))
    # Verifies Supabase access tokens; None while Supabase sign-in is off.
    supabase: SupabaseVerifier | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> AppState:
        engine = create_engine(
            settings.database_url,
            limits=PoolLimits(
                size=settings.database_pool_size,
                overflow=settings.database_pool_overflow,
                timeout_s=settings.database_pool_timeout_s,
                statement_timeout_s=settings.database_statement_timeout_s,
            ),
        )
        secret_box = SecretBox(settings.resolved_encryption_keys())
        return cls(
            settings=settings,
            engine=engine,
            sessionmaker=create_sessionmaker(engine),
            read_sessionmaker=create_sessionmaker(engine, read_only=True),
            secret_box=secret_box,
            providers=ProviderConnector(secret_box),
            mailer=mailer_for(settings),
            supabase=SupabaseVerifier.from_settings(settings),
        )

    async def close(self) -> None:
        await self.engine.dispose()
        await close_shared_client()


def mailer_for(settings: Settings) -> Mailer:
    url = settings.smtp_url.get_secret_value() if settings.smtp_url else ""
    return Mailer(SmtpRelay.from_url(url) if url else None, sender=settings.mail_from)
