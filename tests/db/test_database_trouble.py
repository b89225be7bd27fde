"""An overloaded or unreachable database is a 503 the client can act on, never a 500."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from httpx import ASGITransport, AsyncClient
from pydantic import SecretStr
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from tests.conftest import TEST_ENCRYPTION_KEY
from vpspanel.app import create_app
from vpspanel.config import Environment, Settings
from vpspanel.db.engine import DatabaseTrouble, database_trouble
from vpspanel.db.migrate import upgrade_engine
from vpspanel.state import AppState


class _PgError(Exception):
    def __init__(self, sqlstate: str) -> None:
        super().__init__(f"sqlstate {sqlstate}")
        self.sqlstate = sqlstate


def _wrapped(cause: BaseException) -> DBAPIError:
    return DBAPIError("SELECT 1", None, cause)


class TestDatabaseTrouble:
    def test_an_exhausted_pool_is_busy(self) -> None:
        assert database_trouble(PoolTimeoutError("QueuePool limit reached")) is DatabaseTrouble.BUSY

    @pytest.mark.parametrize("sqlstate", ["57014", "55P03", "53300", "57P03"])
    def test_postgres_timeouts_and_full_servers_are_busy(self, sqlstate: str) -> None:
        error = Exception("translated")
        error.__cause__ = _PgError(sqlstate)
        assert database_trouble(_wrapped(error)) is DatabaseTrouble.BUSY

    @pytest.mark.parametrize("sqlstate", ["08006", "3D000", "28P01", "57P01"])
    def test_lost_or_refused_connections_are_unavailable(self, sqlstate: str) -> None:
        assert database_trouble(_wrapped(_PgError(sqlstate))) is DatabaseTrouble.UNAVAILABLE

    def test_a_locked_sqlite_database_is_busy(self) -> None:
        locked = _wrapped(Exception("database is locked"))
        assert database_trouble(locked) is DatabaseTrouble.BUSY

    def test_a_refused_connection_is_unavailable(self) -> None:
        assert database_trouble(ConnectionRefusedError()) is DatabaseTrouble.UNAVAILABLE

    def test_bugs_and_conflicts_are_not_trouble(self) -> None:
        assert database_trouble(_wrapped(Exception("no such table: x"))) is None
        assert database_trouble(IntegrityError("INSERT", None, Exception("unique"))) is None
        assert database_trouble(ValueError("bug")) is None


@pytest.fixture
async def one_connection_state(state: AppState, test_settings: Settings) -> AsyncIterator[AppState]:
    """The app with a pool of exactly one connection and a short wait for it (on the
    database `state` migrated)."""
    settings = test_settings.model_copy(
        update={
            "database_pool_size": 1,
            "database_pool_overflow": 0,
            "database_pool_timeout_s": 0.3,
        }
    )
    limited = AppState.from_settings(settings)
    yield limited
    await limited.engine.dispose()


class TestAnswers:
    async def test_an_exhausted_pool_is_503_service_busy_with_retry_after(
        self, one_connection_state: AppState
    ) -> None:
        app = create_app(state=one_connection_state)
        async with AsyncClient(transport=ASGITransport(app=app), base_url="http://t") as http:
            async with one_connection_state.engine.connect() as held:
                await held.execute(text("SELECT 1"))
                # Another task, as another client's request would be.
                response = await asyncio.create_task(
                    http.post("/api/auth/login", json={"email": "a@example.com", "password": "x"})
                )
            assert response.status_code == 503
            assert response.json()["error"] == "service_busy"
            assert response.headers["Retry-After"] == "2"
            # The pool is free again: the same request is answered normally.
            again = await http.post(
                "/api/auth/login", json={"email": "a@example.com", "password": "x"}
            )
            assert again.status_code == 401

    async def test_a_write_waiting_too_long_for_sqlites_write_lock_is_503_service_busy(
        self, tmp_path: Path
    ) -> None:
        database = tmp_path / "panel.db"
        settings = Settings(
            env=Environment.TEST,
            database_url=f"sqlite:///{database}",
            data_dir=tmp_path,
            encryption_keys=[SecretStr(TEST_ENCRYPTION_KEY)],
            database_statement_timeout_s=0.2,
        )
        state = AppState.from_settings(settings)
        await upgrade_engine(state.engine)
        other_writer = sqlite3.connect(database, isolation_level=None)
        try:
            app = create_app(state=state)
            async with AsyncClient(transport=ASGITransport(app=app), base_url="http://t") as http:
                other_writer.execute("BEGIN IMMEDIATE")
                response = await http.post(
                    "/api/auth/login", json={"email": "a@example.com", "password": "x"}
                )
                other_writer.execute("ROLLBACK")
                again = await http.post(
                    "/api/auth/login", json={"email": "a@example.com", "password": "x"}
                )
        finally:
            other_writer.close()
            await state.close()
        assert response.status_code == 503, response.text
        assert response.json()["error"] == "service_busy"
        assert response.headers["Retry-After"] == "2"
        assert again.status_code == 401

    async def test_an_unreachable_database_is_503_service_unavailable(self, tmp_path: Path) -> None:
        settings = Settings(
            env=Environment.TEST,
            database_url="postgresql://nobody@127.0.0.1:1/none",
            data_dir=tmp_path,
            encryption_keys=[SecretStr(TEST_ENCRYPTION_KEY)],
        )
        state = AppState.from_settings(settings)
        try:
            app = create_app(state=state)
            async with AsyncClient(transport=ASGITransport(app=app), base_url="http://t") as http:
                response = await http.post(
                    "/api/auth/login", json={"email": "a@example.com", "password": "x"}
                )
        finally:
            await state.engine.dispose()
        assert response.status_code == 503
        assert response.json()["error"] == "service_unavailable"
