"""Every query the storefront makes: the plans on sale and their regions."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from vpspanel.catalog.models import VpsPlan, VpsPlanRegion
from vpspanel.provider_accounts.models import ServiceProvider


class OnSaleRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def list_on_sale(self) -> Sequence[tuple[VpsPlan, ServiceProvider]]:
        """Active plans of active provider accounts, cheapest first."""
        rows = await self.session.execute(
            select(VpsPlan, ServiceProvider)
            .join(ServiceProvider, ServiceProvider.id == VpsPlan.provider_id)
            .where(VpsPlan.active.is_(True), ServiceProvider.active.is_(True))
            .order_by(VpsPlan.base_price, VpsPlan.name, VpsPlan.id)
        )
        return [(plan, account) for plan, account in rows.all()]

    async def get_on_sale(self, plan_id: uuid.UUID) -> tuple[VpsPlan, ServiceProvider] | None:
        """The plan and its account when both are active; else None."""
        row = (
            await self.session.execute(
                select(VpsPlan, ServiceProvider)
                .join(ServiceProvider, ServiceProvider.id == VpsPlan.provider_id)
                .where(
                    VpsPlan.id == plan_id,
                    VpsPlan.active.is_(True),
                    ServiceProvider.active.is_(True),
                )
            )
        ).one_or_none()
        return (row[0], row[1]) if row is not None else None

    async def get_plan(self, plan_id: uuid.UUID) -> VpsPlan | None:
        """Any plan, on sale or not (the plan an existing server is on)."""
        plan: VpsPlan | None = await self.session.get(VpsPlan, plan_id)
        return plan

    async def regions_of_accounts(
        self, account_ids: Collection[uuid.UUID]
    ) -> dict[uuid.UUID, list[tuple[str, str]]]:
        """account id -> every (region id, label) any of its plans lists, sold or not (one
        query)."""
        by_account: dict[uuid.UUID, list[tuple[str, str]]] = {}
        if not account_ids:
            return by_account
        rows = await self.session.execute(
            select(VpsPlan.provider_id, VpsPlanRegion.region_id, VpsPlanRegion.region_label)
            .join(VpsPlan, VpsPlan.id == VpsPlanRegion.plan_id)
            .where(VpsPlan.provider_id.in_(list(account_ids)))
            .distinct()
        )
        for account_id, region_id, label in rows:
            if account_id is not None:
                by_account.setdefault(account_id, []).append((region_id, label))
        return by_account
