"""Every query on VPS plans (the admin's side) and their regions."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from vpspanel.catalog.models import VpsPlan, VpsPlanRegion
from vpspanel.instances.models import VpsInstance
from vpspanel.provider_accounts.models import ServiceProvider
from vpspanel.providers.types import InstanceStatus


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
        """plan id -> the regions it is sold in, by region id (one query)."""
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

    async def count_of_account(self, provider_id: uuid.UUID) -> int:
        """How many plans the provider account has, active or not."""
        return int(
            await self.session.scalar(
                select(func.count()).select_from(VpsPlan).where(VpsPlan.provider_id == provider_id)
            )
            or 0
        )

    async def count_live_instances(self, plan_id: uuid.UUID) -> int:
        count = await self.session.scalar(
            select(func.count())
            .select_from(VpsInstance)
            .where(VpsInstance.plan_id == plan_id, VpsInstance.status != InstanceStatus.DELETED)
        )
        return int(count or 0)
