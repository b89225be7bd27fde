"""The SQLite driver adapter (db/sqlite_driver.py): one trip to the connection's thread per
statement, and the same answers, errors and transactions as SQLAlchemy's stock adapter."""

from __future__ import annotations

import asyncio
import sqlite3
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import aiosqlite
import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, insert, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from vpspanel.db.engine import PoolLimits, create_engine, read_only_engine

metadata = MetaData()
servers = Table(
    "servers",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("label", String, unique=True, nullable=False),
)


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'panel.db'}")
    async with engine.begin() as connection:
        await connection.run_sync(metadata.create_all)
    yield engine
    await engine.dispose()


@pytest.fixture
def trips(monkeypatch: pytest.MonkeyPatch) -> Iterator[Counter[str]]:
    """Calls sent to a connection's thread, by the name of what was sent."""
    sent: Counter[str] = Counter()
    original = aiosqlite.Connection._execute

    async def counted(self: aiosqlite.Connection, fn: Any, *args: Any, **kwargs: Any) -> Any:
        sent[getattr(fn, "__name__", "?")] += 1
        return await original(self, fn, *args, **kwargs)  # type: ignore[no-untyped-call]

    monkeypatch.setattr(aiosqlite.Connection, "_execute", counted)
    yield sent


async def test_a_read_transaction_takes_one_trip_per_statement(
    engine: AsyncEngine, trips: Counter[str]
) -> None:
    async with engine.begin() as connection:
        await connection.execute(insert(servers), [{"label": "web-1"}, {"label": "web-2"}])
    trips.clear()
    async with read_only_engine(engine).connect() as connection:
        labels = (await connection.execute(select(servers.c.label).order_by("id"))).all()
        count = await connection.scalar(select(servers.c.id).where(servers.c.label == "web-2"))
    assert [label for (label,) in labels] == ["web-1", "web-2"]
    assert count == 2
    # BEGIN, two statements, ROLLBACK when the connection goes back: the stock adapter takes
    # four trips per statement (cursor, execute, fetch, close), ten in all.
    assert sum(trips.values()) == 4, trips


async def test_rows_counts_and_ids_are_the_drivers(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        inserted = await connection.execute(insert(servers).values(label="web-1"))
        assert inserted.inserted_primary_key == (1,)
        await connection.execute(insert(servers), [{"label": "web-2"}, {"label": "web-3"}])
        changed = await connection.execute(
            update(servers).where(servers.c.id > 1).values(label=servers.c.label + "-x")
        )
        assert changed.rowcount == 2
        result = await connection.execute(text("SELECT id, label FROM servers ORDER BY id"))
        assert list(result.keys()) == ["id", "label"]
        assert result.all() == [(1, "web-1"), (2, "web-2-x"), (3, "web-3-x")]
        none = await connection.execute(text("SELECT id FROM servers WHERE id > 9"))
        assert none.first() is None


async def test_a_rolled_back_transaction_leaves_nothing(engine: AsyncEngine) -> None:
    async with engine.connect() as connection:
        await connection.execute(insert(servers).values(label="kept"))
        await connection.commit()
        await connection.execute(insert(servers).values(label="dropped"))
        await connection.rollback()
    async with engine.connect() as connection:
        assert (await connection.execute(select(servers.c.label))).scalars().all() == ["kept"]


async def test_a_constraint_failure_is_sqlalchemys_integrity_error(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        await connection.execute(insert(servers).values(label="web-1"))
    with pytest.raises(IntegrityError, match="UNIQUE"):
        async with engine.begin() as connection:
            await connection.execute(insert(servers).values(label="web-1"))
    async with engine.connect() as connection:  # the pool's connection still works
        assert await connection.scalar(select(servers.c.label)) == "web-1"


async def test_a_streamed_result_still_reads_every_row(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        await connection.execute(insert(servers), [{"label": f"web-{n}"} for n in range(250)])
    async with engine.connect() as connection:
        streamed = await connection.stream(select(servers.c.id).order_by(servers.c.id))
        assert [row.id async for row in streamed] == list(range(1, 251))


async def test_the_driver_cursor_behaves_as_sqlite3s(engine: AsyncEngine) -> None:
    """What SQLAlchemy does not use but a DBAPI cursor promises: `arraysize` for `fetchmany()`,
    nothing left of a statement after the next one fails, no use after `close()`."""

    def check(sync_connection: Any) -> None:
        cursor = sync_connection.connection.dbapi_connection.cursor()
        cursor.arraysize = 3
        cursor.execute(
            "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n LIMIT 5)"
            " SELECT x FROM n"
        )
        assert cursor.fetchmany() == [(1,), (2,), (3,)]
        assert cursor.arraysize == 3
        with pytest.raises(sqlite3.OperationalError, match="no such table"):
            cursor.execute("SELECT * FROM nowhere")
        assert cursor.description is None
        assert cursor.fetchall() == []
        cursor.close()
        with pytest.raises(sqlite3.ProgrammingError, match="closed cursor"):
            cursor.execute("SELECT 1")

    async with engine.connect() as connection:
        await connection.run_sync(check)


async def test_a_write_cancelled_mid_statement_leaves_no_lock_behind(tmp_path: Path) -> None:
    # One connection, so the next writer gets the very one the cancelled step was using.
    engine = create_engine(
        f"sqlite+aiosqlite:///{tmp_path / 'panel.db'}",
        limits=PoolLimits(size=1, overflow=0, statement_timeout_s=5),
    )
    try:
        async with engine.begin() as connection:
            await connection.run_sync(metadata.create_all)

        async def slow_write() -> None:
            async with engine.begin() as connection:
                await connection.execute(insert(servers).values(label="cancelled"))
                await connection.exec_driver_sql(
                    "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n"
                    " WHERE x < 5000000) SELECT count(*) FROM n"
                )

        with pytest.raises(TimeoutError):
            await asyncio.wait_for(slow_write(), 0.05)
        async with engine.begin() as connection:
            await connection.execute(insert(servers).values(label="next"))
        async with engine.connect() as connection:
            labels = (await connection.execute(select(servers.c.label))).scalars().all()
        assert labels == ["next"]
    finally:
        await engine.dispose()
