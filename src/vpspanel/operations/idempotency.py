"""`Idempotency-Key` for POST /api/vps: per organization, kept 24 hours.

The key is claimed in its own committed transaction before any work, so a concurrent or
repeated request sees it at once: the same body gets the stored answer (or 409 while the first
is still being accepted), another body 422. The answer is stored in the same transaction as
the instance it describes, so there is never an instance without its answer. A request that
fails releases its key so it can be retried.

This module commits on purpose: an idempotency claim that waited for the request's commit
would not stop a concurrent twin.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from vpspanel.errors import Conflict, ValidationFailed
from vpspanel.operations.models import IdempotencyRecord

KEY_LIFETIME = timedelta(hours=24)
# A claim whose request died (process killed) may be taken over after this long.
CLAIM_LEASE = timedelta(seconds=60)
MAX_KEY_LENGTH = 255


@dataclass(frozen=True)
class Replay:
    status: int
    body: dict[str, Any]


@dataclass(frozen=True)
class Claim:
    record_id: uuid.UUID


def request_fingerprint(body: dict[str, Any]) -> str:
    """A hash of the request body. Callers leave secrets out: a hash of a password is
    still something an attacker can test guesses against."""
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def check_key(key: str) -> None:
    if not key or len(key) > MAX_KEY_LENGTH:
        raise ValidationFailed.for_field(
            "Idempotency-Key", f"Use 1 to {MAX_KEY_LENGTH} characters."
        )


async def claim(
    session: AsyncSession,
    *,
    organization_id: uuid.UUID,
    key: str,
    fingerprint: str,
    now: datetime,
) -> Claim | Replay:
    """Take the key (committing), or return the stored answer; 422 / 409 as the contract says."""
    check_key(key)
    while True:
        record = IdempotencyRecord(
            id=uuid.uuid4(),
            organization_id=organization_id,
            key=key,
            request_hash=fingerprint,
            created_at=now,
            expires_at=now + KEY_LIFETIME,
            locked_until=now + CLAIM_LEASE,
        )
        try:
            async with session.begin_nested():
                session.add(record)
            await session.commit()
            return Claim(record.id)
        except IntegrityError:
            pass
        existing = (
            await session.scalars(
                select(IdempotencyRecord).where(
                    IdempotencyRecord.organization_id == organization_id,
                    IdempotencyRecord.key == key,
                )
            )
        ).one_or_none()
        if existing is None:
            continue  # released between our insert and our read: try again
        if existing.expires_at <= now:
            await session.execute(
                delete(IdempotencyRecord).where(IdempotencyRecord.id == existing.id)
            )
            continue
        if existing.request_hash != fingerprint:
            raise ValidationFailed(
                "This Idempotency-Key was used with a different request.",
                code="idempotency_key_reused",
            )
        if existing.response_status is not None and existing.response_body is not None:
            return Replay(existing.response_status, existing.response_body)
        if existing.locked_until is not None and existing.locked_until > now:
            raise Conflict(
                "A request with this Idempotency-Key is still being processed.",
                code="idempotency_in_progress",
            )
        # The first request died without an answer: take its claim over.
        taken = await session.execute(
            update(IdempotencyRecord)
            .where(
                IdempotencyRecord.id == existing.id,
                IdempotencyRecord.locked_until == existing.locked_until,
            )
            .values(locked_until=now + CLAIM_LEASE)
        )
        await session.commit()
        if getattr(taken, "rowcount", 0) == 1:
            return Claim(existing.id)


async def complete(
    session: AsyncSession, claimed: Claim, *, status: int, body: dict[str, Any]
) -> None:
    """Store the answer in the caller's transaction (the one that made the instance)."""
    await session.execute(
        update(IdempotencyRecord)
        .where(IdempotencyRecord.id == claimed.record_id)
        .values(response_status=status, response_body=body, locked_until=None)
    )


async def release(session: AsyncSession, claimed: Claim) -> None:
    """Forget a claim whose request failed, so the same key can be retried."""
    await session.rollback()
    await session.execute(
        delete(IdempotencyRecord).where(IdempotencyRecord.id == claimed.record_id)
    )
    await session.commit()


async def purge_expired(session: AsyncSession, now: datetime) -> int:
    result = await session.execute(
        delete(IdempotencyRecord).where(IdempotencyRecord.expires_at <= now)
    )
    return int(getattr(result, "rowcount", 0) or 0)
