"""/api/admin/orphans: servers at the provider carrying our tag that no instance owns
(admins only)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Query

from vpspanel.auth.deps import AdminUser
from vpspanel.deps import SessionDep, StateDep
from vpspanel.errors import ERROR_RESPONSES
from vpspanel.orphans import service
from vpspanel.orphans.models import OrphanState
from vpspanel.orphans.schemas import OrphanEnvelope, OrphanList

router = APIRouter(prefix="/api/admin/orphans", tags=["admin"], responses={**ERROR_RESPONSES})

OrphanId = Annotated[uuid.UUID, Path(description="The orphan's id (from the list).")]


@router.get("", summary="Servers at the provider without an owner")
async def list_orphans(
    _admin: AdminUser,
    session: SessionDep,
    state: Annotated[
        OrphanState | None,
        Query(
            description="Only orphans in this state; when absent, those waiting for an admin: "
            "`open`, and `deleting` (a delete whose outcome is not known yet)."
        ),
    ] = None,
    page: Annotated[int, Query(ge=1, le=100_000, description="Page number, from 1.")] = 1,
    per_page: Annotated[
        int, Query(ge=1, le=200, description="Orphans per page (at most 200).")
    ] = 50,
) -> OrphanList:
    return await service.list_page(session, state=state, page=page, per_page=per_page)


@router.post("/{orphan_id}/delete", summary="Delete an orphan server at the provider")
async def delete_orphan(orphan_id: OrphanId, admin: AdminUser, state: StateDep) -> OrphanEnvelope:
    return OrphanEnvelope(orphan=await service.delete(state, admin, orphan_id))


@router.post("/{orphan_id}/ignore", summary="Hide an orphan server from the open list")
async def ignore_orphan(orphan_id: OrphanId, admin: AdminUser, state: StateDep) -> OrphanEnvelope:
    return OrphanEnvelope(orphan=await service.ignore(state, admin, orphan_id))


@router.post("/{orphan_id}/unignore", summary="Put an ignored orphan server back on the open list")
async def unignore_orphan(orphan_id: OrphanId, admin: AdminUser, state: StateDep) -> OrphanEnvelope:
    return OrphanEnvelope(orphan=await service.unignore(state, admin, orphan_id))
