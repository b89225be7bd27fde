"""Root passwords sealed with the application's key ring, bound to their operation row, their
purpose and their expiry (operations/handoff.py)."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from tests.factories import create_committed_user, seed_running_servers
from vpspanel.db.types import utcnow
from vpspanel.operations import handoff
from vpspanel.operations.models import Operation
from vpspanel.operations.repository import OperationRepository
from vpspanel.security.secrets import DecryptionError, SecretBox, generate_key
from vpspanel.state import AppState

PASSWORD = "Canary-Root-Pass-7731!"
KEY = generate_key()


def _operation() -> Operation:
    return Operation(id=uuid.uuid4(), type="create", status="queued")


def _sealed(box: SecretBox, expires_at: datetime) -> Operation:
    operation = _operation()
    handoff.seal(box, operation, PASSWORD, expires_at=expires_at)
    return operation


class TestSealing:
    def test_any_process_holding_the_key_ring_unseals_it(self) -> None:
        now = utcnow()
        operation = _sealed(SecretBox([KEY]), now + timedelta(minutes=20))
        assert operation.sealed_secret is not None
        assert PASSWORD not in operation.sealed_secret
        # Another process: its own SecretBox, built from the same configured keys.
        assert handoff.unseal(SecretBox([KEY]), operation, now=now) == PASSWORD

    def test_a_ciphertext_moved_to_another_operation_does_not_open(self) -> None:
        box, now = SecretBox([KEY]), utcnow()
        sealed = _sealed(box, now + timedelta(minutes=20))
        other = _operation()
        other.sealed_secret = sealed.sealed_secret
        other.secret_expires_at = sealed.secret_expires_at
        assert handoff.unseal(box, other, now=now) is None

    def test_a_later_expiry_written_beside_it_does_not_open_it(self) -> None:
        box, now = SecretBox([KEY]), utcnow()
        operation = _sealed(box, now + timedelta(minutes=20))
        assert operation.secret_expires_at is not None
        operation.secret_expires_at += timedelta(hours=1)
        assert handoff.unseal(box, operation, now=now) is None

    def test_it_is_bound_to_its_purpose(self) -> None:
        box, now = SecretBox([KEY]), utcnow()
        operation = _sealed(box, now + timedelta(minutes=20))
        assert operation.sealed_secret is not None and operation.secret_expires_at is not None
        context = handoff.secret_context(operation.id, operation.secret_expires_at, "other")
        with pytest.raises(DecryptionError):
            box.decrypt(operation.sealed_secret, context=context)

    def test_an_expired_one_is_never_unsealed(self) -> None:
        box, now = SecretBox([KEY]), utcnow()
        operation = _sealed(box, now + timedelta(minutes=20))
        assert operation.secret_expires_at is not None
        just_before = operation.secret_expires_at - timedelta(microseconds=1)
        assert handoff.unseal(box, operation, now=just_before) == PASSWORD
        assert handoff.unseal(box, operation, now=operation.secret_expires_at) is None

    def test_a_key_removed_from_the_ring_makes_it_unreadable_not_an_error(self) -> None:
        now = utcnow()
        operation = _sealed(SecretBox([KEY]), now + timedelta(minutes=20))
        assert handoff.unseal(SecretBox([generate_key()]), operation, now=now) is None


async def _seal_on_rows(
    state: AppState, box: SecretBox, expiries: list[datetime]
) -> list[uuid.UUID]:
    """One sealed create per expiry, on seeded instances; returns the operation ids."""
    _, organization = await create_committed_user(state)
    instance_ids = await seed_running_servers(state, organization, len(expiries))
    ids = []
    async with state.sessionmaker() as session, session.begin():
        for instance_id, expires_at in zip(instance_ids, expiries, strict=True):
            operation = OperationRepository(session).add(
                instance_id=instance_id, type="rebuild", now=utcnow()
            )
            handoff.seal(box, operation, PASSWORD, expires_at=expires_at)
            ids.append(operation.id)
    return ids


async def _rows(state: AppState, ids: list[uuid.UUID]) -> list[Operation]:
    async with state.sessionmaker() as session:
        by_id = {
            row.id: row
            for row in await session.scalars(select(Operation).where(Operation.id.in_(ids)))
        }
    return [by_id[operation_id] for operation_id in ids]


class TestStoredSecrets:
    async def test_the_sweep_erases_only_the_expired(self, state: AppState) -> None:
        box, now = SecretBox([KEY]), utcnow()
        expired, live = await _seal_on_rows(
            state, box, [now - timedelta(seconds=1), now + timedelta(minutes=5)]
        )
        async with state.sessionmaker() as session, session.begin():
            assert await handoff.erase_expired(session, now) == 1
        gone, kept = await _rows(state, [expired, live])
        assert (gone.sealed_secret, gone.secret_expires_at) == (None, None)
        assert handoff.unseal(box, kept, now=now) == PASSWORD

    async def test_rotation_reseals_in_flight_secrets_so_the_old_key_can_go(
        self, state: AppState
    ) -> None:
        old, new, now = KEY, generate_key(), utcnow()
        expired, live = await _seal_on_rows(
            state, SecretBox([old]), [now - timedelta(seconds=1), now + timedelta(minutes=5)]
        )
        async with state.sessionmaker() as session, session.begin():
            assert await handoff.reseal_with_current_key(session, SecretBox([new, old]), now) == 1
        gone, resealed = await _rows(state, [expired, live])
        assert gone.sealed_secret is None
        assert handoff.unseal(SecretBox([new]), resealed, now=now) == PASSWORD
        assert resealed.secret_expires_at == (now + timedelta(minutes=5)).replace(microsecond=0)

    async def test_rotation_without_the_old_key_fails_and_writes_nothing(
        self, state: AppState
    ) -> None:
        now = utcnow()
        (live,) = await _seal_on_rows(state, SecretBox([KEY]), [now + timedelta(minutes=5)])
        with pytest.raises(DecryptionError):
            async with state.sessionmaker() as session, session.begin():
                await handoff.reseal_with_current_key(session, SecretBox([generate_key()]), now)
        (unchanged,) = await _rows(state, [live])
        assert handoff.unseal(SecretBox([KEY]), unchanged, now=now) == PASSWORD
