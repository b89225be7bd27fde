"""Test harness: one database per test worker, migrated by Alembic, on SQLite or PostgreSQL.

``VPSPANEL_TEST_DATABASE_URL`` picks the database (a ``postgresql://`` URL runs the whole suite on
PostgreSQL; unset means SQLite). Fixtures:

- ``session``: an AsyncSession inside a transaction that is rolled back after the test.
- ``state`` / ``app`` / ``client``: the real application committing for real (requests, workers
  and concurrency behave as in production); every table is emptied after the test.
- Every test fails if one task held two pooled connections at once (tests/support/pool_guard.py).
- tests/fixtures/: the simulator, instant providers, the worker, clocks and signed-in clients,
  for every directory (`pytest_plugins` below).
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient
from pydantic import SecretStr
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, create_async_engine

from tests.support.pool_guard import PoolGuard
from tests.support.smtp import SmtpServer, running_smtp_server
from tests.support.specs import MISSING_SPECS_REASON_PREFIX, specs_dir
from vpspanel.app import create_app
from vpspanel.config import Environment, Settings, normalize_database_url
from vpspanel.db.base import Base
from vpspanel.db.engine import is_postgres_url
from vpspanel.db.migrate import upgrade_engine
from vpspanel.db.models import Base as _all_models  # noqa: F401  (registers every table)
from vpspanel.security.passwords import use_hasher
from vpspanel.state import AppState

TEST_ENCRYPTION_KEY = "q0BTmBnGcrFqo7TbBbMrdY0sAKhW8rZzF9fQdx6uOQ4="

# Shared fixtures (simulator, instant providers, worker, clocks, signed-in clients), one place.
pytest_plugins = [
    "tests.fixtures.simulator",
    "tests.fixtures.providers",
    "tests.fixtures.worker",
    "tests.fixtures.clocks",
    "tests.fixtures.clients",
]


# Argon2 at its production cost takes ~0.1-0.5 s a hash; the suite hashes hundreds of times.
use_hasher(PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


def _worker_id() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


def _test_database_url(tmp_root: Path) -> str:
    raw = os.environ.get("VPSPANEL_TEST_DATABASE_URL", "")
    if not raw:
        return f"sqlite+aiosqlite:///{tmp_root / f'vpspanel-{_worker_id()}.db'}"
    url = make_url(normalize_database_url(raw))
    # The process id keeps two runs on one server (a developer's and CI's) apart.
    database = f"vpspanel_test_{_worker_id()}_{os.getpid()}"
    return url.set(database=database).render_as_string(hide_password=False)


async def _postgres_admin(statements: list[str]) -> None:
    admin_url = normalize_database_url(os.environ["VPSPANEL_TEST_DATABASE_URL"])
    admin = create_async_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as connection:
            for statement in statements:
                await connection.execute(text(statement))
    finally:
        await admin.dispose()


async def _recreate_postgres_database(url: str) -> None:
    name = make_url(url).database
    await _postgres_admin(
        [f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"']
    )


async def _drop_postgres_database(url: str) -> None:
    await _postgres_admin([f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'])


def pytest_report_header(config: pytest.Config) -> str:
    url = os.environ.get("VPSPANEL_TEST_DATABASE_URL", "")
    return "database: " + ("PostgreSQL " + make_url(url).render_as_string() if url else "SQLite")


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """One loud line when tests were skipped for want of the official provider documents."""
    skipped = [
        report
        for report in terminalreporter.stats.get("skipped", [])
        if MISSING_SPECS_REASON_PREFIX in str(getattr(report, "longrepr", ""))
    ]
    if skipped:
        terminalreporter.write_sep(
            "!",
            f"{len(skipped)} tests SKIPPED: the official provider documents are not in "
            f"{specs_dir()} — set VPSPANEL_SPECS_DIR to run them (CI requires them)",
            yellow=True,
            bold=True,
        )


@pytest.fixture(scope="session")
def _pool_guard() -> Iterator[PoolGuard]:
    guard = PoolGuard()
    guard.install()
    yield guard
    guard.uninstall()


@pytest.fixture(autouse=True)
def _one_connection_per_task(_pool_guard: PoolGuard) -> Iterator[None]:
    _pool_guard.take_violations()
    yield
    violations = _pool_guard.take_violations()
    if violations:
        pytest.fail("\n\n".join(violations[:3]), pytrace=False)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    return _test_database_url(tmp_path_factory.mktemp("db"))


@pytest.fixture(scope="session")
def test_settings(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return Settings(
        env=Environment.TEST,
        database_url=database_url,
        data_dir=tmp_path_factory.mktemp("data"),
        encryption_keys=[SecretStr(TEST_ENCRYPTION_KEY)],
        log_json=True,
    )


@pytest.fixture(scope="session")
async def migrated_state(test_settings: Settings) -> AsyncIterator[AppState]:
    if is_postgres_url(test_settings.database_url):
        await _recreate_postgres_database(test_settings.database_url)
    state = AppState.from_settings(test_settings)
    await upgrade_engine(state.engine)
    yield state
    await state.close()
    if is_postgres_url(test_settings.database_url):
        await _drop_postgres_database(test_settings.database_url)


async def empty_all_tables(engine: AsyncEngine) -> None:
    tables = [table.name for table in reversed(Base.metadata.sorted_tables)]
    async with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            await connection.execute(text(f"TRUNCATE {', '.join(tables)} CASCADE"))
        else:
            for table in tables:
                await connection.execute(text(f"DELETE FROM {table}"))


@pytest.fixture
async def state(migrated_state: AppState) -> AsyncIterator[AppState]:
    yield migrated_state
    await empty_all_tables(migrated_state.engine)


@pytest.fixture
async def session(migrated_state: AppState) -> AsyncIterator[AsyncSession]:
    async with migrated_state.engine.connect() as connection:
        transaction = await connection.begin()
        session = AsyncSession(
            bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
        )
        try:
            yield session
        finally:
            await session.close()
            await transaction.rollback()


@pytest.fixture
def app(state: AppState) -> FastAPI:
    return create_app(state=state)


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[AsyncClient]:
    transport = ASGITransport(app=app, client=("203.0.113.10", 50000))
    async with AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    """A real SMTP server (aiosmtpd) on a free port; `.messages` holds what it received and
    `.url` is a `VPSPANEL_SMTP_URL` for it."""
    yield from running_smtp_server()


@pytest.fixture
def captured_logs(capsys: pytest.CaptureFixture[str]) -> Iterator[pytest.CaptureFixture[str]]:
    """Everything the app logged (stderr) during the test, for secret-leak assertions."""
    yield capsys


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The browser suite runs last: it is the slowest and says least when something basic broke."""
    items.sort(key=lambda item: item.nodeid.startswith("tests/browser/"))
