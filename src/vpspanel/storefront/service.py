"""The customer catalog and the checks a purchase makes against it."""

from __future__ import annotations

import hashlib
import re
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from vpspanel.errors import NotFound, ValidationFailed
from vpspanel.provider_accounts.connect import app_error_from_provider
from vpspanel.provider_accounts.models import ServiceProvider
from vpspanel.providers.errors import ProviderError
from vpspanel.providers.types import ProviderImage
from vpspanel.state import AppState
from vpspanel.storefront.repository import OfferedPlan, StorefrontRepository
from vpspanel.storefront.schemas import ImageOut, PlanOut, RegionOut

HOURS_PER_MONTH = Decimal(730)
_CENT = Decimal("0.01")
_HOURLY = Decimal("0.00001")
IMAGE_CACHE_SECONDS = 300.0

# provider account id -> (monotonic expiry, images). Per process; a miss costs one list call.
_image_cache: dict[uuid.UUID, tuple[float, list[CatalogImage]]] = {}


def _price(plan: OfferedPlan, region_id: str | None) -> tuple[Decimal, Decimal]:
    region = plan.region(region_id) if region_id else None
    base_monthly = region.base_price_monthly if region else plan.plan.base_price
    base_hourly = region.base_price_hourly if region else plan.plan.base_price_hourly
    markup = plan.plan.markup_price
    monthly = (base_monthly + markup).quantize(_CENT, rounding=ROUND_HALF_UP)
    # The provider's own hourly/monthly ratio (the same rule as the admin plan prices).
    hourly_raw = (
        base_hourly * (base_monthly + markup) / base_monthly
        if base_monthly > 0
        else base_hourly + markup / HOURS_PER_MONTH
    )
    return monthly, hourly_raw.quantize(_HOURLY, rounding=ROUND_HALF_UP)


def _spec_int(plan: OfferedPlan, key: str) -> int:
    try:
        return int(plan.plan.specifications.get(key) or 0)
    except (TypeError, ValueError):
        return 0


@dataclass(frozen=True)
class CatalogImage:
    """An upstream image under a customer-facing id that does not name the provider
    (Linode's own ids start with "linode/")."""

    public_id: str
    upstream: ProviderImage


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9.]+", "-", text.lower()).strip("-.") or "image"


def _public_images(images: list[ProviderImage]) -> list[CatalogImage]:
    names = [_slug(f"{i.distribution or ''} {i.version or ''}".strip() or i.label) for i in images]
    taken = Counter(names)
    return [
        CatalogImage(
            name
            if taken[name] == 1
            else f"{name}-{hashlib.sha256(image.id.encode()).hexdigest()[:6]}",
            image,
        )
        for name, image in zip(names, images, strict=True)
    ]


def plan_out(plan: OfferedPlan, region_id: str | None = None) -> PlanOut:
    monthly, hourly = _price(plan, region_id)
    return PlanOut(
        id=str(plan.plan.id),
        name=plan.plan.name,
        vcpus=_spec_int(plan, "vcpus"),
        memory_mb=_spec_int(plan, "memory"),
        disk_gb=_spec_int(plan, "disk"),
        transfer_gb=_spec_int(plan, "transfer"),
        price_monthly=monthly,
        price_hourly=hourly,
        regions=[region.region_id for region in plan.regions],
    )


async def list_regions(session: AsyncSession) -> list[RegionOut]:
    seen: dict[str, RegionOut] = {}
    for plan in await StorefrontRepository(session).offered_plans():
        for region in plan.regions:
            seen.setdefault(
                region.region_id,
                RegionOut(id=region.region_id, label=region.region_label, country=region.country),
            )
    return sorted(seen.values(), key=lambda region: region.label)


async def list_plans(session: AsyncSession, region_id: str | None) -> list[PlanOut]:
    plans = await StorefrontRepository(session).offered_plans()
    if region_id is not None:
        plans = [plan for plan in plans if plan.region(region_id) is not None]
    return [plan_out(plan, region_id) for plan in plans]


async def images_for_account(state: AppState, account: ServiceProvider) -> list[CatalogImage]:
    """The account's usable (not deprecated) images, cached briefly in this process."""
    cached = _image_cache.get(account.id)
    if cached is not None and cached[0] > time.monotonic():
        return cached[1]
    try:
        images = await state.providers.for_account(account).list_images()
    except ProviderError as exc:
        raise app_error_from_provider(exc) from None
    usable = _public_images(
        sorted(
            (image for image in images if not image.deprecated),
            key=lambda image: (image.distribution or "", image.version or "", image.id),
        )
    )
    _image_cache[account.id] = (time.monotonic() + IMAGE_CACHE_SECONDS, usable)
    return usable


def _parse_plan_id(raw: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(raw)
    except ValueError:
        return None


async def list_images(state: AppState, session: AsyncSession, plan_id: str) -> list[ImageOut]:
    parsed = _parse_plan_id(plan_id)
    plan = await StorefrontRepository(session).offered_plan(parsed) if parsed else None
    if plan is None:
        raise NotFound("Plan not found.")
    return [
        ImageOut(
            id=image.public_id,
            label=image.upstream.label,
            distribution=image.upstream.distribution,
            version=image.upstream.version,
        )
        for image in await images_for_account(state, plan.account)
    ]


async def image_for_purchase(
    state: AppState, account: ServiceProvider, image_ref: str, *, field: str = "image"
) -> CatalogImage:
    """The image a customer named (our id, or the upstream id), or 422 on `field`."""
    images = await images_for_account(state, account)
    for image in images:
        if image_ref in (image.public_id, image.upstream.id):
            return image
    raise ValidationFailed.for_field(field, "This image is not available for this plan.")


async def plan_for_purchase(session: AsyncSession, plan_ref: str, region_id: str) -> OfferedPlan:
    """`plan_ref` is our plan id, or an upstream plan id that exactly one active plan sells in
    `region_id`. 422 (field `type` or `region`) otherwise."""
    repository = StorefrontRepository(session)
    parsed = _parse_plan_id(plan_ref)
    if parsed is not None:
        plan = await repository.offered_plan(parsed)
        if plan is None:
            raise ValidationFailed.for_field("type", "This plan is not available.")
        if plan.region(region_id) is None:
            raise ValidationFailed.for_field(
                "region", "This plan is not offered in that region.", code="region_not_available"
            )
        return plan
    candidates = [
        plan
        for plan in await repository.offered_plans_by_provider_plan_id(plan_ref)
        if plan.region(region_id) is not None
    ]
    if len(candidates) != 1:
        message = (
            "This plan is not available in that region."
            if not candidates
            else "This plan name is ambiguous; use the plan id."
        )
        raise ValidationFailed.for_field("type", message)
    return candidates[0]
