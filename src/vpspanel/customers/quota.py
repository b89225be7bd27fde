"""An organization's server limit, enforced when a server is deployed."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from vpspanel.customers.repository import CustomerRepository
from vpspanel.errors import ValidationFailed


async def check_room_for_one_more(session: AsyncSession, organization_id: uuid.UUID) -> None:
    """Raises ValidationFailed (422 `quota_exceeded`) when one more server would take the
    organization beyond its `server_limit`.

    Call it in the transaction that then adds the server. The organization's row is locked
    first (FOR NO KEY UPDATE on PostgreSQL; SQLite's write transactions are serialised by BEGIN
    IMMEDIATE), so two deploys racing for the last slot count one after the other and only
    one of them passes."""
    customers = CustomerRepository(session)
    limit = await customers.server_limit_locked(organization_id)
    if limit is None:
        return
    count = await customers.count_live_servers(organization_id)
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
