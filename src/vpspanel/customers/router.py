"""/api/admin/users, /api/admin/organizations and /api/admin/settings (admins only)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Query

from vpspanel.auth.deps import AdminUser
from vpspanel.customers import service
from vpspanel.customers.schemas import (
    CustomerOrganizationEnvelope,
    CustomerOrganizationList,
    CustomerOrganizationPatch,
    CustomerUserEnvelope,
    CustomerUserList,
    CustomerUserPatch,
    PanelSettingsOut,
    PanelSettingsPatch,
)
from vpspanel.deps import SessionDep
from vpspanel.errors import ERROR_RESPONSES

router = APIRouter(prefix="/api/admin", tags=["admin"], responses={**ERROR_RESPONSES})

Search = Annotated[
    str | None,
    Query(
        max_length=200,
        description="Only rows containing this text (case-insensitive; users: email or name).",
    ),
]
Page = Annotated[int, Query(ge=1, le=100_000, description="Page number, from 1.")]
PerPage = Annotated[int, Query(ge=1, le=200, description="Rows per page (at most 200).")]


@router.get("/users", summary="Every user, with organizations and server counts")
async def list_users(
    _admin: AdminUser, session: SessionDep, q: Search = None, page: Page = 1, per_page: PerPage = 50
) -> CustomerUserList:
    return await service.list_users(session, search=q or None, page=page, per_page=per_page)


@router.get("/users/{user_id}", summary="One user, with organizations and server counts")
async def get_user(
    user_id: Annotated[uuid.UUID, Path(description="The user id.")],
    _admin: AdminUser,
    session: SessionDep,
) -> CustomerUserEnvelope:
    return CustomerUserEnvelope(user=await service.get_user(session, user_id))


@router.patch("/users/{user_id}", summary="Suspend or unsuspend a user")
async def update_user(
    user_id: Annotated[uuid.UUID, Path(description="The user id.")],
    body: CustomerUserPatch,
    admin: AdminUser,
    session: SessionDep,
) -> CustomerUserEnvelope:
    return CustomerUserEnvelope(
        user=await service.set_user_active(session, admin, user_id, active=body.active)
    )


@router.get("/organizations", summary="Every organization, with members, servers and limit")
async def list_organizations(
    _admin: AdminUser, session: SessionDep, q: Search = None, page: Page = 1, per_page: PerPage = 50
) -> CustomerOrganizationList:
    return await service.list_organizations(session, search=q or None, page=page, per_page=per_page)


@router.patch("/organizations/{organization_id}", summary="Set an organization's server limit")
async def update_organization(
    organization_id: Annotated[uuid.UUID, Path(description="The organization id.")],
    body: CustomerOrganizationPatch,
    _admin: AdminUser,
    session: SessionDep,
) -> CustomerOrganizationEnvelope:
    return CustomerOrganizationEnvelope(
        organization=await service.set_server_limit(session, organization_id, body.server_limit)
    )


@router.get("/settings", summary="The panel's registration mode and default server limit")
async def get_settings(_admin: AdminUser, session: SessionDep) -> PanelSettingsOut:
    return await service.get_settings(session)


@router.patch("/settings", summary="Change the registration mode or default server limit")
async def update_settings(
    body: PanelSettingsPatch, _admin: AdminUser, session: SessionDep
) -> PanelSettingsOut:
    return await service.update_settings(session, body)
