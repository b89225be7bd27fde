"""Fixed-window counters kept in the database, so that every worker process shares them."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import case, delete, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from vpspanel.auth.models import RateLimitCounter
from vpspanel.db.engine import upsert


class WindowCounter:
    """Attempts per key in fixed windows of ``window``.

    Callers count an attempt *before* doing the work it guards (:meth:`hit` returns the new
    count), so N concurrent attempts cost N counts: a read-check-then-increment would let all of
    them read the same old count and pass.
    """

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], window: timedelta) -> None:
        self.sessionmaker = sessionmaker
        self.window = window

    async def hit(self, key: str, now: datetime) -> tuple[int, int]:
        """Count one attempt atomically, in its own committed transaction (the request may roll
        back). Returns ``(count in the current window including this one, seconds until the
        window resets)``."""
        window_over = RateLimitCounter.window_started_at <= now - self.window
        async with self.sessionmaker() as session, session.begin():
            statement = upsert(
                RateLimitCounter,
                {"key": key, "window_started_at": now, "count": 1},
                conflict_columns=["key"],
                update={
                    "count": case((window_over, 1), else_=RateLimitCounter.count + 1),
                    "window_started_at": case(
                        (window_over, now), else_=RateLimitCounter.window_started_at
                    ),
                },
                dialect_name=session.get_bind().dialect.name,
            ).returning(RateLimitCounter.count, RateLimitCounter.window_started_at)
            count, started_at = (await session.execute(statement)).one()
        reset_in = int((started_at + self.window - now).total_seconds()) + 1
        return count, max(reset_in, 1)

    async def refund(self, key: str) -> None:
        """Take back one counted attempt (an attempt that turned out to be legitimate)."""
        async with self.sessionmaker() as session, session.begin():
            await session.execute(
                update(RateLimitCounter)
                .where(RateLimitCounter.key == key, RateLimitCounter.count > 0)
                .values(count=RateLimitCounter.count - 1)
            )

    async def clear(self, key: str) -> None:
        async with self.sessionmaker() as session, session.begin():
            await session.execute(delete(RateLimitCounter).where(RateLimitCounter.key == key))
