"""/api/admin/instances: every organization's servers, with their provider (admins only)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Query

from vpspanel.auth.deps import AdminUser
from vpspanel.deps import SessionDep
from vpspanel.errors import ERROR_RESPONSES
from vpspanel.instances import service
from vpspanel.instances.schemas import AdminInstanceEnvelope, AdminInstanceList, EventList
from vpspanel.providers.types import InstanceStatus

router = APIRouter(prefix="/api/admin/instances", tags=["admin"], responses={**ERROR_RESPONSES})


@router.get("", summary="Every server across organizations")
async def list_instances(
    _admin: AdminUser,
    session: SessionDep,
    status: Annotated[
        InstanceStatus | None, Query(description="Only servers in this status.")
    ] = None,
    provider_id: Annotated[
        uuid.UUID | None, Query(description="Only servers of this provider account.")
    ] = None,
    organization_id: Annotated[
        uuid.UUID | None, Query(description="Only this organization's servers.")
    ] = None,
    page: Annotated[int, Query(ge=1, le=100_000, description="Page number, from 1.")] = 1,
    per_page: Annotated[
        int, Query(ge=1, le=200, description="Servers per page (at most 200).")
    ] = 50,
) -> AdminInstanceList:
    return await service.admin_list(
        session,
        status=status.value if status else None,
        provider_id=provider_id,
        organization_id=organization_id,
        page=page,
        per_page=per_page,
    )


@router.get("/{instance_id}", summary="One server, with its provider and owner")
async def get_instance(
    instance_id: Annotated[uuid.UUID, Path(description="The server id.")],
    _admin: AdminUser,
    session: SessionDep,
) -> AdminInstanceEnvelope:
    return AdminInstanceEnvelope(instance=await service.admin_get(session, instance_id))


@router.get("/{instance_id}/events", summary="One server's events")
async def instance_events(
    instance_id: Annotated[uuid.UUID, Path(description="The server id.")],
    _admin: AdminUser,
    session: SessionDep,
) -> EventList:
    return await service.admin_events(session, instance_id)
