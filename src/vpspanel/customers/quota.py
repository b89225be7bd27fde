"""An organization's server limit, enforced when a server is deployed."""

from __future__ import annotations

import uuid

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from vpspanel.errors import ValidationFailed
from vpspanel.instances.models import VpsInstance
from vpspanel.organizations.models import Organization


def live_servers(organization_id: uuid.UUID) -> Select[int]:
    """A query counting an organization's servers that are not deleted."""
    return (
        select(func.count())
        .select_from(VpsInstance)
        .where(VpsInstance.organization_id == organization_id, VpsInstance.deleted_at.is_(None))
    )


async def check_room_for_one_more(session: AsyncSession, organization_id: uuid.UUID) -> None:
    """Raises ValidationFailed (422 `quota_exceeded`) when one more server would take the
    organization beyond its `server_limit`.

    Call it in the transaction that then adds the server. The organization's row is locked
    first (FOR NO KEY UPDATE on PostgreSQL; SQLite's write transactions are serialised by BEGIN
    IMMEDIATE), so two deploys racing for the last slot count one after the other and only
    one of them passes."""
    limit = await session.scalar(
        select(Organization.server_limit)
        .where(Organization.id == organization_id)
        # FOR NO KEY UPDATE: deploys (and limit changes) queue on it, while inserts that only
        # reference the organization (its servers' foreign keys) are not held up.
        .with_for_update(key_share=True)
    )
    if limit is None:
        return
    count = int(await session.scalar(live_servers(organization_id)) or 0)
    if limit == 0:
        raise ValidationFailed(
            "This organization may not have servers (its limit is 0). Ask the provider of this "
            "panel to raise the limit.",
            code="quota_exceeded",
        )
    if count + 1 > limit:
        noun = "server" if limit == 1 else "servers"
        raise ValidationFailed(
            f"This organization may have at most {limit} {noun} and has {count}. Delete a "
            "server or ask the provider of this panel to raise the limit.",
            code="quota_exceeded",
        )
