"""Fixed-window counters kept in the database, so that every worker process shares them."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from vpspanel.auth.repository import RateLimitCounterRepository


class WindowCounter:
    """Attempts per key in fixed windows of ``window``.

    Callers count an attempt *before* doing the work it guards (:meth:`hit` returns the new
    count), so N concurrent attempts cost N counts: a read-check-then-increment would let all of
    them read the same old count and pass. Each call is its own committed transaction: the
    request that counts may roll back.
    """

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], window: timedelta) -> None:
        self.sessionmaker = sessionmaker
        self.window = window

    async def hit(self, key: str, now: datetime) -> tuple[int, int]:
        """Count one attempt atomically. Returns ``(count in the current window including this
        one, seconds until the window resets)``."""
        async with self.sessionmaker() as session, session.begin():
            count, started_at = await RateLimitCounterRepository(session).count_attempt(
                key, now, self.window
            )
        reset_in = int((started_at + self.window - now).total_seconds()) + 1
        return count, max(reset_in, 1)

    async def refund(self, key: str) -> None:
        """Take back one counted attempt (an attempt that turned out to be legitimate)."""
        async with self.sessionmaker() as session, session.begin():
            await RateLimitCounterRepository(session).take_back_one(key)

    async def clear(self, key: str) -> None:
        async with self.sessionmaker() as session, session.begin():
            await RateLimitCounterRepository(session).forget(key)
