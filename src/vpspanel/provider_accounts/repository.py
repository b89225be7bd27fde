"""Every query on provider accounts."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from vpspanel.instances.models import VpsInstance
from vpspanel.provider_accounts.models import ServiceProvider
from vpspanel.providers.types import InstanceStatus


class ProviderAccountRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def list_all(self) -> Sequence[ServiceProvider]:
        result = await self.session.scalars(
            select(ServiceProvider).order_by(ServiceProvider.created_at, ServiceProvider.id)
        )
        return result.all()

    async def get(
        self, provider_id: uuid.UUID, *, for_update: bool = False
    ) -> ServiceProvider | None:
        statement = select(ServiceProvider).where(ServiceProvider.id == provider_id)
        if for_update:
            statement = statement.with_for_update()
        found: ServiceProvider | None = await self.session.scalar(statement)
        return found

    async def list_active(self) -> Sequence[ServiceProvider]:
        result = await self.session.scalars(select(ServiceProvider).where(ServiceProvider.active))
        return result.all()

    async def list_all_locked(self) -> Sequence[ServiceProvider]:
        """Every account, each row locked until the transaction ends."""
        result = await self.session.scalars(select(ServiceProvider).with_for_update())
        return result.all()

    async def list_active_of_type(self, provider_type: str) -> Sequence[ServiceProvider]:
        result = await self.session.scalars(
            select(ServiceProvider)
            .where(ServiceProvider.type == provider_type, ServiceProvider.active.is_(True))
            .order_by(ServiceProvider.created_at, ServiceProvider.id)
        )
        return result.all()

    async def list_of_type(self, provider_type: str) -> Sequence[ServiceProvider]:
        result = await self.session.scalars(
            select(ServiceProvider).where(ServiceProvider.type == provider_type)
        )
        return result.all()

    def add(self, account: ServiceProvider) -> None:
        self.session.add(account)

    async def flush(self) -> None:
        await self.session.flush()

    async def delete(self, account: ServiceProvider) -> None:
        await self.session.delete(account)
        await self.session.flush()

    async def count_live_instances(self, provider_id: uuid.UUID) -> int:
        """Instances on this account that are not deleted yet."""
        count = await self.session.scalar(
            select(func.count())
            .select_from(VpsInstance)
            .where(
                VpsInstance.provider_id == provider_id,
                VpsInstance.status != InstanceStatus.DELETED,
            )
        )
        return int(count or 0)

    async def detach_deleted_instances(self, provider_id: uuid.UUID) -> None:
        """Deleted instances keep their history but stop pointing at an account being removed
        (the foreign key restricts deletion while anything points at it)."""
        await self.session.execute(
            update(VpsInstance)
            .where(
                VpsInstance.provider_id == provider_id,
                VpsInstance.status == InstanceStatus.DELETED,
            )
            .values(provider_id=None)
        )
