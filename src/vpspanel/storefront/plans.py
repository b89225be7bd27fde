"""What a customer may buy: active plans of active provider accounts, priced per region
(base + markup), in the regions the account still allows, and which images fit a plan.

`SellablePlan` carries the provider fields the server side needs to create an instance; callers
that render customer responses drop them (see `storefront/service.py`).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from vpspanel import pricing
from vpspanel.catalog.models import VpsPlan, VpsPlanRegion
from vpspanel.catalog.repository import PlanRepository
from vpspanel.provider_accounts.models import ServiceProvider
from vpspanel.provider_accounts.schemas import UpstreamImage
from vpspanel.storefront.regions import public_region_ids
from vpspanel.storefront.repository import OnSaleRepository


@dataclass(frozen=True)
class SellableRegion:
    """A region a plan is sold in, with the customer's price there. `id` is the provider's
    (server side only); customers see `public_id` (`storefront/regions.py`)."""

    id: str
    public_id: str
    label: str
    country: str | None
    price_monthly: Decimal  # 2 dp
    price_hourly: Decimal  # up to 5 dp


@dataclass(frozen=True)
class SellablePlan:
    """An active plan of an active provider account.

    `provider_id`, `provider_type` and `provider_plan_id` are for the server side (creating the
    instance); never put them in a customer response.
    """

    id: uuid.UUID
    name: str
    vcpus: int
    memory_mb: int
    disk_gb: int
    transfer_gb: int
    price_monthly: Decimal  # base + markup (region-independent list price)
    price_hourly: Decimal
    regions: list[SellableRegion]  # only regions the account still allows
    provider_id: uuid.UUID
    provider_type: str
    provider_plan_id: str

    def region(self, region_id: str) -> SellableRegion | None:
        """The region by the provider's id."""
        return next((region for region in self.regions if region.id == region_id), None)

    def public_region(self, public_id: str) -> SellableRegion | None:
        """The region by the id customers see."""
        return next((region for region in self.regions if region.public_id == public_id), None)

    def offered(self, region: str | None, public_region: str | None) -> SellableRegion | None:
        if public_region is not None:
            return self.public_region(public_region)
        return self.region(region) if region is not None else None


async def list_sellable_plans(
    session: AsyncSession, *, region: str | None = None, public_region: str | None = None
) -> list[SellablePlan]:
    """Active plans of active provider accounts, cheapest first. With `region` (the provider's
    id) or `public_region` (the id customers see): only plans offered there, with
    `price_monthly` / `price_hourly` set to that region's price."""
    repository = OnSaleRepository(session)
    rows = await repository.list_on_sale()
    regions = await PlanRepository(session).regions_of([plan.id for plan, _ in rows])
    public = await _public_ids(repository, {account.id for _, account in rows})
    plans = [
        _sellable(plan, account, regions[plan.id], public[account.id]) for plan, account in rows
    ]
    if region is None and public_region is None:
        return plans
    priced: list[SellablePlan] = []
    for plan in plans:
        offered = plan.offered(region, public_region)
        if offered is not None:
            priced.append(_priced_in(plan, offered))
    return priced


async def get_sellable_plan(
    session: AsyncSession,
    plan_id: uuid.UUID,
    *,
    region: str | None = None,
    public_region: str | None = None,
) -> SellablePlan | None:
    """One plan a customer may buy now (active plan, active account), or None. With `region`
    (the provider's id) or `public_region` (the id customers see): None unless offered there,
    priced for that region."""
    repository = OnSaleRepository(session)
    found = await repository.get_on_sale(plan_id)
    if found is None:
        return None
    plan, account = found
    public = await _public_ids(repository, {account.id})
    sellable = _sellable(
        plan,
        account,
        (await PlanRepository(session).regions_of([plan.id]))[plan.id],
        public[account.id],
    )
    if region is None and public_region is None:
        return sellable
    offered = sellable.offered(region, public_region)
    return _priced_in(sellable, offered) if offered is not None else None


async def list_sellable_regions(session: AsyncSession) -> list[SellableRegion]:
    """Regions with at least one sellable plan, by public id (regions of several accounts with
    the same public id are one), each with the lowest monthly price there."""
    cheapest: dict[str, SellableRegion] = {}
    for plan in await list_sellable_plans(session):
        for region in plan.regions:
            current = cheapest.get(region.public_id)
            if current is None or region.price_monthly < current.price_monthly:
                cheapest[region.public_id] = region
    return sorted(cheapest.values(), key=lambda region: region.public_id)


async def _public_ids(
    repository: OnSaleRepository, account_ids: set[uuid.UUID]
) -> dict[uuid.UUID, dict[str, str]]:
    """account id -> its upstream region id -> public id, over every region any plan of the
    account lists (sold or not), so a region's id does not depend on which plan shows it."""
    listed = await repository.regions_of_accounts(account_ids)
    return {account_id: public_region_ids(listed.get(account_id, [])) for account_id in account_ids}


async def get_plan(session: AsyncSession, plan_id: uuid.UUID) -> VpsPlan | None:
    """Any plan, sellable or not (e.g. to show the plan name of an existing instance)."""
    return await OnSaleRepository(session).get_plan(plan_id)


async def customer_price_monthly(session: AsyncSession, plan: VpsPlan, region_id: str) -> Decimal:
    """What `plan` costs the customer a month in `region_id`, sold or not: that region's price,
    or the plan's list price where it no longer has the region."""
    regions = (await PlanRepository(session).regions_of([plan.id]))[plan.id]
    offered = next((region for region in regions if region.region_id == region_id), None)
    base = offered.base_price_monthly if offered is not None else plan.base_price
    return pricing.price_monthly(base, plan.markup_price)


def image_fits(image: UpstreamImage, plan: SellablePlan, region: str | None = None) -> bool:
    """The image is usable for new servers of this plan (and with `region`: present there)."""
    return (
        not image.deprecated
        and (image.min_disk_gb is None or image.min_disk_gb <= plan.disk_gb)
        and (region is None or image.regions is None or region in image.regions)
    )


def _sellable(
    plan: VpsPlan,
    account: ServiceProvider,
    regions: Sequence[VpsPlanRegion],
    public_ids: dict[str, str],
) -> SellablePlan:
    allowed = account.allowed_regions()
    specs = plan.specifications
    return SellablePlan(
        id=plan.id,
        name=plan.name,
        vcpus=int(specs.get("vcpus", 0)),
        memory_mb=int(specs.get("memory", 0)),
        disk_gb=int(specs.get("disk", 0)),
        transfer_gb=int(specs.get("transfer", 0)),
        price_monthly=pricing.price_monthly(plan.base_price, plan.markup_price),
        price_hourly=pricing.price_hourly(
            plan.base_price, plan.base_price_hourly, plan.markup_price
        ),
        regions=[
            SellableRegion(
                id=region.region_id,
                public_id=public_ids[region.region_id],
                label=region.region_label,
                country=region.country,
                price_monthly=pricing.price_monthly(region.base_price_monthly, plan.markup_price),
                price_hourly=pricing.price_hourly(
                    region.base_price_monthly, region.base_price_hourly, plan.markup_price
                ),
            )
            for region in regions
            if allowed is None or region.region_id in allowed
        ],
        provider_id=account.id,
        provider_type=account.type,
        provider_plan_id=plan.provider_plan_id,
    )


def _priced_in(plan: SellablePlan, region: SellableRegion) -> SellablePlan:
    return replace(plan, price_monthly=region.price_monthly, price_hourly=region.price_hourly)
