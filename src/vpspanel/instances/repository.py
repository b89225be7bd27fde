"""Every query on instances and their events. Tenant scoping lives here: an instance of
another organization is simply not found."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from vpspanel.auth.models import User
from vpspanel.catalog.models import VpsPlan
from vpspanel.db.engine import skip_locked_rows
from vpspanel.instances.models import InstanceEvent, VpsInstance
from vpspanel.operations.models import Operation
from vpspanel.organizations.models import Organization
from vpspanel.provider_accounts.models import ServiceProvider
from vpspanel.providers.types import InstanceStatus


class InstanceSummary(NamedTuple):
    """What a customer's answer shows of a server (its page, or a line of the list): the columns
    it reads, with its plan's name and its account's type (None once the plan or the account is
    gone). Read as plain columns, not as a mapped `VpsInstance`, to spare the ORM's bookkeeping;
    of the configuration only the region's name and public id (the database extracts them: no
    JSON parsed)."""

    id: uuid.UUID
    label: str
    status: str
    ip_address: str | None
    ipv6: str | None
    region: str
    region_label: str | None
    public_region: str | None
    plan_id: uuid.UUID | None
    image: str
    progress: int | None
    error: str | None
    created_at: datetime
    updated_at: datetime
    plan_name: str | None
    provider_type: str | None


_instances = VpsInstance.__table__
_plans = VpsPlan.__table__
_accounts = ServiceProvider.__table__
_LIVE_IN_ORGANIZATION = (
    _instances.c.organization_id == bindparam("organization_id"),
    _instances.c.deleted_at.is_(None),
)
# The customer's page, built once (its cache key and compiled SQL are then computed once, not
# per request) from table columns (executed on the connection, without the ORM's loading).
_PAGE_COLUMNS = (
    _instances.c.id,
    _instances.c.label,
    _instances.c.status,
    _instances.c.ip_address,
    _instances.c.ipv6,
    _instances.c.region,
    _instances.c.configuration["region_label"].as_string(),
    _instances.c.configuration["public_region"].as_string(),
    _instances.c.plan_id,
    _instances.c.image,
    _instances.c.progress,
    _instances.c.error,
    _instances.c.created_at,
    _instances.c.updated_at,
    _plans.c.name,
    _accounts.c.type,
)
_SHOWN_JOINS = _instances.outerjoin(_plans, _plans.c.id == _instances.c.plan_id).outerjoin(
    _accounts, _accounts.c.id == _instances.c.provider_id
)
# Kept equal to the count of the organization's live servers by triggers (migration 0019):
# counting them on every poll of the list cost more than the rest of the page.
_LIVE_TOTAL = select(Organization.__table__.c.live_server_count).where(
    Organization.__table__.c.id == bindparam("organization_id")
)
_PAGE = (
    select(*_PAGE_COLUMNS, _LIVE_TOTAL.scalar_subquery())
    .select_from(_SHOWN_JOINS)
    .where(*_LIVE_IN_ORGANIZATION)
    .order_by(_instances.c.created_at.desc(), _instances.c.id)
    .offset(bindparam("offset"))
    .limit(bindparam("limit"))
)

# One server as its customer reads it, deleted or not, asked on every poll of a server's page.
_ONE_SHOWN = (
    select(*_PAGE_COLUMNS)
    .select_from(_SHOWN_JOINS)
    .where(
        _instances.c.id == bindparam("instance_id"),
        _instances.c.organization_id == bindparam("organization_id"),
    )
)


@dataclass(frozen=True)
class AdminRow:
    instance: VpsInstance
    plan_name: str | None
    provider_type: str | None
    organization: Organization
    user: User | None


class InstanceRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get_readable(
        self, organization_id: uuid.UUID, instance_id: uuid.UUID, *, for_update: bool = False
    ) -> VpsInstance | None:
        query = select(VpsInstance).where(
            VpsInstance.id == instance_id, VpsInstance.organization_id == organization_id
        )
        if for_update:
            # Re-read the row under the lock even if this session already holds it.
            query = query.with_for_update().execution_options(populate_existing=True)
        return (await self.session.scalars(query)).one_or_none()

    async def get(self, instance_id: uuid.UUID, *, for_update: bool = False) -> VpsInstance | None:
        query = select(VpsInstance).where(VpsInstance.id == instance_id)
        if for_update:
            # Re-read the row under the lock even if this session already holds it.
            query = query.with_for_update().execution_options(populate_existing=True)
        return (await self.session.scalars(query)).one_or_none()

    async def live_of_account(self, account_id: uuid.UUID) -> list[tuple[VpsInstance, str | None]]:
        """Every instance of the provider account not yet deleted, each with its plan's
        provider plan id (None without a plan): one statement (the sweep)."""
        rows = await self.session.execute(
            select(VpsInstance, VpsPlan.provider_plan_id)
            .outerjoin(VpsPlan, VpsPlan.id == VpsInstance.plan_id)
            .where(
                VpsInstance.provider_id == account_id,
                VpsInstance.deleted_at.is_(None),
                VpsInstance.status != InstanceStatus.DELETED,
            )
        )
        return [(instance, provider_plan_id) for instance, provider_plan_id in rows.all()]

    async def live_of_account_servers(
        self,
        account_id: uuid.UUID,
        provider_instance_ids: Sequence[str],
        *,
        for_update: bool = False,
    ) -> list[VpsInstance]:
        """The account's instances (not deleted) bound to these provider servers: one
        statement (a change feed's re-read); with `for_update`, locked and re-read."""
        if not provider_instance_ids:
            return []
        query = select(VpsInstance).where(
            VpsInstance.provider_id == account_id,
            VpsInstance.provider_instance_id.in_(set(provider_instance_ids)),
            VpsInstance.deleted_at.is_(None),
            VpsInstance.status != InstanceStatus.DELETED,
        )
        if for_update:
            query = query.with_for_update().execution_options(populate_existing=True)
        return list((await self.session.scalars(query)).all())

    async def get_many(self, instance_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, VpsInstance]:
        """These instances by id (unknown ids are absent), unlocked: one statement."""
        rows = await self.session.scalars(
            select(VpsInstance).where(VpsInstance.id.in_(list(instance_ids)))
        )
        return {instance.id: instance for instance in rows.all()}

    async def get_many_skip_locked(
        self, instance_ids: Collection[uuid.UUID]
    ) -> dict[uuid.UUID, VpsInstance]:
        """These instances by id, locked until the transaction ends; on PostgreSQL rows
        another transaction holds are passed over (absent, like unknown ids): one statement."""
        query = select(VpsInstance).where(VpsInstance.id.in_(list(instance_ids)))
        rows = await self.session.scalars(skip_locked_rows(query, self.session, of=VpsInstance))
        return {instance.id: instance for instance in rows.all()}

    async def lock_many(self, instance_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, VpsInstance]:
        """These instances, each row locked until the transaction ends and re-read under the
        lock: one statement."""
        if not instance_ids:
            return {}
        rows = await self.session.scalars(
            select(VpsInstance)
            .where(VpsInstance.id.in_(set(instance_ids)))
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        return {instance.id: instance for instance in rows.all()}

    async def plans_of_account(self, account_id: uuid.UUID) -> dict[str, tuple[uuid.UUID, str]]:
        """The account's plans: provider plan id -> (our plan id, its name)."""
        rows = await self.session.execute(
            select(VpsPlan.provider_plan_id, VpsPlan.id, VpsPlan.name).where(
                VpsPlan.provider_id == account_id
            )
        )
        return {provider_plan_id: (plan_id, name) for provider_plan_id, plan_id, name in rows}

    async def add(self, instance: VpsInstance) -> None:
        """Insert a new instance (flushed: its operation and event refer to it)."""
        self.session.add(instance)
        await self.session.flush()

    async def get_readable_summary(
        self, organization_id: uuid.UUID, instance_id: uuid.UUID
    ) -> InstanceSummary | None:
        """The organization's instance (deleted or not) as its customer's answer shows it, in
        one statement."""
        connection = await self.session.connection()
        row = (
            await connection.execute(
                _ONE_SHOWN, {"instance_id": instance_id, "organization_id": organization_id}
            )
        ).one_or_none()
        return InstanceSummary._make(row) if row is not None else None

    async def page_for_organization(
        self, organization_id: uuid.UUID, *, page: int, per_page: int
    ) -> tuple[list[InstanceSummary], int]:
        """One page of the organization's servers (not deleted), newest first, and how many
        there are (the organization's `live_server_count`), in one statement (the total rides
        along as a scalar subquery); a second reads the total only when a page past the end is
        empty."""
        connection = await self.session.connection()
        rows = (
            await connection.execute(
                _PAGE,
                {
                    "organization_id": organization_id,
                    "offset": (page - 1) * per_page,
                    "limit": per_page,
                },
            )
        ).all()
        if rows:
            return [InstanceSummary._make(row[:-1]) for row in rows], int(rows[0][-1])
        if page == 1:
            return [], 0
        counted = await connection.scalar(_LIVE_TOTAL, {"organization_id": organization_id})
        return [], int(counted or 0)

    async def plan_names(self, plan_ids: Sequence[uuid.UUID | None]) -> dict[uuid.UUID, str]:
        wanted = {plan_id for plan_id in plan_ids if plan_id is not None}
        if not wanted:
            return {}
        rows = await self.session.execute(
            select(VpsPlan.id, VpsPlan.name).where(VpsPlan.id.in_(wanted))
        )
        return {plan_id: name for plan_id, name in rows.all()}

    async def latest_operations(
        self, instance_ids: Sequence[uuid.UUID]
    ) -> dict[uuid.UUID, Operation]:
        """instance id -> its most recent operation."""
        if not instance_ids:
            return {}
        rows = await self.session.scalars(
            select(Operation)
            .where(Operation.instance_id.in_(set(instance_ids)))
            .order_by(Operation.created_at, Operation.id)
        )
        return {operation.instance_id: operation for operation in rows.all()}

    async def count_by_status(self) -> dict[str, int]:
        """status -> how many instances have it (every organization): one grouped query."""
        rows = await self.session.execute(
            select(VpsInstance.status, func.count()).group_by(VpsInstance.status)
        )
        return {status: count for status, count in rows.all()}

    async def provider_types(
        self, provider_ids: Sequence[uuid.UUID | None]
    ) -> dict[uuid.UUID, str]:
        """provider account id -> its type (`linode`, `digitalocean`)."""
        wanted = {provider_id for provider_id in provider_ids if provider_id is not None}
        if not wanted:
            return {}
        rows = await self.session.execute(
            select(ServiceProvider.id, ServiceProvider.type).where(ServiceProvider.id.in_(wanted))
        )
        return {provider_id: provider_type for provider_id, provider_type in rows.all()}

    def add_event(
        self,
        instance: VpsInstance,
        *,
        type: str,
        status: str,
        message: str,
        operation_id: uuid.UUID | None = None,
    ) -> InstanceEvent:
        event = InstanceEvent(
            id=uuid.uuid4(),
            instance_id=instance.id,
            operation_id=operation_id,
            type=type,
            status=status,
            message=message,
            created_at=instance.updated_at,
        )
        self.session.add(event)
        return event

    async def operation_event(self, operation_id: uuid.UUID) -> InstanceEvent | None:
        return (
            await self.session.scalars(
                select(InstanceEvent)
                .where(InstanceEvent.operation_id == operation_id)
                .order_by(InstanceEvent.created_at)
                .limit(1)
            )
        ).one_or_none()

    async def operation_events(
        self, operation_ids: Collection[uuid.UUID]
    ) -> dict[uuid.UUID, InstanceEvent]:
        """The first event of each of these operations (those without one are absent):
        one statement."""
        if not operation_ids:
            return {}
        rows = await self.session.scalars(
            select(InstanceEvent)
            .where(InstanceEvent.operation_id.in_(list(operation_ids)))
            .order_by(InstanceEvent.created_at)
        )
        first: dict[uuid.UUID, InstanceEvent] = {}
        for event in rows.all():
            if event.operation_id is not None:
                first.setdefault(event.operation_id, event)
        return first

    async def events(self, instance_id: uuid.UUID) -> list[InstanceEvent]:
        rows = await self.session.scalars(
            select(InstanceEvent)
            .where(InstanceEvent.instance_id == instance_id)
            .order_by(InstanceEvent.created_at, InstanceEvent.id)
        )
        return list(rows.all())

    async def admin_page(
        self,
        *,
        status: str | None,
        provider_id: uuid.UUID | None,
        organization_id: uuid.UUID | None,
        page: int,
        per_page: int,
    ) -> tuple[list[AdminRow], int]:
        """One page of every organization's servers, newest first, and how many match."""
        filters = []
        if status is not None:
            filters.append(VpsInstance.status == status)
        if provider_id is not None:
            filters.append(VpsInstance.provider_id == provider_id)
        if organization_id is not None:
            filters.append(VpsInstance.organization_id == organization_id)
        total = await self.session.scalar(
            select(func.count()).select_from(VpsInstance).where(*filters)
        )
        query = (
            self._admin_query()
            .where(*filters)
            .order_by(VpsInstance.created_at.desc(), VpsInstance.id)
            .offset((page - 1) * per_page)
            .limit(per_page)
        )
        rows = (await self.session.execute(query)).all()
        found = [AdminRow(*row) for row in rows]
        return found, int(total or 0)

    async def admin_row(self, instance_id: uuid.UUID) -> AdminRow | None:
        row = (
            await self.session.execute(self._admin_query().where(VpsInstance.id == instance_id))
        ).one_or_none()
        if row is None:
            return None
        instance, plan_name, provider_type, organization, user = row
        return AdminRow(instance, plan_name, provider_type, organization, user)

    @staticmethod
    def _admin_query() -> Select[VpsInstance, str, str, Organization, User]:
        return (
            select(VpsInstance, VpsPlan.name, ServiceProvider.type, Organization, User)
            .join(Organization, Organization.id == VpsInstance.organization_id)
            .outerjoin(User, User.id == VpsInstance.user_id)
            .outerjoin(VpsPlan, VpsPlan.id == VpsInstance.plan_id)
            .outerjoin(ServiceProvider, ServiceProvider.id == VpsInstance.provider_id)
        )
