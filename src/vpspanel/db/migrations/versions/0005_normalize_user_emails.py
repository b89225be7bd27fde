"""Stored emails in their normalized spelling (NFKC, lower case, IDNA ASCII domain).

Registration and sign-in now compare normalized addresses, so every stored one is rewritten.
Where two accounts normalize to the same address (a lookalike registered beside the original,
such as a fullwidth `c`): an account already stored in normalized form keeps it, otherwise the
oldest one gets it; the others keep their stored spelling untouched. Nothing is deleted or
merged, sign-in (which normalizes) reaches only the account holding the normalized address, and
each clash is logged as a warning naming the user id, for an admin to resolve (deactivate the
lookalike, or give it another address).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 03:40:00
"""

import logging
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from vpspanel.input_rules import normalize_email

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

log = logging.getLogger("alembic.runtime.migration")

users = sa.table(
    "users",
    sa.column("id", sa.Uuid()),
    sa.column("email", sa.String()),
    sa.column("created_at", sa.DateTime()),
)


def upgrade() -> None:
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(users.c.id, users.c.email).order_by(users.c.created_at, users.c.id)
    ).all()
    taken = {email for _, email in rows}
    for user_id, email in rows:
        normalized = normalize_email(email)
        if normalized == email:
            continue
        if normalized in taken:
            log.warning(
                "user %s: email normalizes to one another account already has; left as stored",
                user_id,
            )
            continue
        connection.execute(users.update().where(users.c.id == user_id).values(email=normalized))
        taken.discard(email)
        taken.add(normalized)


def downgrade() -> None:
    """Nothing to undo: the normalized spelling is a valid stored address too."""
