"""GET /api/vps/regions, /api/vps/plans, /api/vps/images: the white-label catalog."""

from __future__ import annotations

from fastapi import APIRouter, Query

from vpspanel.auth.deps import CurrentUser
from vpspanel.deps import SessionDep, StateDep
from vpspanel.errors import ERROR_RESPONSES
from vpspanel.storefront import service
from vpspanel.storefront.schemas import ImagesOut, OfferedPlansOut, RegionsOut

router = APIRouter(prefix="/api/vps", tags=["catalog"], responses={**ERROR_RESPONSES})


@router.get("/regions", summary="Regions where servers can be deployed")
async def list_regions(_user: CurrentUser, session: SessionDep) -> RegionsOut:
    return RegionsOut(regions=await service.list_regions(session))


@router.get("/plans", summary="Plans on sale, optionally in one region")
async def list_plans(
    _user: CurrentUser,
    session: SessionDep,
    region: str | None = Query(
        default=None,
        max_length=64,
        description="Only plans offered in this region id (as `/api/vps/regions` shows), priced "
        "for it.",
    ),
) -> OfferedPlansOut:
    return OfferedPlansOut(plans=await service.list_plans(session, region))


@router.get("/images", summary="Images a plan can be deployed with")
async def list_images(
    _user: CurrentUser,
    state: StateDep,
    plan: str = Query(max_length=64, description="The plan id the server is (to be) on."),
) -> ImagesOut:
    # No request session: the plan is read in a short session of its own, so that no database
    # connection is held while the upstream image list may be fetched.
    return ImagesOut(images=await service.list_images(state, plan))
