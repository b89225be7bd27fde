"""Every query on `provider_account_sync` (the per-account lease, feed cursor and sweep
schedule) and on `worker_heartbeats` (the live workers the accounts are shared out among)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from vpspanel.db.engine import upsert
from vpspanel.worker.models import ProviderAccountSync, WorkerHeartbeat

_Sync = ProviderAccountSync
# The heartbeat of a worker silent this long is deleted (its name is never used again: it
# carries the process id and a random part).
DEAD_FOR = timedelta(days=1)


@dataclass(frozen=True)
class HeldAccount:
    """An account's sync row as its lease was taken."""

    account_id: uuid.UUID
    feed_cursor: str | None
    last_feed_at: datetime | None
    last_sweep_at: datetime | None
    sweep_due_at: datetime | None


@dataclass(frozen=True)
class Standing:
    """What a worker's heartbeat found: how many workers are alive (itself included), which
    accounts it holds an unexpired lease on, and which other workers hold."""

    live_workers: int
    held: frozenset[uuid.UUID]
    held_by_others: frozenset[uuid.UUID]


class AccountSyncRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def take_lease(
        self, account_id: uuid.UUID, *, owner: str, now: datetime, until: datetime
    ) -> HeldAccount | None:
        """Hold `account_id` for `owner` until `until` (creating its row on first use), if no
        other worker holds an unexpired lease on it: one conditional upsert, so two workers
        asking at once cannot both win. None when another worker holds it."""
        statement = upsert(
            self.session,
            _Sync,
            {"account_id": account_id, "lease_owner": owner, "lease_expires_at": until},
            conflict_columns=["account_id"],
            update={"lease_owner": owner, "lease_expires_at": until},
            where=or_(
                _Sync.lease_owner.is_(None),
                _Sync.lease_owner == owner,
                _Sync.lease_expires_at.is_(None),
                _Sync.lease_expires_at < now,
            ),
        ).returning(
            _Sync.account_id,
            _Sync.feed_cursor,
            _Sync.last_feed_at,
            _Sync.last_sweep_at,
            _Sync.sweep_due_at,
        )
        row = (await self.session.execute(statement)).one_or_none()
        return HeldAccount(*row) if row is not None else None

    async def renew_lease(self, account_id: uuid.UUID, *, owner: str, until: datetime) -> bool:
        """Extend `owner`'s lease; False when it is no longer theirs."""
        result = await self.session.execute(
            update(_Sync)
            .where(_Sync.account_id == account_id, _Sync.lease_owner == owner)
            .values(lease_expires_at=until)
        )
        return bool(getattr(result, "rowcount", 0))

    async def release_leases(self, owner: str) -> None:
        """Give up every lease `owner` holds and its heartbeat (a worker stopping): others
        take over at once, and share the accounts out among themselves."""
        await self.session.execute(
            update(_Sync)
            .where(_Sync.lease_owner == owner)
            .values(lease_owner=None, lease_expires_at=None)
        )
        await self.session.execute(delete(WorkerHeartbeat).where(WorkerHeartbeat.owner == owner))

    async def release_lease(self, account_id: uuid.UUID, *, owner: str) -> bool:
        """Give up `owner`'s lease on one account (more than its share): another worker may
        take it at once. False when it was not `owner`'s any more."""
        result = await self.session.execute(
            update(_Sync)
            .where(_Sync.account_id == account_id, _Sync.lease_owner == owner)
            .values(lease_owner=None, lease_expires_at=None)
        )
        return bool(getattr(result, "rowcount", 0))

    async def heartbeat(self, owner: str, *, now: datetime, until: datetime) -> Standing:
        """Record that `owner` is alive until `until`, drop the heartbeats of workers dead
        for a day, and read how many workers are alive at `now`, which accounts `owner` holds
        and which others hold: four statements, whatever the number of accounts. (A heartbeat
        only just expired is left alone: its worker may be renewing it this moment, and two
        workers each deleting the other's row while renewing their own would deadlock.)"""
        await self.session.execute(
            upsert(
                self.session,
                WorkerHeartbeat,
                {"owner": owner, "expires_at": until},
                conflict_columns=["owner"],
                update={"expires_at": until},
            )
        )
        await self.session.execute(
            delete(WorkerHeartbeat).where(WorkerHeartbeat.expires_at < now - DEAD_FOR)
        )
        live = await self.session.scalar(
            select(func.count())
            .select_from(WorkerHeartbeat)
            .where(WorkerHeartbeat.expires_at >= now)
        )
        leases = (
            await self.session.execute(
                select(_Sync.account_id, _Sync.lease_owner).where(
                    _Sync.lease_owner.is_not(None), _Sync.lease_expires_at >= now
                )
            )
        ).all()
        return Standing(
            live_workers=max(int(live or 0), 1),
            held=frozenset(account_id for account_id, holder in leases if holder == owner),
            held_by_others=frozenset(
                account_id for account_id, holder in leases if holder != owner
            ),
        )

    async def record_feed(
        self,
        account_id: uuid.UUID,
        *,
        owner: str,
        cursor: str | None,
        read_at: datetime | None,
        sweep_due_at: datetime | None,
    ) -> None:
        """Store the feed's next cursor (and when it was read, None when it could not be);
        with `sweep_due_at`, a full sweep is wanted by then (a gap). Only while `owner` holds
        the lease."""
        values: dict[str, object] = {"feed_cursor": cursor}
        if read_at is not None:
            values["last_feed_at"] = read_at
        if sweep_due_at is not None:
            values["sweep_due_at"] = sweep_due_at
        await self.session.execute(
            update(_Sync)
            .where(_Sync.account_id == account_id, _Sync.lease_owner == owner)
            .values(**values)
        )

    async def record_sweep(
        self, account_id: uuid.UUID, *, owner: str, at: datetime, next_due_at: datetime
    ) -> None:
        await self.session.execute(
            update(_Sync)
            .where(_Sync.account_id == account_id, _Sync.lease_owner == owner)
            .values(last_sweep_at=at, sweep_due_at=next_due_at)
        )
