"""Every query on VPS plans, their regions and the upstream catalog cache."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from vpspanel.catalog.models import UpstreamCatalogCache, VpsPlan, VpsPlanRegion
from vpspanel.instances.models import VpsInstance
from vpspanel.provider_accounts.models import ServiceProvider
from vpspanel.providers.types import InstanceStatus

# `fetched_at` of a cache row claimed for a first fetch that has not stored anything yet.
NEVER_FETCHED = datetime(1970, 1, 1, tzinfo=UTC)


class PlanRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def list_all(
        self, *, provider_id: uuid.UUID | None = None
    ) -> Sequence[tuple[VpsPlan, ServiceProvider | None]]:
        statement = (
            select(VpsPlan, ServiceProvider)
            .outerjoin(ServiceProvider, ServiceProvider.id == VpsPlan.provider_id)
            .order_by(VpsPlan.created_at, VpsPlan.id)
        )
        if provider_id is not None:
            statement = statement.where(VpsPlan.provider_id == provider_id)
        rows = await self.session.execute(statement)
        return [(plan, account) for plan, account in rows.all()]

    async def list_sellable(self) -> Sequence[tuple[VpsPlan, ServiceProvider]]:
        """Active plans of active provider accounts."""
        rows = await self.session.execute(
            select(VpsPlan, ServiceProvider)
            .join(ServiceProvider, ServiceProvider.id == VpsPlan.provider_id)
            .where(VpsPlan.active.is_(True), ServiceProvider.active.is_(True))
            .order_by(VpsPlan.base_price, VpsPlan.name, VpsPlan.id)
        )
        return [(plan, account) for plan, account in rows.all()]

    async def get(
        self, plan_id: uuid.UUID, *, for_update: bool = False
    ) -> tuple[VpsPlan, ServiceProvider | None] | None:
        statement = select(VpsPlan).where(VpsPlan.id == plan_id)
        if for_update:
            # PostgreSQL: a row lock so concurrent edits queue instead of losing each other's
            # changes. SQLite already serialises writers (BEGIN IMMEDIATE).
            statement = statement.with_for_update()
        plan: VpsPlan | None = await self.session.scalar(statement)
        if plan is None:
            return None
        account = (
            await self.session.get(ServiceProvider, plan.provider_id)
            if plan.provider_id is not None
            else None
        )
        return plan, account

    async def regions_of(
        self, plan_ids: Sequence[uuid.UUID]
    ) -> dict[uuid.UUID, list[VpsPlanRegion]]:
        by_plan: dict[uuid.UUID, list[VpsPlanRegion]] = {plan_id: [] for plan_id in plan_ids}
        if not plan_ids:
            return by_plan
        rows = await self.session.scalars(
            select(VpsPlanRegion)
            .where(VpsPlanRegion.plan_id.in_(plan_ids))
            .order_by(VpsPlanRegion.region_id)
        )
        for row in rows:
            by_plan[row.plan_id].append(row)
        return by_plan

    async def exists_named(
        self,
        provider_id: uuid.UUID,
        provider_plan_id: str,
        name: str,
        *,
        excluding: uuid.UUID | None = None,
    ) -> bool:
        statement = select(VpsPlan.id).where(
            VpsPlan.provider_id == provider_id,
            VpsPlan.provider_plan_id == provider_plan_id,
            VpsPlan.name == name,
        )
        if excluding is not None:
            statement = statement.where(VpsPlan.id != excluding)
        return (await self.session.scalar(statement.limit(1))) is not None

    async def add(self, plan: VpsPlan, regions: Sequence[VpsPlanRegion]) -> bool:
        """Insert a plan and its regions; False when the unique (account, upstream plan, name)
        is already taken (a concurrent create), leaving the transaction usable."""
        try:
            async with self.session.begin_nested():
                self.session.add(plan)
                await self.session.flush()
                self.session.add_all(regions)
                await self.session.flush()
        except IntegrityError:
            return False
        return True

    async def rename(self, plan: VpsPlan, name: str) -> bool:
        """False when the new name is already taken for this account and upstream plan."""
        try:
            async with self.session.begin_nested():
                plan.name = name
                await self.session.flush()
        except IntegrityError:
            return False
        return True

    async def replace_regions(
        self, plan_id: uuid.UUID, keep: Sequence[str], add: Sequence[VpsPlanRegion]
    ) -> None:
        await self.session.execute(
            delete(VpsPlanRegion).where(
                VpsPlanRegion.plan_id == plan_id, VpsPlanRegion.region_id.not_in(list(keep))
            )
        )
        self.session.add_all(add)
        await self.session.flush()

    async def flush(self) -> None:
        await self.session.flush()

    async def delete(self, plan: VpsPlan) -> None:
        await self.session.delete(plan)
        await self.session.flush()

    async def count_live_instances(self, plan_id: uuid.UUID) -> int:
        count = await self.session.scalar(
            select(func.count())
            .select_from(VpsInstance)
            .where(VpsInstance.plan_id == plan_id, VpsInstance.status != InstanceStatus.DELETED)
        )
        return int(count or 0)

    async def deactivate_of_provider(self, provider_id: uuid.UUID) -> None:
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
