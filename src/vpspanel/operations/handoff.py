"""Handing a root password from the request that accepted it to whichever worker sends it.

The API seals the password with the application's key ring (`security.secrets.SecretBox`: the
keys of ``VPSPANEL_ENCRYPTION_KEYS``, which also encrypt the provider API keys) into
``operations.sealed_secret``. The AEAD associated data binds the ciphertext to its operation
row, to its purpose and to its expiry (``operations.secret_expires_at``, the operation's
deadline): copied to another row, or given a later expiry, it no longer decrypts. Any worker can
unseal it until then. It is erased as soon as the provider has accepted it, whenever the
operation ends, and by the worker's sweep once expired; a worker never unseals an expired one.
See docs/decisions/root-password-handoff.md.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from vpspanel.operations.models import Operation
from vpspanel.operations.repository import OperationRepository
from vpspanel.security.secrets import DecryptionError, SecretBox

logger = logging.getLogger(__name__)

# What a sealed secret is for, in its associated data: a secret of one purpose cannot pass
# for another.
ROOT_LOGIN = "root-login"


def secret_context(operation_id: uuid.UUID, expires_at: datetime, purpose: str = ROOT_LOGIN) -> str:
    """The associated data of a sealed secret: its row, what it is for, and until when (whole
    seconds since the epoch, so the value survives a database round trip exactly)."""
    return f"operations.sealed_secret:{operation_id}:{purpose}:until={int(expires_at.timestamp())}"


def seal(box: SecretBox, operation: Operation, secret: str, *, expires_at: datetime) -> None:
    """Seal `secret` on `operation` (its id must be set) until `expires_at` (a UTC datetime,
    cut to the whole second)."""
    expires_at = expires_at.replace(microsecond=0)
    operation.secret_expires_at = expires_at
    operation.sealed_secret = box.encrypt(secret, context=secret_context(operation.id, expires_at))


def unseal(box: SecretBox, operation: Operation, *, now: datetime) -> str | None:
    """The sealed secret, or None when there is none to send: nothing sealed, expired at `now`,
    or unreadable (written with a key no longer configured, moved from another row or
    altered; logged without its content)."""
    if operation.sealed_secret is None or operation.secret_expires_at is None:
        return None
    if now >= operation.secret_expires_at:
        logger.info("operation %s: its sealed secret expired unsent", operation.id)
        return None
    try:
        return box.decrypt(
            operation.sealed_secret,
            context=secret_context(operation.id, operation.secret_expires_at),
        )
    except DecryptionError as exc:
        logger.warning("operation %s: sealed secret unreadable: %s", operation.id, exc)
        return None


def clear(operation: Operation) -> None:
    operation.sealed_secret = None
    operation.secret_expires_at = None


async def erase_expired(session: AsyncSession, now: datetime) -> int:
    """Erase every sealed secret whose expiry is at or before `now`; returns how many."""
    return await OperationRepository(session).erase_expired_secrets(now)


async def reseal_with_current_key(session: AsyncSession, box: SecretBox, now: datetime) -> int:
    """For ``vpspanel rotate-keys``: seal each secret still in flight again under the current
    key (same row, same expiry), so the old key can be removed at once; expired ones are erased
    instead. Returns how many were sealed again. Raises `DecryptionError` when one was sealed
    with a key that is not configured (write nothing then: roll the transaction back)."""
    resealed = 0
    for operation in await OperationRepository(session).with_sealed_secret_locked():
        expires_at = operation.secret_expires_at
        if expires_at is None or now >= expires_at or operation.sealed_secret is None:
            clear(operation)
            continue
        if box.needs_rotation(operation.sealed_secret):
            operation.sealed_secret = box.rotate(
                operation.sealed_secret, context=secret_context(operation.id, expires_at)
            )
            resealed += 1
    await session.flush()
    return resealed
