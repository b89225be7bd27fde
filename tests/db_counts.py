"""Counting what a request asks of the database: sessions, transactions and statements.

Used by `tests/test_request_path.py` (so a regression fails) and `bench/request_path.py` (to
print them beside the throughput).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.orm import Session


@dataclass
class DatabaseUse:
    """What was asked of one engine while counting. `statements` excludes the `BEGIN` that
    SQLite sessions send themselves (counted as `transactions` on both databases)."""

    sessions: int = 0
    transactions: int = 0
    statements: list[str] = field(default_factory=list)

    def line(self) -> str:
        return (
            f"{self.sessions} session(s), {self.transactions} transaction(s), "
            f"{len(self.statements)} statement(s)"
        )


@contextmanager
def counting(engine: AsyncEngine) -> Iterator[DatabaseUse]:
    """Count sessions that began a transaction on `engine`, its transactions and statements."""
    use = DatabaseUse()
    sync_engine = engine.sync_engine
    # The sessions themselves, not their ids: a finished session's id may be reused.
    seen_sessions: list[Session] = []

    def on_statement(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if not statement.lstrip().upper().startswith("BEGIN"):
            use.statements.append(statement)

    def on_begin(_conn: Any) -> None:
        use.transactions += 1

    def on_session_begin(session: Session, _transaction: Any, connection: Any) -> None:
        if connection.engine.pool is sync_engine.pool and not any(
            s is session for s in seen_sessions
        ):
            seen_sessions.append(session)
            use.sessions += 1

    event.listen(sync_engine, "before_cursor_execute", on_statement)
    event.listen(sync_engine, "begin", on_begin)
    event.listen(Session, "after_begin", on_session_begin)
    try:
        yield use
    finally:
        event.remove(Session, "after_begin", on_session_begin)
        event.remove(sync_engine, "begin", on_begin)
        event.remove(sync_engine, "before_cursor_execute", on_statement)
