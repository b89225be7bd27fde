"""Every query on `provider_account_sync`: the per-account lease, feed cursor and sweep
schedule."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, update
from sqlalchemy.ext.asyncio import AsyncSession

from vpspanel.db.engine import upsert
from vpspanel.worker.models import ProviderAccountSync

_Sync = ProviderAccountSync


@dataclass(frozen=True)
class HeldAccount:
    """An account's sync row as its lease was taken."""

    account_id: uuid.UUID
    feed_cursor: str | None
    last_feed_at: datetime | None
    last_sweep_at: datetime | None
    sweep_due_at: datetime | None


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
        """Give up every lease `owner` holds (a worker stopping): others take over at once."""
        await self.session.execute(
            update(_Sync)
            .where(_Sync.lease_owner == owner)
            .values(lease_owner=None, lease_expires_at=None)
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
