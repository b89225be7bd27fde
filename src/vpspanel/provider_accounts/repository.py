"""Every query on provider accounts and their upstream catalog cache."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from vpspanel.catalog.models import VpsPlan
from vpspanel.instances.models import VpsInstance
from vpspanel.provider_accounts.models import ServiceProvider, UpstreamCatalogCache
from vpspanel.providers.types import InstanceStatus

# `fetched_at` of a cache row claimed for a first fetch that has not stored anything yet.
NEVER_FETCHED = datetime(1970, 1, 1, tzinfo=UTC)


class ProviderAccountRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def list_all(self) -> Sequence[ServiceProvider]:
        result = await self.session.scalars(
            select(ServiceProvider).order_by(ServiceProvider.created_at, ServiceProvider.id)
        )
        return result.all()

    async def get(
        self, provider_id: uuid.UUID, *, for_update: bool = False
    ) -> ServiceProvider | None:
        statement = select(ServiceProvider).where(ServiceProvider.id == provider_id)
        if for_update:
            statement = statement.with_for_update()
        found: ServiceProvider | None = await self.session.scalar(statement)
        return found

    async def get_many(
        self, provider_ids: Collection[uuid.UUID]
    ) -> dict[uuid.UUID, ServiceProvider]:
        """These accounts by id (unknown ids are absent): one statement."""
        rows = await self.session.scalars(
            select(ServiceProvider).where(ServiceProvider.id.in_(list(provider_ids)))
        )
        return {account.id: account for account in rows.all()}

    async def get_by_name(self, name: str) -> ServiceProvider | None:
        """The account named `name` (names are unique)."""
        found: ServiceProvider | None = await self.session.scalar(
            select(ServiceProvider).where(ServiceProvider.name == name)
        )
        return found

    async def count_all(self) -> int:
        """How many accounts there are, active or not."""
        return int(
            await self.session.scalar(select(func.count()).select_from(ServiceProvider)) or 0
        )

    async def list_active(self) -> Sequence[ServiceProvider]:
        result = await self.session.scalars(select(ServiceProvider).where(ServiceProvider.active))
        return result.all()

    async def list_all_locked(self) -> Sequence[ServiceProvider]:
        """Every account, each row locked until the transaction ends."""
        result = await self.session.scalars(select(ServiceProvider).with_for_update())
        return result.all()

    async def list_active_of_type(self, provider_type: str) -> Sequence[ServiceProvider]:
        result = await self.session.scalars(
            select(ServiceProvider)
            .where(ServiceProvider.type == provider_type, ServiceProvider.active.is_(True))
            .order_by(ServiceProvider.created_at, ServiceProvider.id)
        )
        return result.all()

    async def list_of_type(self, provider_type: str) -> Sequence[ServiceProvider]:
        result = await self.session.scalars(
            select(ServiceProvider).where(ServiceProvider.type == provider_type)
        )
        return result.all()

    def add(self, account: ServiceProvider) -> None:
        self.session.add(account)

    async def flush(self) -> None:
        await self.session.flush()

    async def delete(self, account: ServiceProvider) -> None:
        await self.session.delete(account)
        await self.session.flush()

    async def count_live_instances(self, provider_id: uuid.UUID) -> int:
        """Instances on this account that are not deleted yet."""
        count = await self.session.scalar(
            select(func.count())
            .select_from(VpsInstance)
            .where(
                VpsInstance.provider_id == provider_id,
                VpsInstance.status != InstanceStatus.DELETED,
            )
        )
        return int(count or 0)

    async def detach_deleted_instances(self, provider_id: uuid.UUID) -> None:
        """Deleted instances keep their history but stop pointing at an account being removed
        (the foreign key restricts deletion while anything points at it)."""
        await self.session.execute(
            update(VpsInstance)
            .where(
                VpsInstance.provider_id == provider_id,
                VpsInstance.status == InstanceStatus.DELETED,
            )
            .values(provider_id=None)
        )

    async def deactivate_plans(self, provider_id: uuid.UUID) -> None:
        """Stop selling the account's plans (they stay for history)."""
        await self.session.execute(
            update(VpsPlan).where(VpsPlan.provider_id == provider_id).values(active=False)
        )


class CatalogCacheRepository:
    """Rows of `upstream_catalog_cache`, one per (provider account, kind).

    A row fetched at NEVER_FETCHED was never filled: it is a first fetch's claim.
    `refreshing_until` is a lease (someone is fetching) or a back-off after a failure."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def _where(self, provider_id: uuid.UUID, kind: str) -> list[ColumnElement[bool]]:
        return [UpstreamCatalogCache.provider_id == provider_id, UpstreamCatalogCache.kind == kind]

    async def get(self, provider_id: uuid.UUID, kind: str) -> UpstreamCatalogCache | None:
        row: UpstreamCatalogCache | None = await self.session.scalar(
            select(UpstreamCatalogCache)
            .where(*self._where(provider_id, kind))
            .execution_options(populate_existing=True)
        )
        return row

    async def claim_new(self, provider_id: uuid.UUID, kind: str, lease_until: datetime) -> bool:
        """Insert an empty, never-filled row leased to the caller; False when it exists."""
        row = UpstreamCatalogCache(
            provider_id=provider_id,
            kind=kind,
            payload=[],
            fetched_at=NEVER_FETCHED,
            expires_at=NEVER_FETCHED,
            refreshing_until=lease_until,
        )
        try:
            async with self.session.begin_nested():
                self.session.add(row)
                await self.session.flush()
        except IntegrityError:
            return False
        return True

    async def lease(
        self,
        provider_id: uuid.UUID,
        kind: str,
        now: datetime,
        lease_until: datetime,
        *,
        force: bool,
    ) -> bool:
        """Take the refresh lease unless someone holds it (or backs off); unless `force`, only
        while the row is expired. Atomic on both databases (PostgreSQL re-checks the condition
        after a concurrent update commits)."""
        conditions = self._where(provider_id, kind)
        if not force:
            conditions += [
                UpstreamCatalogCache.expires_at <= now,
                or_(
                    UpstreamCatalogCache.refreshing_until.is_(None),
                    UpstreamCatalogCache.refreshing_until <= now,
                ),
            ]
        result = await self.session.execute(
            update(UpstreamCatalogCache)
            .where(*conditions)
            .values(refreshing_until=lease_until)
            .execution_options(synchronize_session=False)
        )
        return int(getattr(result, "rowcount", 0) or 0) == 1

    async def store(
        self,
        provider_id: uuid.UUID,
        kind: str,
        payload: list[dict[str, Any]],
        fetched_at: datetime,
        expires_at: datetime,
        *,
        insert: bool = False,
    ) -> None:
        """Save a fetched list into the existing row; with `insert`, create the row if missing.
        Without it a row deleted meanwhile (the key was rotated) stays deleted."""
        result = await self.session.execute(
            update(UpstreamCatalogCache)
            .where(*self._where(provider_id, kind))
            .values(
                payload=payload, fetched_at=fetched_at, expires_at=expires_at, refreshing_until=None
            )
            .execution_options(synchronize_session=False)
        )
        if not insert or int(getattr(result, "rowcount", 0) or 0) == 1:
            return
        try:
            async with self.session.begin_nested():
                self.session.add(
                    UpstreamCatalogCache(
                        provider_id=provider_id,
                        kind=kind,
                        payload=payload,
                        fetched_at=fetched_at,
                        expires_at=expires_at,
                        refreshing_until=None,
                    )
                )
                await self.session.flush()
        except IntegrityError:
            pass  # filled concurrently: theirs is as fresh as ours

    async def back_off(self, provider_id: uuid.UUID, kind: str, until: datetime) -> None:
        await self.session.execute(
            update(UpstreamCatalogCache)
            .where(*self._where(provider_id, kind))
            .values(refreshing_until=until)
            .execution_options(synchronize_session=False)
        )

    async def drop_unfilled(self, provider_id: uuid.UUID, kind: str) -> None:
        """Delete a first fetch's claim row (the fetch failed), never a filled row."""
        await self.session.execute(
            delete(UpstreamCatalogCache)
            .where(
                *self._where(provider_id, kind),
                UpstreamCatalogCache.fetched_at == NEVER_FETCHED,
            )
            .execution_options(synchronize_session=False)
        )

    async def invalidate(self, provider_id: uuid.UUID) -> None:
        await self.session.execute(
            delete(UpstreamCatalogCache).where(UpstreamCatalogCache.provider_id == provider_id)
        )
