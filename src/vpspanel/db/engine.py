"""The only place that knows which database we are on.

SQLite is hardened per connection: WAL, foreign keys on, a busy timeout, and ``BEGIN IMMEDIATE``
for write sessions, so that a write transaction takes the write lock up front (waiting its turn)
instead of failing half-way with "database is locked" when it upgrades from reading. Read-only
sessions (``create_sessionmaker(read_only=True)``) begin deferred and never block writers.
PostgreSQL uses asyncpg with a pool; none of this applies there.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.ext.asyncio import AsyncSession as AsyncSession
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.sql.dml import Insert

SQLITE_BUSY_TIMEOUT_MS = 30_000
READ_ONLY_OPTION = "vpspanel_read_only"


def is_sqlite_url(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def is_postgres_url(url: str) -> bool:
    return make_url(url).get_backend_name() == "postgresql"


def create_engine(url: str, *, echo: bool = False, pool_size: int = 10) -> AsyncEngine:
    if is_sqlite_url(url):
        database = make_url(url).database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(
            url,
            echo=echo,
            hide_parameters=True,
            connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
        )
        _harden_sqlite(engine)
        return engine
    return create_async_engine(
        url,
        echo=echo,
        # Errors and logs must never carry bound values: they include password hashes and
        # ciphertexts.
        hide_parameters=True,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_pre_ping=True,
    )


def _harden_sqlite(engine: AsyncEngine) -> None:
    sync_engine = engine.sync_engine

    @event.listens_for(sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide when transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        read_only = connection.get_execution_options().get(READ_ONLY_OPTION, False)
        connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


def create_sessionmaker(
    engine: AsyncEngine, *, read_only: bool = False
) -> async_sessionmaker[AsyncSession]:
    bind = engine.execution_options(**{READ_ONLY_OPTION: True}) if read_only else engine
    return async_sessionmaker(bind, expire_on_commit=False, autoflush=False)


def upsert(
    model: type[DeclarativeBase],
    values: Mapping[str, Any],
    *,
    conflict_columns: Sequence[str],
    update: Mapping[str, Any],
    dialect_name: str,
) -> Insert:
    """``INSERT … ON CONFLICT (conflict_columns) DO UPDATE SET update`` into ``model``'s table, on
    SQLite or PostgreSQL.

    One statement, so concurrent callers are serialised on the row by the database instead of
    reading and then writing in two steps (which lets N concurrent callers all read the same old
    value). ``update`` maps column names to values or SQL expressions over the existing row; chain
    ``.returning(...)`` to read the row as written. Raises ``NotImplementedError`` on any other
    dialect.
    """
    if dialect_name == "postgresql":
        pg_statement = postgresql_insert(model).values(**values)
        return pg_statement.on_conflict_do_update(
            index_elements=list(conflict_columns), set_=dict(update)
        )
    if dialect_name == "sqlite":
        sqlite_statement = sqlite_insert(model).values(**values)
        return sqlite_statement.on_conflict_do_update(
            index_elements=list(conflict_columns), set_=dict(update)
        )
    raise NotImplementedError(f"upsert is not written for the {dialect_name} dialect")
