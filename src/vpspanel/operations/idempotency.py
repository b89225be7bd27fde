"""`Idempotency-Key` for POST /api/vps: per organization, kept 24 hours.

The key is claimed in its own committed transaction before any work, so a concurrent or
repeated request sees it at once: the same body gets the stored answer (or 409 while the first
is still being accepted), another body 422. The answer is stored in the same transaction as
the instance it describes, so there is never an instance without its answer. A request that
fails releases its key so it can be retried.

The record's id is the claim token. A claim whose request seems dead (its lease lapsed) may be
taken over, and a takeover gives the row a new id; so the slow first request, should it
finish after all, no longer owns the key: `complete()` then stores nothing and raises 409, and
the request's work is rolled back. Exactly one request per key makes a server.

This module commits on purpose: an idempotency claim that waited for the request's commit
would not stop a concurrent twin.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from vpspanel.errors import BadRequest, Conflict, ValidationFailed
from vpspanel.operations.models import IdempotencyRecord
from vpspanel.operations.repository import IdempotencyRepository

KEY_LIFETIME = timedelta(hours=24)
# A claim whose request died (process killed) may be taken over after this long.
CLAIM_LEASE = timedelta(seconds=60)
MAX_KEY_LENGTH = 255
# Visible ASCII only: what a header can carry unchanged through every proxy.
_KEY = re.compile(rf"[\x21-\x7e]{{1,{MAX_KEY_LENGTH}}}")


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
    """A malformed header is a bad request (400), not a validation error of the body."""
    if _KEY.fullmatch(key) is None:
        raise BadRequest(
            f"The Idempotency-Key header must be 1 to {MAX_KEY_LENGTH} visible ASCII characters."
        )


def _in_progress() -> Conflict:
    return Conflict(
        "A request with this Idempotency-Key is still being processed.",
        code="idempotency_in_progress",
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
    records = IdempotencyRepository(session)
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
                records.add(record)
            await session.commit()
            return Claim(record.id)
        except IntegrityError:
            pass
        existing = await records.get_by_key(organization_id, key)
        if existing is None:
            continue  # released between our insert and our read: try again
        if existing.expires_at <= now:
            await records.delete(existing.id)
            continue
        if existing.request_hash != fingerprint:
            raise ValidationFailed(
                "This Idempotency-Key was used with a different request.",
                code="idempotency_key_reused",
            )
        if existing.response_status is not None and existing.response_body is not None:
            return Replay(existing.response_status, existing.response_body)
        if existing.locked_until is not None and existing.locked_until > now:
            raise _in_progress()
        # The first request seems dead: take its claim over under a new token (the row's id),
        # so that request, should it still finish, can no longer complete the key.
        token = uuid.uuid4()
        taken = await records.take_over(existing.id, new_id=token, locked_until=now + CLAIM_LEASE)
        await session.commit()
        if taken:
            return Claim(token)


async def complete(
    session: AsyncSession, claimed: Claim, *, status: int, body: dict[str, Any]
) -> None:
    """Store the answer in the caller's transaction (the one that made the instance).

    Raises 409 `idempotency_in_progress` when the claim was taken over meanwhile: the caller
    must then roll its work back (another request owns the key and makes the server)."""
    stored = await IdempotencyRepository(session).store_answer(
        claimed.record_id, status=status, body=body
    )
    if not stored:
        raise _in_progress()


async def release(session: AsyncSession, claimed: Claim) -> None:
    """Forget a claim whose request failed, so the same key can be retried. A claim taken
    over meanwhile has another id: the new owner's record is left alone."""
    await session.rollback()
    await IdempotencyRepository(session).delete(claimed.record_id)
    await session.commit()


async def purge_expired(session: AsyncSession, now: datetime) -> int:
    return await IdempotencyRepository(session).purge_expired(now)
