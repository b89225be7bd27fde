"""Migration 0005 rewrites stored emails in their normalized spelling; lookalike clashes are left
for an admin, never merged or deleted (issue 8 #25)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import text

from vpspanel.db.engine import create_engine
from vpspanel.db.migrate import upgrade_engine


async def test_stored_emails_are_normalized_and_clashes_left_as_stored(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'emails.db'}")
    start = datetime(2026, 1, 1, tzinfo=UTC)
    users = {
        "original": ("cust0@example.com", start),
        "lookalike": ("\uff43ust0@example.com", start + timedelta(days=1)),
        "mixed case": ("Ada@Example.COM", start + timedelta(days=2)),
        "idn": ("bob@b\u00fccher.example", start + timedelta(days=3)),
        "older lookalike": ("\uff45ve@example.com", start + timedelta(days=4)),
        "newer lookalike": ("\uff25VE@example.com", start + timedelta(days=5)),
    }
    ids = {label: uuid.uuid4() for label in users}
    try:
        await upgrade_engine(engine, "0004")
        async with engine.begin() as connection:
            for label, (email, created_at) in users.items():
                await connection.execute(
                    text(
                        "INSERT INTO users (id, email, name, password_hash, role, active,"
                        " created_at, updated_at) VALUES (:id, :email, 'x', 'h', 'customer', 1,"
                        " :created_at, :created_at)"
                    ),
                    {
                        "id": ids[label].hex,
                        "email": email,
                        "created_at": created_at.replace(tzinfo=None),
                    },
                )
        await upgrade_engine(engine, "0005")
        async with engine.connect() as connection:
            rows = (await connection.execute(text("SELECT id, email FROM users"))).all()
    finally:
        await engine.dispose()
    stored = {uuid.UUID(str(row_id)): email for row_id, email in rows}
    assert stored[ids["original"]] == "cust0@example.com"
    assert stored[ids["lookalike"]] == "\uff43ust0@example.com"  # the original holds it
    assert stored[ids["mixed case"]] == "ada@example.com"
    assert stored[ids["idn"]] == "bob@xn--bcher-kva.example"
    assert stored[ids["older lookalike"]] == "eve@example.com"  # the oldest gets it
    assert stored[ids["newer lookalike"]] == "\uff25VE@example.com"
