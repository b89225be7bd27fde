"""SQLite keeps the connections it opened (db/engine.py): opening one starts a thread and runs
five pragmas, so a pool that closed its overflow after every burst reopened connections over
and over under steady concurrent reads."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from sqlalchemy import event, text

from vpspanel.db.engine import PoolLimits, create_engine


async def test_bursts_beyond_the_pool_size_reopen_no_connection(tmp_path: Path) -> None:
    limits = PoolLimits(size=4, overflow=4)
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'panel.db'}", limits=limits)
    opened: list[object] = []

    @event.listens_for(engine.sync_engine, "connect")
    def _count(dbapi_connection: Any, _record: Any) -> None:
        opened.append(dbapi_connection)

    async def read() -> None:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
            await asyncio.sleep(0.01)  # all of a burst hold their connection at once

    try:
        for _ in range(5):
            await asyncio.gather(*(read() for _ in range(limits.size + limits.overflow)))
        assert len(opened) == limits.size + limits.overflow
    finally:
        await engine.dispose()
