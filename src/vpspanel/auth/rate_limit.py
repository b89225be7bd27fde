"""Fixed-window counters kept in the database, so that every worker process shares them."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from vpspanel.auth.models import RateLimitCounter


class WindowCounter:
    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], window: timedelta) -> None:
        self.sessionmaker = sessionmaker
        self.window = window

    async def seconds_until_allowed(self, key: str, limit: int, now: datetime) -> int:
        """0 when another attempt is allowed, else the seconds until the window resets."""
        async with self.sessionmaker() as session:
            counter = await session.get(RateLimitCounter, key)
        if counter is None or counter.window_started_at + self.window <= now:
            return 0
        if counter.count < limit:
            return 0
        return int((counter.window_started_at + self.window - now).total_seconds()) + 1

    async def hit(self, key: str, now: datetime) -> None:
        """Count one attempt, in its own committed transaction (the request may roll back)."""
        for _ in range(3):
            async with self.sessionmaker() as session:
                counter = await session.scalar(
                    select(RateLimitCounter).where(RateLimitCounter.key == key).with_for_update()
                )
                if counter is None:
                    session.add(RateLimitCounter(key=key, window_started_at=now, count=1))
                elif counter.window_started_at + self.window <= now:
                    counter.window_started_at = now
                    counter.count = 1
                else:
                    counter.count += 1
                try:
                    await session.commit()
                    return
                except IntegrityError:
                    await session.rollback()

    async def clear(self, key: str) -> None:
        async with self.sessionmaker() as session:
            counter = await session.get(RateLimitCounter, key)
            if counter is not None:
                await session.delete(counter)
                await session.commit()
