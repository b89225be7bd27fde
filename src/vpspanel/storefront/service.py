"""The customer catalog and the checks a purchase makes against it.

Plans, regions and prices come from `storefront/plans.py` (active plans of active accounts, the
account's allowed regions, region prices), images from the shared upstream cache
(`provider_accounts/upstream.py`). This module turns them into white-label answers: no provider
name, type, id, upstream plan id, base price or markup, and image ids that do not name the
provider, and region ids of the panel's own (`storefront/regions.py`).
"""

from __future__ import annotations

import hashlib
import re
import uuid
from collections import Counter
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from vpspanel.errors import NotFound, ValidationFailed
from vpspanel.provider_accounts.models import ServiceProvider
from vpspanel.provider_accounts.repository import ProviderAccountRepository
from vpspanel.provider_accounts.schemas import UpstreamImage
from vpspanel.provider_accounts.upstream import UpstreamCatalog
from vpspanel.state import AppState
from vpspanel.storefront import plans
from vpspanel.storefront.plans import SellablePlan
from vpspanel.storefront.regions import UNKNOWN_REGION
from vpspanel.storefront.schemas import ImageOut, OfferedPlanOut, RegionOut

UNKNOWN_PLAN = "Unknown plan: use a plan id the catalog shows."


@dataclass(frozen=True)
class CatalogImage:
    """An upstream image under a customer-facing id (Linode's own ids start with "linode/")."""

    public_id: str
    upstream: UpstreamImage


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9.]+", "-", text.lower()).strip("-.") or "image"


def _public_ids(images: list[UpstreamImage]) -> dict[str, str]:
    """upstream id -> public id: "<distribution>-<version>", with a short hash when two images
    of the account would share it. Computed over the whole account list, so an image has the
    same id whichever plan it is listed for."""
    names = {
        image.id: _slug(f"{image.distribution or ''} {image.version or ''}".strip() or image.label)
        for image in images
    }
    taken = Counter(names.values())
    return {
        upstream_id: name
        if taken[name] == 1
        else f"{name}-{hashlib.sha256(upstream_id.encode()).hexdigest()[:6]}"
        for upstream_id, name in names.items()
    }


def plan_out(plan: SellablePlan) -> OfferedPlanOut:
    return OfferedPlanOut(
        id=str(plan.id),
        name=plan.name,
        vcpus=plan.vcpus,
        memory_mb=plan.memory_mb,
        disk_gb=plan.disk_gb,
        transfer_gb=plan.transfer_gb,
        price_monthly=plan.price_monthly,
        price_hourly=plan.price_hourly,
        regions=sorted({region.public_id for region in plan.regions}),
    )


async def list_regions(session: AsyncSession) -> list[RegionOut]:
    regions = await plans.list_sellable_regions(session)
    return sorted(
        (RegionOut(id=r.public_id, label=r.label, country=r.country) for r in regions),
        key=lambda region: region.label,
    )


async def list_plans(session: AsyncSession, region_id: str | None) -> list[OfferedPlanOut]:
    """`region_id`: a public region id; a provider's own id matches nothing."""
    return [
        plan_out(plan) for plan in await plans.list_sellable_plans(session, public_region=region_id)
    ]


async def account_images(state: AppState, account: ServiceProvider) -> list[CatalogImage]:
    """Every usable image of the account (rebuilding a server whose plan is no longer sold).
    Reads in short sessions of its own and may call the provider: call it with no write
    transaction open."""
    snapshot = await UpstreamCatalog(state).images(account)
    usable = [image for image in snapshot.items if not image.deprecated]
    public = _public_ids(usable)
    return [CatalogImage(public[image.id], image) for image in usable]


async def plan_images(
    state: AppState, plan: SellablePlan, region_id: str | None = None
) -> list[CatalogImage]:
    """The images a new server of `plan` (in `region_id`, the provider's id) can start from.
    Reads in short sessions of its own: call it while holding no connection."""
    async with state.read_sessionmaker() as session:
        account = await ProviderAccountRepository(session).get(plan.provider_id)
    if account is None:
        raise NotFound("Plan not found.")
    images = await account_images(state, account)
    return [image for image in images if plans.image_fits(image.upstream, plan, region_id)]


def _parse_plan_id(raw: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(raw)
    except ValueError:
        return None


async def list_images(state: AppState, plan_id: str) -> list[ImageOut]:
    parsed = _parse_plan_id(plan_id)
    async with state.read_sessionmaker() as session:
        plan = await plans.get_sellable_plan(session, parsed) if parsed else None
        if plan is None:
            raise NotFound("Plan not found.")
        account = await ProviderAccountRepository(session).get(plan.provider_id)
    if account is None:
        raise NotFound("Plan not found.")
    images = sorted(
        (
            image
            for image in await account_images(state, account)
            if plans.image_fits(image.upstream, plan)
        ),
        key=lambda i: (i.upstream.distribution or "", i.upstream.version or "", i.public_id),
    )
    return [
        ImageOut(
            id=image.public_id,
            label=image.upstream.label,
            distribution=image.upstream.distribution,
            version=image.upstream.version,
        )
        for image in images
    ]


async def plan_for_purchase(session: AsyncSession, plan_ref: str, region_id: str) -> SellablePlan:
    """`plan_ref` is our plan id, or an upstream plan id that exactly one sellable plan offers
    in `region_id`, a public region id as the catalog shows it (a provider's own region id is
    refused: "Unknown region"). The plan comes back priced for that region (its upstream id:
    `plan.public_region(region_id).id`); 422 (`type`/`region`) otherwise."""
    parsed = _parse_plan_id(plan_ref)
    if parsed is not None:
        if await plans.get_sellable_plan(session, parsed) is None:
            raise ValidationFailed.for_field("type", UNKNOWN_PLAN)
        plan = await plans.get_sellable_plan(session, parsed, public_region=region_id)
        if plan is None and not await _region_on_sale(session, region_id):
            raise ValidationFailed.for_field("region", UNKNOWN_REGION)
        if plan is None:
            raise ValidationFailed.for_field(
                "region", "This plan is not offered in that region.", code="region_not_available"
            )
        return plan
    if not await _region_on_sale(session, region_id):
        raise ValidationFailed.for_field("region", UNKNOWN_REGION)
    candidates = [
        plan
        for plan in await plans.list_sellable_plans(session, public_region=region_id)
        if plan.provider_plan_id == plan_ref
    ]
    if len(candidates) == 1:
        return candidates[0]
    if candidates:
        raise ValidationFailed.for_field("type", "This plan name is ambiguous; use the plan id.")
    if any(plan.provider_plan_id == plan_ref for plan in await plans.list_sellable_plans(session)):
        raise ValidationFailed.for_field(
            "region", "This plan is not offered in that region.", code="region_not_available"
        )
    raise ValidationFailed.for_field("type", UNKNOWN_PLAN)


async def _region_on_sale(session: AsyncSession, public_id: str) -> bool:
    return any(
        region.public_id == public_id for region in await plans.list_sellable_regions(session)
    )


async def plan_for_change(
    session: AsyncSession, plan_ref: str, region_id: str, provider_id: uuid.UUID | None
) -> SellablePlan:
    """A plan to move an existing server to (resize): only our plan ids, as the catalog shows
    them, of the server's provider account, priced for the server's `region_id` (the
    provider's id, as the server row holds it). 422 on
    `type`: "Unknown plan" for anything the catalog does not sell (a provider's own plan id
    too), a plan of another account, or one not offered in that region."""
    parsed = _parse_plan_id(plan_ref)
    sold = await plans.get_sellable_plan(session, parsed) if parsed else None
    if parsed is None or sold is None:
        raise ValidationFailed.for_field("type", UNKNOWN_PLAN)
    if sold.provider_id != provider_id:
        raise ValidationFailed.for_field(
            "type", "This plan is not available for this server; choose one offered for it."
        )
    plan = await plans.get_sellable_plan(session, parsed, region=region_id)
    if plan is None:
        raise ValidationFailed.for_field(
            "type", "This plan is not offered in this server's region."
        )
    return plan


def pick_image(images: list[CatalogImage], image_ref: str, *, field: str = "image") -> CatalogImage:
    """The image a customer named by the id the catalog shows (`GET /api/vps/images`), or 422
    on `field`. The provider's own ids are refused: a white-label panel takes only its own."""
    for image in images:
        if image_ref == image.public_id:
            return image
    raise ValidationFailed.for_field(field, "This image is not available for this plan.")
