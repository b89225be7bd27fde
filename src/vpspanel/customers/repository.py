"""Every query of the admin customer pages: users and organizations with their counts."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import ColumnElement, SQLColumnExpression, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from vpspanel.auth.models import User
from vpspanel.instances.models import VpsInstance
from vpspanel.organizations.models import Membership, Organization

_LIVE = VpsInstance.deleted_at.is_(None)


def _contains(column: SQLColumnExpression[str], text: str) -> ColumnElement[bool]:
    # Case-insensitive on both databases; `%` and `_` in the search are literal.
    return func.lower(column).contains(text.lower(), autoescape=True)


class CustomerRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def users_page(
        self, *, search: str | None, page: int, per_page: int
    ) -> tuple[list[User], int]:
        """Users whose email or name contains `search`, newest first, and how many match."""
        where = [or_(_contains(User.email, search), _contains(User.name, search))] if search else []
        total = await self.session.scalar(select(func.count()).select_from(User).where(*where))
        rows = await self.session.scalars(
            select(User)
            .where(*where)
            .order_by(User.created_at.desc(), User.id)
            .offset((page - 1) * per_page)
            .limit(per_page)
        )
        return list(rows.all()), int(total or 0)

    async def get_user(self, user_id: uuid.UUID, *, for_update: bool = False) -> User | None:
        query = select(User).where(User.id == user_id)
        if for_update:
            query = query.with_for_update().execution_options(populate_existing=True)
        return (await self.session.scalars(query)).one_or_none()

    async def memberships_of(
        self, user_ids: Sequence[uuid.UUID]
    ) -> dict[uuid.UUID, list[tuple[Organization, str]]]:
        """user id -> [(organization, role)], oldest membership first."""
        found: dict[uuid.UUID, list[tuple[Organization, str]]] = {uid: [] for uid in user_ids}
        if not user_ids:
            return found
        rows = await self.session.execute(
            select(Membership.user_id, Organization, Membership.role)
            .join(Organization, Organization.id == Membership.organization_id)
            .where(Membership.user_id.in_(set(user_ids)))
            .order_by(Membership.created_at, Organization.id)
        )
        for user_id, organization, role in rows.all():
            found[user_id].append((organization, role))
        return found

    async def servers_by_user(self, user_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, int]:
        """user id -> live servers they deployed (users with none are absent)."""
        if not user_ids:
            return {}
        rows = await self.session.execute(
            select(VpsInstance.user_id, func.count())
            .where(VpsInstance.user_id.in_(set(user_ids)), _LIVE)
            .group_by(VpsInstance.user_id)
        )
        return {user_id: int(count) for user_id, count in rows.all() if user_id is not None}

    async def servers_by_organization(
        self, organization_ids: Sequence[uuid.UUID]
    ) -> dict[uuid.UUID, int]:
        """organization id -> live servers (organizations with none are absent)."""
        if not organization_ids:
            return {}
        rows = await self.session.execute(
            select(VpsInstance.organization_id, func.count())
            .where(VpsInstance.organization_id.in_(set(organization_ids)), _LIVE)
            .group_by(VpsInstance.organization_id)
        )
        return {organization_id: int(count) for organization_id, count in rows.all()}

    async def members_by_organization(
        self, organization_ids: Sequence[uuid.UUID]
    ) -> dict[uuid.UUID, int]:
        if not organization_ids:
            return {}
        rows = await self.session.execute(
            select(Membership.organization_id, func.count())
            .where(Membership.organization_id.in_(set(organization_ids)))
            .group_by(Membership.organization_id)
        )
        return {organization_id: int(count) for organization_id, count in rows.all()}

    async def organizations_page(
        self, *, search: str | None, page: int, per_page: int
    ) -> tuple[list[Organization], int]:
        """Organizations whose name contains `search`, newest first, and how many match."""
        where = [_contains(Organization.name, search)] if search else []
        total = await self.session.scalar(
            select(func.count()).select_from(Organization).where(*where)
        )
        rows = await self.session.scalars(
            select(Organization)
            .where(*where)
            .order_by(Organization.created_at.desc(), Organization.id)
            .offset((page - 1) * per_page)
            .limit(per_page)
        )
        return list(rows.all()), int(total or 0)

    async def get_organization(self, organization_id: uuid.UUID) -> Organization | None:
        return (
            await self.session.scalars(
                select(Organization)
                .where(Organization.id == organization_id)
                .with_for_update()
                .execution_options(populate_existing=True)
            )
        ).one_or_none()

    async def server_limit_locked(self, organization_id: uuid.UUID) -> int | None:
        """The organization's `server_limit` (None: no limit, or no such organization), its
        row locked FOR NO KEY UPDATE on PostgreSQL until the transaction ends: deploys and
        limit changes queue on it, while inserts that only reference the organization (its
        servers' foreign keys) are not held up."""
        limit: int | None = await self.session.scalar(
            select(Organization.server_limit)
            .where(Organization.id == organization_id)
            .with_for_update(key_share=True)
        )
        return limit

    async def count_live_servers(self, organization_id: uuid.UUID) -> int:
        """How many of the organization's servers are not deleted."""
        count = await self.session.scalar(
            select(func.count())
            .select_from(VpsInstance)
            .where(VpsInstance.organization_id == organization_id, _LIVE)
        )
        return int(count or 0)
