"""Every query on operations: recording them, and claiming one for a worker.

Claiming locks the chosen row, passing over rows other workers hold
(`db.engine.skip_locked_rows`: `FOR UPDATE SKIP LOCKED` on PostgreSQL; SQLite has a single
writer, so the select and the update of the claim are already serialised), so many workers
never take the same operation.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import datetime, timedelta
from enum import IntEnum, StrEnum
from typing import Any

from sqlalchemy import and_, delete, exists, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from vpspanel.db.engine import skip_locked_rows
from vpspanel.instances.models import VpsInstance
from vpspanel.operations.models import IdempotencyRecord, Operation


class OperationStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    # A create the customer called off by deleting the server before it was ready.
    CANCELLED = "cancelled"


UNFINISHED = (OperationStatus.QUEUED.value, OperationStatus.RUNNING.value)


class OperationPriority(IntEnum):
    """Which due operation a free worker slot takes first (lowest first). Watching a server
    the provider is already changing is one cheap read and what a customer is looking at;
    sending new work can wait a poll's length."""

    WATCH = 0  # a change was sent (or a server made): re-read it
    ACTION = 1  # a lifecycle action or delete not sent yet
    CREATE = 2  # a create not sent yet


def priority_of(
    type: str, result: dict[str, Any] | None = None, *, bound: bool = False
) -> OperationPriority:
    """The rank of an operation's next step: `bound` = its instance has a provider id."""
    if type == "sync" or (result or {}).get("sent") or (type == "create" and bound):
        return OperationPriority.WATCH
    return OperationPriority.CREATE if type == "create" else OperationPriority.ACTION


class OperationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(
        self,
        *,
        instance_id: uuid.UUID,
        type: str,
        now: datetime,
        payload: dict[str, Any] | None = None,
    ) -> Operation:
        operation = Operation(
            id=uuid.uuid4(),
            instance_id=instance_id,
            type=type,
            status=OperationStatus.QUEUED.value,
            payload=payload or {},
            result={},
            attempts=0,
            priority=priority_of(type).value,
            run_after=now,
            created_at=now,
            updated_at=now,
        )
        self.session.add(operation)
        return operation

    async def get(self, operation_id: uuid.UUID, *, for_update: bool = False) -> Operation | None:
        query = select(Operation).where(Operation.id == operation_id)
        if for_update:
            query = query.with_for_update()
        return (await self.session.scalars(query)).one_or_none()

    async def get_with_instance_locked(
        self, operation_id: uuid.UUID
    ) -> tuple[Operation, VpsInstance] | None:
        """The operation and its instance, both rows locked until the transaction ends and
        re-read under the lock: one statement. None when the operation is gone."""
        row = (
            await self.session.execute(
                select(Operation, VpsInstance)
                .join(VpsInstance, VpsInstance.id == Operation.instance_id)
                .where(Operation.id == operation_id)
                .with_for_update()
                .execution_options(populate_existing=True)
            )
        ).one_or_none()
        return None if row is None else (row[0], row[1])

    async def unfinished_for_instance(
        self, instance_id: uuid.UUID, *, for_update: bool = False
    ) -> list[Operation]:
        query = (
            select(Operation)
            .where(Operation.instance_id == instance_id, Operation.status.in_(UNFINISHED))
            .order_by(Operation.created_at)
        )
        if for_update:
            query = query.with_for_update().execution_options(populate_existing=True)
        return list((await self.session.scalars(query)).all())

    async def create_may_have_been_sent(self, instance_id: uuid.UUID) -> bool:
        """Whether the instance's last create ended with a send whose outcome is unknown."""
        result = await self.session.scalar(
            select(Operation.result)
            .where(Operation.instance_id == instance_id, Operation.type == "create")
            .order_by(Operation.created_at.desc())
            .limit(1)
        )
        return bool((result or {}).get("sent"))

    async def unfinished_instance_ids(
        self,
        *,
        account_id: uuid.UUID | None = None,
        instance_ids: list[uuid.UUID] | None = None,
    ) -> set[uuid.UUID]:
        """The instances (of the provider account, or among `instance_ids`) with an operation
        queued or running: one statement."""
        query = select(Operation.instance_id).where(Operation.status.in_(UNFINISHED))
        if account_id is not None:
            query = query.join(VpsInstance, VpsInstance.id == Operation.instance_id).where(
                VpsInstance.provider_id == account_id
            )
        if instance_ids is not None:
            if not instance_ids:
                return set()
            query = query.where(Operation.instance_id.in_(set(instance_ids)))
        return set((await self.session.scalars(query.distinct())).all())

    async def has_unfinished(self, instance_id: uuid.UUID) -> bool:
        """Whether an operation of the instance is queued or running."""
        unfinished = await self.session.scalar(
            select(Operation.id)
            .where(Operation.instance_id == instance_id, Operation.status.in_(UNFINISHED))
            .limit(1)
        )
        return unfinished is not None

    async def extend_lease(self, operation_id: uuid.UUID, *, owner: str, until: datetime) -> None:
        """The heartbeat of a running step: its lease lasts until `until`, if `owner` still
        holds it (a lapsed lease taken over by another worker stays theirs)."""
        await self.session.execute(
            update(Operation)
            .where(Operation.id == operation_id, Operation.lease_owner == owner)
            .values(lease_expires_at=until)
        )

    async def checkpoint(
        self, operation_id: uuid.UUID, *, owner: str, result: dict[str, Any], now: datetime
    ) -> bool:
        """Write a running step's `result` (the whole dict) if `owner` still holds the
        operation and it is still running: one statement. False when it does not (a lapsed
        lease taken over, a create cancelled): nothing was written."""
        written = await self.session.execute(
            update(Operation)
            .where(
                Operation.id == operation_id,
                Operation.lease_owner == owner,
                Operation.status == OperationStatus.RUNNING.value,
            )
            .values(result=result, updated_at=now)
            .execution_options(synchronize_session=False)
        )
        return getattr(written, "rowcount", 0) == 1

    async def next_due_at(self) -> datetime | None:
        """When the earliest queued operation becomes due (None: nothing queued)."""
        return (
            await self.session.scalars(
                select(func.min(Operation.run_after)).where(
                    Operation.status == OperationStatus.QUEUED.value
                )
            )
        ).one_or_none()

    async def unfinished_summary(self) -> tuple[dict[str, int], datetime | None]:
        """How many operations are queued and running ({status: count}, both keys always
        there), and when the oldest unfinished one was accepted (None: none), in one query."""
        counts = {status: 0 for status in UNFINISHED}
        oldest: datetime | None = None
        rows = await self.session.execute(
            select(Operation.status, func.count(), func.min(Operation.created_at))
            .where(Operation.status.in_(UNFINISHED))
            .group_by(Operation.status)
        )
        for status, count, created_at in rows.all():
            counts[status] = count
            if created_at is not None and (oldest is None or created_at < oldest):
                oldest = created_at
        return counts, oldest

    async def claim(
        self,
        *,
        owner: str,
        now: datetime,
        lease: timedelta,
    ) -> Operation | None:
        """Take the next runnable operation (see `claim_many`), or None."""
        claimed = await self.claim_many(
            owner=owner,
            now=now,
            lease=lease,
            limit=1,
        )
        return claimed[0] if claimed else None

    async def claim_many(
        self,
        *,
        owner: str,
        now: datetime,
        lease: timedelta,
        limit: int,
        exclude_accounts: Collection[uuid.UUID] = (),
    ) -> list[Operation]:
        """Take up to `limit` runnable operations in one statement: queued and due, or running
        with a lapsed lease (its worker died), lowest priority first and then the longest due.
        Only the oldest unfinished operation of an instance is runnable, so an instance runs
        one operation at a time, in order (and never two in one claim). Operations of the
        provider accounts in `exclude_accounts` (the caller has enough of theirs running) are
        left for later."""
        earlier = aliased(Operation)
        has_earlier_unfinished = exists().where(
            earlier.instance_id == Operation.instance_id,
            earlier.status.in_(UNFINISHED),
            or_(
                earlier.created_at < Operation.created_at,
                and_(earlier.created_at == Operation.created_at, earlier.id < Operation.id),
            ),
        )
        lapsed = and_(
            Operation.status == OperationStatus.RUNNING.value, Operation.lease_expires_at < now
        )
        query = (
            select(Operation)
            .where(
                or_(
                    and_(
                        Operation.status == OperationStatus.QUEUED.value,
                        Operation.run_after <= now,
                    ),
                    lapsed,
                ),
                ~has_earlier_unfinished,
            )
            .order_by(Operation.priority, Operation.run_after, Operation.created_at)
            .limit(limit)
        )
        if exclude_accounts:
            query = query.where(
                Operation.instance_id.not_in(
                    select(VpsInstance.id).where(VpsInstance.provider_id.in_(exclude_accounts))
                )
            )
        query = skip_locked_rows(query, self.session, of=Operation)
        operations = list((await self.session.scalars(query)).all())
        for operation in operations:
            operation.status = OperationStatus.RUNNING.value
            operation.lease_owner = owner
            operation.lease_expires_at = now + lease
            operation.attempts += 1
            operation.started_at = operation.started_at or now
            operation.updated_at = now
        return operations

    async def queued_among_skip_locked(
        self, operation_ids: Collection[uuid.UUID]
    ) -> list[Operation]:
        """Those of these operations still queued, locked until the transaction ends; on
        PostgreSQL rows another transaction holds are passed over: one statement."""
        query = select(Operation).where(
            Operation.id.in_(list(operation_ids)),
            Operation.status == OperationStatus.QUEUED.value,
        )
        return list(
            (await self.session.scalars(skip_locked_rows(query, self.session, of=Operation))).all()
        )

    async def watched_creates(
        self,
    ) -> list[tuple[uuid.UUID, uuid.UUID | None, str | None, str | None]]:
        """Every queued create waiting at watch priority whose server is known, as (operation
        id, its instance's provider account id, provider server id, last provider status):
        one statement."""
        rows = await self.session.execute(
            select(
                Operation.id,
                VpsInstance.provider_id,
                VpsInstance.provider_instance_id,
                VpsInstance.provider_status,
            )
            .join(VpsInstance, VpsInstance.id == Operation.instance_id)
            .where(
                Operation.status == OperationStatus.QUEUED.value,
                Operation.type == "create",
                Operation.priority == OperationPriority.WATCH.value,
                VpsInstance.provider_instance_id.is_not(None),
            )
        )
        return [
            (operation_id, account_id, provider_instance_id, provider_status)
            for operation_id, account_id, provider_instance_id, provider_status in rows.all()
        ]

    async def make_queued_due(self, operation_ids: Collection[uuid.UUID], now: datetime) -> None:
        """Those of these operations still queued and due later than `now` become due at
        `now` (one being claimed meanwhile is left alone)."""
        await self.session.execute(
            update(Operation)
            .where(
                Operation.id.in_(list(operation_ids)),
                Operation.status == OperationStatus.QUEUED.value,
                Operation.run_after > now,
            )
            .values(run_after=now)
        )

    async def erase_expired_secrets(self, now: datetime) -> int:
        """Erase every sealed secret whose expiry is at or before `now`; returns how many."""
        result = await self.session.execute(
            update(Operation)
            .where(Operation.secret_expires_at <= now)
            .values(sealed_secret=None, secret_expires_at=None)
        )
        return int(getattr(result, "rowcount", 0) or 0)

    async def with_sealed_secret_locked(self) -> list[Operation]:
        """Every operation holding a sealed secret, each row locked until the transaction
        ends."""
        rows = await self.session.scalars(
            select(Operation).where(Operation.sealed_secret.is_not(None)).with_for_update()
        )
        return list(rows.all())


class IdempotencyRepository:
    """Every query on `Idempotency-Key` records (the rules are in `operations/idempotency.py`)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, record: IdempotencyRecord) -> None:
        self.session.add(record)

    async def get_by_key(self, organization_id: uuid.UUID, key: str) -> IdempotencyRecord | None:
        return (
            await self.session.scalars(
                select(IdempotencyRecord).where(
                    IdempotencyRecord.organization_id == organization_id,
                    IdempotencyRecord.key == key,
                )
            )
        ).one_or_none()

    async def delete(self, record_id: uuid.UUID) -> None:
        await self.session.execute(
            delete(IdempotencyRecord).where(IdempotencyRecord.id == record_id)
        )

    async def take_over(
        self, record_id: uuid.UUID, *, new_id: uuid.UUID, locked_until: datetime
    ) -> bool:
        """Give an unanswered claim a new id (its token) and lease; False when it was
        answered or taken over meanwhile."""
        taken = await self.session.execute(
            update(IdempotencyRecord)
            .where(
                IdempotencyRecord.id == record_id,
                IdempotencyRecord.response_status.is_(None),
            )
            .values(id=new_id, locked_until=locked_until)
        )
        return getattr(taken, "rowcount", 0) == 1

    async def store_answer(
        self, record_id: uuid.UUID, *, status: int, body: dict[str, Any]
    ) -> bool:
        """Store the answer of a claim; False when the claim (by this id) has no unanswered
        record any more (it was taken over)."""
        stored = await self.session.execute(
            update(IdempotencyRecord)
            .where(
                IdempotencyRecord.id == record_id,
                IdempotencyRecord.response_status.is_(None),
            )
            .values(response_status=status, response_body=body, locked_until=None)
        )
        return getattr(stored, "rowcount", 0) == 1

    async def purge_expired(self, now: datetime) -> int:
        """Delete the records expired at `now`; returns how many."""
        result = await self.session.execute(
            delete(IdempotencyRecord).where(IdempotencyRecord.expires_at <= now)
        )
        return int(getattr(result, "rowcount", 0) or 0)
