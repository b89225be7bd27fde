"""Admin API: the upstream catalog (`/api/admin/upstream/...`) and plans (`/api/admin/plans`)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Query, Response, status

from vpspanel import pricing
from vpspanel.auth.deps import AdminUser
from vpspanel.catalog import service
from vpspanel.catalog.schemas import (
    PlanCreateIn,
    PlanEnvelope,
    PlanOut,
    PlanProviderOut,
    PlanRegionOut,
    PlansOut,
    PlanSpecificationsOut,
    PlanUpdateIn,
    PriceRefreshIn,
    PriceRefreshOut,
    ProviderType,
)
from vpspanel.catalog.service import PlanView
from vpspanel.deps import SessionDep, StateDep
from vpspanel.provider_accounts.schemas import (
    UpstreamImagesOut,
    UpstreamPlansOut,
    UpstreamRegionsOut,
)
from vpspanel.provider_accounts.upstream import UpstreamCatalog

router = APIRouter(prefix="/api/admin", tags=["admin: catalog"])

ProviderQuery = Annotated[
    ProviderType | None,
    Query(
        alias="provider",
        description="The cloud; its default (or only active) account is used.",
    ),
]
ProviderIdQuery = Annotated[
    uuid.UUID | None, Query(alias="providerId", description="The provider account id.")
]
PlanId = Annotated[uuid.UUID, Path(description="The plan id.")]


# --- upstream catalog -------------------------------------------------------------------------


@router.get("/upstream/plans", summary="Plans the provider account offers upstream")
async def upstream_plans(
    _admin: AdminUser,
    state: StateDep,
    provider: ProviderQuery = None,
    provider_id: ProviderIdQuery = None,
) -> UpstreamPlansOut:
    snapshot = await UpstreamCatalog(state).plans_for(provider, provider_id)
    return UpstreamPlansOut(
        plans=snapshot.items,
        provider_id=snapshot.provider_id,
        fetched_at=snapshot.fetched_at,
        stale=snapshot.stale,
    )


@router.get("/upstream/regions", summary="Regions the provider account offers upstream")
async def upstream_regions(
    _admin: AdminUser,
    state: StateDep,
    provider: ProviderQuery = None,
    provider_id: ProviderIdQuery = None,
) -> UpstreamRegionsOut:
    snapshot = await UpstreamCatalog(state).regions_for(provider, provider_id)
    return UpstreamRegionsOut(
        regions=snapshot.items,
        provider_id=snapshot.provider_id,
        fetched_at=snapshot.fetched_at,
        stale=snapshot.stale,
    )


@router.get("/upstream/images", summary="Images the provider account offers upstream")
async def upstream_images(
    _admin: AdminUser,
    state: StateDep,
    provider: ProviderQuery = None,
    provider_id: ProviderIdQuery = None,
) -> UpstreamImagesOut:
    snapshot = await UpstreamCatalog(state).images_for(provider, provider_id)
    return UpstreamImagesOut(
        images=snapshot.items,
        provider_id=snapshot.provider_id,
        fetched_at=snapshot.fetched_at,
        stale=snapshot.stale,
    )


# --- VPS plans --------------------------------------------------------------------------------


def plan_out(view: PlanView) -> PlanOut:
    plan, account = view.plan, view.account
    markup = plan.markup_price
    sale = service.sale_status(view)
    return PlanOut(
        id=plan.id,
        provider_id=plan.provider_id,
        provider=(
            PlanProviderOut(id=account.id, name=account.name, type=account.type)
            if account is not None
            else None
        ),
        name=plan.name,
        provider_plan_id=plan.provider_plan_id,
        base_price=plan.base_price,
        base_price_hourly=plan.base_price_hourly,
        markup_price=markup,
        price_monthly=pricing.price_monthly(plan.base_price, markup),
        price_hourly=pricing.price_hourly(plan.base_price, plan.base_price_hourly, markup),
        specifications=PlanSpecificationsOut.model_validate(plan.specifications),
        regions=[
            PlanRegionOut(
                id=region.region_id,
                label=region.region_label,
                country=region.country,
                base_price_monthly=region.base_price_monthly,
                base_price_hourly=region.base_price_hourly,
                price_monthly=pricing.price_monthly(region.base_price_monthly, markup),
                price_hourly=pricing.price_hourly(
                    region.base_price_monthly, region.base_price_hourly, markup
                ),
            )
            for region in view.regions
        ],
        active=plan.active,
        on_sale=sale.reason is None,
        not_on_sale_reason=sale.reason,
        blocked_regions=sale.blocked_regions,
        created_at=plan.created_at,
        updated_at=plan.updated_at,
    )


@router.get("/plans", summary="All VPS plans, with upstream and customer prices")
async def list_plans(_admin: AdminUser, session: SessionDep) -> PlansOut:
    views = await service.list_all(session)
    return PlansOut(plans=[plan_out(view) for view in views])


@router.post(
    "/plans", status_code=status.HTTP_201_CREATED, summary="Create a VPS plan from an upstream plan"
)
async def create_plan(
    body: PlanCreateIn, _admin: AdminUser, session: SessionDep, state: StateDep
) -> PlanEnvelope:
    return PlanEnvelope(plan=plan_out(await service.create(session, state, body)))


@router.post("/plans/refresh-prices", summary="Refresh base prices from the providers")
async def refresh_plan_prices(
    _admin: AdminUser, session: SessionDep, state: StateDep, body: PriceRefreshIn | None = None
) -> PriceRefreshOut:
    provider_id = body.provider_id if body is not None else None
    return await service.refresh_prices(session, state, provider_id)


@router.get("/plans/{plan_id}", summary="One VPS plan")
async def get_plan(plan_id: PlanId, _admin: AdminUser, session: SessionDep) -> PlanEnvelope:
    return PlanEnvelope(plan=plan_out(await service.get(session, plan_id)))


@router.patch("/plans/{plan_id}", summary="Change a VPS plan (name, markup, regions, active)")
async def update_plan(
    plan_id: PlanId, body: PlanUpdateIn, _admin: AdminUser, session: SessionDep, state: StateDep
) -> PlanEnvelope:
    return PlanEnvelope(plan=plan_out(await service.update(session, state, plan_id, body)))


@router.delete(
    "/plans/{plan_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a VPS plan no server uses",
)
async def delete_plan(plan_id: PlanId, _admin: AdminUser, session: SessionDep) -> Response:
    await service.delete(session, plan_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
