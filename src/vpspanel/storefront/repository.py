"""Queries for what customers may buy: active plans of active provider accounts.

Until `catalog/service.py` offers customer-safe reads this reads the plan tables directly.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from vpspanel.catalog.models import VpsPlan, VpsPlanRegion
from vpspanel.provider_accounts.models import ServiceProvider


@dataclass(frozen=True)
class OfferedPlan:
    plan: VpsPlan
    account: ServiceProvider
    regions: list[VpsPlanRegion]

    def region(self, region_id: str) -> VpsPlanRegion | None:
        return next((r for r in self.regions if r.region_id == region_id), None)


class StorefrontRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def offered_plans(self, plan_ids: Sequence[uuid.UUID] | None = None) -> list[OfferedPlan]:
        """Active plans of active accounts with their regions, cheapest first."""
        query = (
            select(VpsPlan, ServiceProvider)
            .join(ServiceProvider, ServiceProvider.id == VpsPlan.provider_id)
            .where(VpsPlan.active.is_(True), ServiceProvider.active.is_(True))
            .order_by(VpsPlan.base_price + VpsPlan.markup_price, VpsPlan.name, VpsPlan.id)
        )
        if plan_ids is not None:
            query = query.where(VpsPlan.id.in_(plan_ids))
        rows = (await self.session.execute(query)).all()
        if not rows:
            return []
        region_rows = (
            await self.session.scalars(
                select(VpsPlanRegion)
                .where(VpsPlanRegion.plan_id.in_([plan.id for plan, _ in rows]))
                .order_by(VpsPlanRegion.region_id)
            )
        ).all()
        by_plan: dict[uuid.UUID, list[VpsPlanRegion]] = {}
        for region in region_rows:
            by_plan.setdefault(region.plan_id, []).append(region)
        return [OfferedPlan(plan, account, by_plan.get(plan.id, [])) for plan, account in rows]

    async def offered_plan(self, plan_id: uuid.UUID) -> OfferedPlan | None:
        found = await self.offered_plans([plan_id])
        return found[0] if found else None

    async def offered_plans_by_provider_plan_id(self, provider_plan_id: str) -> list[OfferedPlan]:
        ids = (
            await self.session.scalars(
                select(VpsPlan.id).where(VpsPlan.provider_plan_id == provider_plan_id)
            )
        ).all()
        return await self.offered_plans(list(ids)) if ids else []

    async def account(self, provider_id: uuid.UUID) -> ServiceProvider | None:
        return await self.session.get(ServiceProvider, provider_id)

    async def plan_any(self, plan_id: uuid.UUID | None) -> VpsPlan | None:
        """A plan whether or not it is still sold (an instance's current plan)."""
        return await self.session.get(VpsPlan, plan_id) if plan_id else None
