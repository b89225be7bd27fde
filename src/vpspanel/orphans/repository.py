"""Every query on orphan servers, and the one read of instance rows the sweep's orphan pass
makes. Only `models` modules of other packages are imported: the worker's sweep calls this
package, and the instances package imports the worker."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from typing import NamedTuple

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from vpspanel.instances.models import InstanceEvent, VpsInstance
from vpspanel.operations.models import Operation
from vpspanel.orphans.models import AWAITING_DECISION, PRESENT_STATES, OrphanServer, OrphanState
from vpspanel.provider_accounts.models import ServiceProvider


class ClaimedBy(NamedTuple):
    """An instance row named by a tag, with its create operation (None if it has none)."""

    instance: VpsInstance
    create: Operation | None


class OrphanRow(NamedTuple):
    orphan: OrphanServer
    account_name: str


class OrphanRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def instances_named(
        self, instance_ids: Collection[uuid.UUID]
    ) -> dict[uuid.UUID, ClaimedBy]:
        """The instance rows these ids name, each with its latest create operation: one query,
        whatever the number of ids."""
        if not instance_ids:
            return {}
        rows = await self.session.execute(
            select(VpsInstance, Operation)
            .outerjoin(
                Operation,
                (Operation.instance_id == VpsInstance.id) & (Operation.type == "create"),
            )
            .where(VpsInstance.id.in_(set(instance_ids)))
        )
        found: dict[uuid.UUID, ClaimedBy] = {}
        for instance, create in rows:
            known = found.get(instance.id)
            if known is None or (
                create is not None
                and (known.create is None or create.created_at > known.create.created_at)
            ):
                found[instance.id] = ClaimedBy(instance, create)
        return found

    async def lock_instance(self, instance_id: uuid.UUID) -> VpsInstance | None:
        """The instance row, locked and read afresh (the listing is older than our records)."""
        query = (
            select(VpsInstance)
            .where(VpsInstance.id == instance_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        return (await self.session.scalars(query)).one_or_none()

    def add_event(self, instance: VpsInstance, *, type: str, message: str) -> InstanceEvent:
        event = InstanceEvent(
            id=uuid.uuid4(),
            instance_id=instance.id,
            type=type,
            status="succeeded",
            message=message,
            created_at=instance.updated_at,
            finished_at=instance.updated_at,
        )
        self.session.add(event)
        return event

    async def of_account(
        self, account_id: uuid.UUID, server_ids: Collection[str]
    ) -> dict[str, OrphanServer]:
        """The account's orphans still at the provider as far as we know, and any row (in
        whatever state) of these provider server ids; keyed by provider server id."""
        present = OrphanServer.state.in_([state.value for state in PRESENT_STATES])
        condition = (
            or_(present, OrphanServer.provider_server_id.in_(set(server_ids)))
            if server_ids
            else present
        )
        rows = await self.session.scalars(
            select(OrphanServer).where(OrphanServer.provider_account_id == account_id, condition)
        )
        return {row.provider_server_id: row for row in rows.all()}

    async def count_open(self) -> int:
        """Orphans waiting for an admin's decision, over every account."""
        query = select(func.count()).where(OrphanServer.state == OrphanState.OPEN.value)
        return int(await self.session.scalar(query) or 0)

    def add(self, orphan: OrphanServer) -> OrphanServer:
        self.session.add(orphan)
        return orphan

    async def page(
        self, *, state: OrphanState | None, page: int, per_page: int
    ) -> tuple[list[OrphanRow], int]:
        """Newest first (by when the sweep first saw them); `state` None means those waiting
        for an admin (`AWAITING_DECISION`)."""
        states = [state.value] if state is not None else [s.value for s in AWAITING_DECISION]
        query = (
            select(OrphanServer, ServiceProvider.name)
            .join(ServiceProvider, ServiceProvider.id == OrphanServer.provider_account_id)
            .where(OrphanServer.state.in_(states))
        )
        count = select(func.count()).select_from(OrphanServer).where(OrphanServer.state.in_(states))
        rows = await self.session.execute(
            query.order_by(OrphanServer.first_seen_at.desc(), OrphanServer.id)
            .limit(per_page)
            .offset((page - 1) * per_page)
        )
        total = int(await self.session.scalar(count) or 0)
        return [OrphanRow(orphan, name) for orphan, name in rows], total

    async def get(self, orphan_id: uuid.UUID, *, for_update: bool = False) -> OrphanRow | None:
        query = (
            select(OrphanServer, ServiceProvider.name)
            .join(ServiceProvider, ServiceProvider.id == OrphanServer.provider_account_id)
            .where(OrphanServer.id == orphan_id)
        )
        if for_update:
            query = query.with_for_update(of=OrphanServer).execution_options(populate_existing=True)
        row = (await self.session.execute(query)).one_or_none()
        return OrphanRow(row[0], row[1]) if row is not None else None

    async def account(self, account_id: uuid.UUID) -> ServiceProvider | None:
        return await self.session.get(ServiceProvider, account_id)
