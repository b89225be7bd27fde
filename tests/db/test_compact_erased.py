"""Erased values leave no bytes in the database's files (db/engine.py `compact_erased`, and
``secure_delete`` on every SQLite connection). The whole path, a create whose sealed root
password is erased, is in tests/worker/test_handoff_restart.py."""

from __future__ import annotations

import secrets
from pathlib import Path

from sqlalchemy import text

from vpspanel.db.engine import compact_erased, create_engine
from vpspanel.state import AppState


def _files_holding(directory: Path, needle: str) -> list[str]:
    return sorted(path.name for path in directory.iterdir() if needle.encode() in path.read_bytes())


async def _write_then_erase(tmp_path: Path, *, secure_delete: bool) -> str:
    """A row holding a sealed value, then the value set to NULL, then `compact_erased`;
    returns the value's head (the part to look for)."""
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'panel.db'}")
    sealed = "v1.k.Secret-" + secrets.token_urlsafe(48)
    try:
        async with engine.begin() as connection:
            if not secure_delete:  # what a SQLite built without SECURE_DELETE does by default
                await connection.execute(text("PRAGMA secure_delete=OFF"))
            await connection.execute(
                text("CREATE TABLE ops (id INTEGER PRIMARY KEY, status TEXT, sealed TEXT)")
            )
            await connection.execute(
                text("INSERT INTO ops VALUES (1, 'queued', :sealed)"), {"sealed": sealed}
            )
        async with engine.begin() as connection:
            if not secure_delete:
                await connection.execute(text("PRAGMA secure_delete=OFF"))
            await connection.execute(text("UPDATE ops SET sealed = NULL, status = 'succeeded'"))
        # A remnant is what matters: the row's new, shorter cell overwrites only part of the
        # old one, and a ciphertext's head decrypts as far as it goes.
        assert _files_holding(tmp_path, sealed[:20]) == ["panel.db-wal"]

        assert await compact_erased(engine) is True

        assert (tmp_path / "panel.db-wal").stat().st_size == 0
        async with engine.connect() as connection:  # the database is none the worse
            status = await connection.scalar(text("SELECT status FROM ops WHERE id = 1"))
        assert status == "succeeded"
    finally:
        await engine.dispose()
    return sealed[:20]


async def test_a_value_set_to_null_is_in_no_file_of_a_sqlite_database(tmp_path: Path) -> None:
    head = await _write_then_erase(tmp_path, secure_delete=True)
    assert _files_holding(tmp_path, head) == []


async def test_without_secure_delete_a_remnant_would_stay_in_the_database_file(
    tmp_path: Path,
) -> None:
    """Why every connection turns `secure_delete` on: the checkpoint alone moves the freed
    cell's bytes into the database file. (Some SQLite builds have it on by default, as
    Python's own may: the engine does not rely on that.)"""
    head = await _write_then_erase(tmp_path, secure_delete=False)
    assert _files_holding(tmp_path, head) == ["panel.db"]


async def test_every_sqlite_connection_has_secure_delete_on(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'panel.db'}")
    try:
        async with engine.connect() as connection:
            assert await connection.scalar(text("PRAGMA secure_delete")) == 1
    finally:
        await engine.dispose()


async def test_it_answers_on_the_configured_database(state: AppState) -> None:
    """On PostgreSQL a no-op (dead row versions wait for VACUUM); on SQLite a checkpoint."""
    assert await compact_erased(state.engine) is True
