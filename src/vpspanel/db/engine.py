"""The only place that knows which database we are on.

SQLite is hardened per connection: WAL, foreign keys on, a busy timeout, ``secure_delete`` (freed
cell content is zeroed, so an erased secret leaves no bytes behind in the page that held it; see
`compact_erased` for the WAL), and ``BEGIN IMMEDIATE`` for write sessions, so that a write
transaction takes the write lock up front (waiting its turn) instead of failing half-way with
"database is locked" when it upgrades from reading. Read-only sessions
(``create_sessionmaker(read_only=True)``) begin deferred and never block writers.
PostgreSQL uses asyncpg with a pool; none of this applies there.

Both use a bounded pool (`PoolLimits`). Nothing may hold one pooled connection while it waits for
another: with every connection held by someone waiting, the pool would stay exhausted until the
pool timeout. `database_trouble` sorts the errors of an overloaded or unreachable database so the
API answers them with 503, never 500.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Connection, Select, event
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.ext.asyncio import AsyncSession as AsyncSession
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.sql.dml import Insert
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.util import await_

from vpspanel.db.sqlite_driver import one_trip_dbapi

READ_ONLY_OPTION = "vpspanel_read_only"
_SelectT = TypeVar("_SelectT", bound=Select[Any])
# PostgreSQL SQLSTATEs of a database too busy to answer: query_canceled (statement_timeout),
# lock_not_available, too_many_connections, cannot_connect_now (starting up or shutting down).
_PG_BUSY_STATES = frozenset({"57014", "55P03", "53300", "57P03"})
# ... and of one that cannot be used at all: connection exceptions (class 08), a database that
# does not exist, a refused login, an administrator's shutdown.
_PG_UNAVAILABLE_STATES = frozenset({"3D000", "28000", "28P01", "57P01", "57P02"})
# How long the WAL-truncating checkpoint of `compact_erased` waits for readers and writers: it
# holds the write lock meanwhile, so it gives up early rather than stall writes (it is retried
# at the next call).
_COMPACT_BUSY_TIMEOUT_MS = 500


@dataclass(frozen=True)
class PoolLimits:
    """Connections per engine: `size` kept open, up to `overflow` more on demand; a checkout
    waits at most `timeout_s`. A statement (or SQLite's wait for its write lock) is cancelled
    after `statement_timeout_s`."""

    size: int = 10
    overflow: int = 10
    timeout_s: float = 30.0
    statement_timeout_s: float = 30.0


class DatabaseTrouble(StrEnum):
    BUSY = "busy"  # answered too slowly or no connection free: retry in a moment
    UNAVAILABLE = "unavailable"  # not reachable at all


def is_sqlite_url(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def is_postgres_url(url: str) -> bool:
    return make_url(url).get_backend_name() == "postgresql"


def create_engine(url: str, *, echo: bool = False, limits: PoolLimits | None = None) -> AsyncEngine:
    limits = limits or PoolLimits()
    pool: dict[str, Any] = {
        "pool_size": limits.size,
        "max_overflow": limits.overflow,
        "pool_timeout": limits.timeout_s,
    }
    if is_sqlite_url(url):
        database = make_url(url).database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
            # Every connection, once opened, stays open: it is a file handle and a thread, while
            # opening one starts a thread and runs five pragmas. (Closing the overflow after
            # each burst reopened a few connections a second under steady reads.)
            pool["pool_size"] = limits.size + limits.overflow
            pool["max_overflow"] = 0
        else:
            pool = {}  # an in-memory database lives in its one connection (StaticPool)
        engine = create_async_engine(
            url,
            echo=echo,
            hide_parameters=True,
            module=one_trip_dbapi(),  # one trip to the connection's thread per statement
            connect_args={"timeout": limits.statement_timeout_s},
            **pool,
        )
        _harden_sqlite(engine, busy_timeout_ms=int(limits.statement_timeout_s * 1000))
        return engine
    return create_async_engine(
        url,
        echo=echo,
        # Errors and logs must never carry bound values: they include password hashes and
        # ciphertexts.
        hide_parameters=True,
        pool_pre_ping=True,
        connect_args={
            "server_settings": {"statement_timeout": str(int(limits.statement_timeout_s * 1000))}
        },
        **pool,
    )


def database_trouble(exc: BaseException) -> DatabaseTrouble | None:
    """Whether `exc` says the database is overloaded (`BUSY`) or unreachable (`UNAVAILABLE`);
    None for anything else (a bug, a constraint, bad data)."""
    if isinstance(exc, PoolTimeoutError):
        return DatabaseTrouble.BUSY
    if isinstance(exc, DBAPIError):
        if exc.connection_invalidated:
            return DatabaseTrouble.UNAVAILABLE
        cause: BaseException | None = exc.orig
        while cause is not None:
            sqlstate = getattr(cause, "sqlstate", None)
            if sqlstate in _PG_BUSY_STATES:
                return DatabaseTrouble.BUSY
            if isinstance(sqlstate, str) and (
                sqlstate in _PG_UNAVAILABLE_STATES or sqlstate.startswith("08")
            ):
                return DatabaseTrouble.UNAVAILABLE
            if isinstance(cause, OSError):
                return DatabaseTrouble.UNAVAILABLE
            cause = cause.__cause__
        text = str(exc.orig).lower()
        if "database is locked" in text or "database is busy" in text:
            return DatabaseTrouble.BUSY
        if "unable to open database" in text:
            return DatabaseTrouble.UNAVAILABLE
        return None
    if isinstance(exc, OSError):  # refused or unreachable while connecting
        return DatabaseTrouble.UNAVAILABLE
    return None


def _harden_sqlite(engine: AsyncEngine, *, busy_timeout_ms: int) -> None:
    sync_engine = engine.sync_engine

    @event.listens_for(sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide when transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={busy_timeout_ms}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA secure_delete=ON")
        cursor.close()

    @event.listens_for(sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        read_only = connection.get_execution_options().get(READ_ONLY_OPTION, False)
        statement = "BEGIN" if read_only else "BEGIN IMMEDIATE"
        # Sent through the driver in one trip to the connection's thread: `exec_driver_sql`
        # would take three (open a cursor, execute, close it), on every transaction.
        try:
            await_(connection.connection.driver_connection.execute_fetchall(statement))
        except sqlite3.Error as exc:  # wrapped as exec_driver_sql would (database_trouble)
            raise DBAPIError.instance(statement, None, exc, sqlite3.Error) from exc


async def compact_erased(engine: AsyncEngine) -> bool:
    """Leave values erased so far (sealed root passwords set to NULL) in none of the database's
    files, as far as the database allows. On SQLite, freed cell content is already zeroed
    (``secure_delete``), but the page as it was before still sits in the -wal file: this
    checkpoints the WAL into the database file and truncates it to zero bytes. Returns False
    when the checkpoint could not finish (a reader or writer kept it busy for more than half a
    second): call again later. On PostgreSQL a no-op that returns True: its dead row versions
    stay until VACUUM (docs/decisions/root-password-handoff.md)."""
    if engine.dialect.name != "sqlite":
        return True
    async with engine.connect() as connection:
        return await connection.run_sync(_checkpoint_truncating_wal)


def _checkpoint_truncating_wal(connection: Connection) -> bool:
    # On the driver's connection, outside any transaction: SQLite refuses to checkpoint inside
    # one, and SQLAlchemy would begin one (BEGIN IMMEDIATE) for its own execute.
    cursor: Any = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute("PRAGMA busy_timeout")
        (busy_timeout_ms,) = cursor.fetchone()
        cursor.execute(f"PRAGMA busy_timeout={_COMPACT_BUSY_TIMEOUT_MS}")
        try:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            busy, _, _ = cursor.fetchone()
        finally:
            cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
    finally:
        cursor.close()
    return bool(busy == 0)


def read_only_engine(engine: AsyncEngine) -> AsyncEngine:
    """`engine` for transactions that only read: on SQLite they begin deferred (`BEGIN`), so
    they neither take nor wait for the write lock."""
    return engine.execution_options(**{READ_ONLY_OPTION: True})


def create_sessionmaker(
    engine: AsyncEngine, *, read_only: bool = False
) -> async_sessionmaker[AsyncSession]:
    bind = read_only_engine(engine) if read_only else engine
    return async_sessionmaker(bind, expire_on_commit=False, autoflush=False)


def skip_locked_rows(query: _SelectT, session: AsyncSession, *, of: Any) -> _SelectT:
    """`query` locking the rows of `of` it returns and passing over rows other transactions
    hold (PostgreSQL `FOR UPDATE SKIP LOCKED`), so concurrent callers never take the same row.
    SQLite has a single writer (BEGIN IMMEDIATE): the query is already serialised as it is."""
    if session.get_bind().dialect.name == "postgresql":
        return query.with_for_update(skip_locked=True, of=of)
    return query


def upsert(
    session: AsyncSession,
    model: type[DeclarativeBase],
    values: Mapping[str, Any],
    *,
    conflict_columns: Sequence[str],
    update: Mapping[str, Any],
    where: ColumnElement[bool] | None = None,
) -> Insert:
    """``INSERT … ON CONFLICT (conflict_columns) DO UPDATE SET update`` into ``model``'s table,
    written for the database `session` is on (SQLite or PostgreSQL).

    One statement, so concurrent callers are serialised on the row by the database instead of
    reading and then writing in two steps (which lets N concurrent callers all read the same old
    value). ``update`` maps column names to values or SQL expressions over the existing row; chain
    ``.returning(...)`` to read the row as written. With ``where``, an existing row is only
    updated when it holds (otherwise it is left alone and ``RETURNING`` yields no row): a
    conditional claim in one statement. Raises ``NotImplementedError`` on any other
    dialect.
    """
    dialect_name = session.get_bind().dialect.name
    if dialect_name == "postgresql":
        pg_statement = postgresql_insert(model).values(**values)
        return pg_statement.on_conflict_do_update(
            index_elements=list(conflict_columns), set_=dict(update), where=where
        )
    if dialect_name == "sqlite":
        sqlite_statement = sqlite_insert(model).values(**values)
        return sqlite_statement.on_conflict_do_update(
            index_elements=list(conflict_columns), set_=dict(update), where=where
        )
    raise NotImplementedError(f"upsert is not written for the {dialect_name} dialect")
