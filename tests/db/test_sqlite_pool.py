"""SQLite keeps the connections it opened (db/engine.py): opening one starts a thread and runs
five pragmas, so a pool that closed its overflow after every burst reopened connections over
and over under steady concurrent reads."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, event, text
from sqlalchemy.dialects.sqlite.aiosqlite import AsyncAdapt_aiosqlite_connection
from sqlalchemy.util import await_

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


async def test_a_connection_given_back_inside_a_transaction_is_rolled_back(
    tmp_path: Path,
) -> None:
    """The pool rolls back only what is still open (a committed connection costs no trip), but
    what is still open is always rolled back: here a transaction the engine never saw begin."""
    database = tmp_path / "panel.db"
    engine = create_engine(f"sqlite+aiosqlite:///{database}")

    def begin_behind_the_engines_back(connection: Connection) -> None:
        driver = connection.connection.driver_connection
        assert driver is not None
        await_(driver.execute_fetchall("BEGIN IMMEDIATE"))

    try:
        async with engine.connect() as connection:
            await connection.run_sync(begin_behind_the_engines_back)
        other_writer = sqlite3.connect(database, timeout=0.1, isolation_level=None)
        try:
            other_writer.execute("BEGIN IMMEDIATE")  # "database is locked" if left open
            other_writer.execute("ROLLBACK")
        finally:
            other_writer.close()
    finally:
        await engine.dispose()


async def test_a_committed_connection_is_given_back_without_a_rollback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rollbacks: list[object] = []
    original = AsyncAdapt_aiosqlite_connection.rollback

    def counted(self: AsyncAdapt_aiosqlite_connection) -> None:
        rollbacks.append(self)
        original(self)

    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'panel.db'}")
    try:
        async with engine.begin() as connection:  # the first connection rolls back once
            await connection.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY)"))
        monkeypatch.setattr(AsyncAdapt_aiosqlite_connection, "rollback", counted)
        async with engine.begin() as connection:
            await connection.execute(text("INSERT INTO t DEFAULT VALUES"))
        assert rollbacks == []
        async with engine.connect() as connection:  # left open: rolled back on close
            await connection.execute(text("SELECT count(*) FROM t"))
        assert len(rollbacks) == 1
    finally:
        await engine.dispose()
