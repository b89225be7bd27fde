"""SQLAlchemy's aiosqlite adapter, with one trip to the connection's thread per statement.

aiosqlite runs each SQLite connection on a thread of its own, and every call is a trip there and
back: a hand-off through a queue, a wake-up of the event loop, and the GIL changing hands twice.
SQLAlchemy's adapter makes four trips per statement (open a cursor, execute, fetch the rows,
close the cursor). On a machine where thread hand-offs are dear these trips cost more than the
statements: measured with 16 concurrent `GET /api/vps?per_page=50` (11 trips) against the
health route (6 trips), most of the server's time was spent in futex calls.

Here a statement is one trip: the function sent to the thread opens a cursor, executes, fetches
every row (as the stock adapter does: results are buffered) and closes the cursor, and brings
back the rows, `description`, `rowcount` and `lastrowid`. Server-side cursors (`stream()`) keep
the stock adapter's cursor. COMMIT and ROLLBACK stay trips of their own, queued behind whatever
the connection's thread still has to run (a statement whose caller was cancelled still runs), so
that they always end the transaction it began.

It leans on the same private parts of aiosqlite that SQLAlchemy's adapter uses (`_execute`,
`_conn`), pinned by uv.lock; tests/db/test_sqlite_driver.py holds it to the stock adapter's
behaviour.
"""

from __future__ import annotations

import sqlite3
from collections import deque
from typing import Any

import aiosqlite
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
)
from sqlalchemy.util import EMPTY_DICT
from sqlalchemy.util.concurrency import await_

# What one statement brings back from the connection's thread.
_Outcome = tuple[list[Any], Any, int, int | None]


def _run_statement(
    connection: sqlite3.Connection, operation: str, parameters: Any, many: bool
) -> _Outcome:
    """On the connection's thread: the whole statement, cursor opened and closed."""
    cursor = connection.cursor()
    try:
        if many:
            cursor.executemany(operation, parameters)
        elif parameters is None:
            cursor.execute(operation)
        else:
            cursor.execute(operation, parameters)
        description = cursor.description
        rows = cursor.fetchall() if description else []
        return rows, description, cursor.rowcount, cursor.lastrowid
    finally:
        cursor.close()


class OneTripCursor(AsyncAdapt_aiosqlite_cursor):
    """A buffered cursor whose statement is a single trip to the connection's thread."""

    __slots__ = ("_arraysize", "_closed", "_description", "_lastrowid", "_rowcount")

    def __init__(self, adapt_connection: AsyncAdapt_aiosqlite_connection) -> None:
        # No driver cursor is opened here: `_run_statement` opens its own on the thread.
        self._adapt_connection = adapt_connection
        self._connection = adapt_connection._connection
        self._soft_closed_memoized = EMPTY_DICT
        self._rows = deque()
        self._arraysize = 1  # sqlite3's default: how many rows `fetchmany()` gives
        self._closed = False
        self._forget_statement()

    def _forget_statement(self) -> None:
        self._description: Any = None
        self._rowcount = -1
        self._lastrowid: int | None = None

    @property
    def description(self) -> Any:
        return self._description

    @property
    def rowcount(self) -> int:
        return self._rowcount

    @property
    def lastrowid(self) -> Any:
        return self._lastrowid

    @property
    def arraysize(self) -> int:
        return self._arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._arraysize = value

    async def _async_soft_close(self) -> None:
        pass  # the driver cursor was closed on the thread

    def close(self) -> None:
        self._rows.clear()
        self._closed = True

    def execute(self, operation: Any, parameters: Any = None) -> None:
        self._run(operation, parameters, many=False)

    def executemany(self, operation: Any, seq_of_parameters: Any) -> None:
        self._run(operation, seq_of_parameters, many=True)

    def _run(self, operation: Any, parameters: Any, *, many: bool) -> None:
        if self._closed:  # as sqlite3's own cursor says it
            self._adapt_connection._handle_exception(
                sqlite3.ProgrammingError("Cannot operate on a closed cursor.")
            )
        # A statement that fails leaves nothing of the one before it.
        self._rows.clear()
        self._forget_statement()
        try:
            rows, self._description, self._rowcount, self._lastrowid = await_(
                self._one_trip(operation, parameters, many)
            )
        except Exception as error:
            self._adapt_connection._handle_exception(error)
        self._rows = deque(rows)

    async def _one_trip(self, operation: Any, parameters: Any, many: bool) -> _Outcome:
        async with self._adapt_connection._execute_mutex:
            driver: aiosqlite.Connection = self._connection  # type: ignore[assignment]
            outcome: _Outcome = await driver._execute(  # type: ignore[no-untyped-call]
                _run_statement, driver._conn, operation, parameters, many
            )
            return outcome


class OneTripConnection(AsyncAdapt_aiosqlite_connection):
    __slots__ = ()

    _cursor_cls = OneTripCursor  # type: ignore[assignment]  # a subclass, as mypy can't tell


class OneTripDBAPI(AsyncAdapt_aiosqlite_dbapi):
    """The DBAPI module to give `create_async_engine(..., module=...)` for `sqlite+aiosqlite`."""

    def connect(self, *arg: Any, **kw: Any) -> OneTripConnection:
        stock = super().connect(*arg, **kw)
        return OneTripConnection(self, stock._connection)


def one_trip_dbapi() -> OneTripDBAPI:
    return OneTripDBAPI(aiosqlite, sqlite3)
