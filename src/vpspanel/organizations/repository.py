"""Every query about organizations, memberships and invitations.

Scoping: an organization the caller is not a member of is *not found*, never forbidden.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import case, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from vpspanel.auth.models import User
from vpspanel.organizations.models import (
    Membership,
    MembershipRole,
    Organization,
    OrganizationInvitation,
)


class OrganizationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, organization: Organization) -> Organization:
        self.session.add(organization)
        await self.session.flush()
        return organization

    async def membership_of(
        self, user_id: uuid.UUID, organization_id: uuid.UUID, *, lock: bool = False
    ) -> tuple[Organization, Membership] | None:
        """The organization with the user's membership, or None if they are not a member.
        ``lock`` row-locks the organization first (PostgreSQL; SQLite write transactions are
        serialized already), so every change to its memberships happens one after the other
        and the last-owner count cannot race."""
        if lock:
            organization = await self.session.scalar(
                select(Organization).where(Organization.id == organization_id).with_for_update()
            )
            if organization is None:
                return None
        row = (
            await self.session.execute(
                select(Organization, Membership)
                .join(Membership, Membership.organization_id == Organization.id)
                .where(Organization.id == organization_id, Membership.user_id == user_id)
            )
        ).first()
        return (row[0], row[1]) if row else None

    async def get_membership(
        self, organization_id: uuid.UUID, user_id: uuid.UUID
    ) -> Membership | None:
        return await self.session.get(Membership, (user_id, organization_id))

    async def add_membership(self, membership: Membership) -> None:
        self.session.add(membership)
        await self.session.flush()

    async def delete_membership(self, membership: Membership) -> None:
        await self.session.execute(
            delete(Membership).where(
                Membership.organization_id == membership.organization_id,
                Membership.user_id == membership.user_id,
            )
        )

    async def count_owners(self, organization_id: uuid.UUID) -> int:
        count = await self.session.scalar(
            select(func.count())
            .select_from(Membership)
            .where(
                Membership.organization_id == organization_id,
                Membership.role == MembershipRole.OWNER,
            )
        )
        return int(count or 0)

    async def members(self, organization_id: uuid.UUID) -> list[tuple[Membership, User]]:
        owners_first = case((Membership.role == MembershipRole.OWNER, 0), else_=1)
        rows = await self.session.execute(
            select(Membership, User)
            .join(User, User.id == Membership.user_id)
            .where(Membership.organization_id == organization_id)
            .order_by(owners_first, User.name, User.id)
        )
        return [(membership, user) for membership, user in rows.all()]

    async def member_by_email(self, organization_id: uuid.UUID, email: str) -> User | None:
        return await self.session.scalar(
            select(User)
            .join(Membership, Membership.user_id == User.id)
            .where(Membership.organization_id == organization_id, User.email == email)
        )


class InvitationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, invitation: OrganizationInvitation) -> OrganizationInvitation:
        self.session.add(invitation)
        await self.session.flush()
        return invitation

    async def get_open(
        self, organization_id: uuid.UUID, invitation_id: uuid.UUID
    ) -> OrganizationInvitation | None:
        """Neither accepted nor revoked (expired ones included: they can be resent)."""
        return await self.session.scalar(
            select(OrganizationInvitation).where(
                OrganizationInvitation.id == invitation_id,
                OrganizationInvitation.organization_id == organization_id,
                OrganizationInvitation.accepted_at.is_(None),
                OrganizationInvitation.revoked_at.is_(None),
            )
        )

    async def open_for_email(
        self, organization_id: uuid.UUID, email: str
    ) -> list[OrganizationInvitation]:
        """The invitations to `email` that are neither accepted nor revoked (expired included)."""
        rows = await self.session.scalars(
            select(OrganizationInvitation).where(
                OrganizationInvitation.organization_id == organization_id,
                OrganizationInvitation.email == email,
                OrganizationInvitation.accepted_at.is_(None),
                OrganizationInvitation.revoked_at.is_(None),
            )
        )
        return list(rows)

    async def list_open(
        self, organization_id: uuid.UUID
    ) -> list[tuple[OrganizationInvitation, str | None]]:
        rows = await self.session.execute(
            select(OrganizationInvitation, User.name)
            .outerjoin(User, User.id == OrganizationInvitation.invited_by_id)
            .where(
                OrganizationInvitation.organization_id == organization_id,
                OrganizationInvitation.accepted_at.is_(None),
                OrganizationInvitation.revoked_at.is_(None),
            )
            .order_by(OrganizationInvitation.created_at.desc(), OrganizationInvitation.id)
        )
        return [(invitation, name) for invitation, name in rows.all()]

    async def get_pending_by_hash(
        self, token_hash: str, now: datetime
    ) -> tuple[OrganizationInvitation, Organization, str | None] | None:
        """A usable invitation (not accepted, not revoked, not expired) with its organization
        and the inviter's name."""
        row = (
            await self.session.execute(
                select(OrganizationInvitation, Organization, User.name)
                .join(Organization, Organization.id == OrganizationInvitation.organization_id)
                .outerjoin(User, User.id == OrganizationInvitation.invited_by_id)
                .where(
                    OrganizationInvitation.token_hash == token_hash,
                    OrganizationInvitation.accepted_at.is_(None),
                    OrganizationInvitation.revoked_at.is_(None),
                    OrganizationInvitation.expires_at > now,
                )
            )
        ).first()
        return (row[0], row[1], row[2]) if row else None

    async def claim(self, invitation_id: uuid.UUID, now: datetime) -> bool:
        """Mark a pending invitation accepted. False if someone else used (or
        revoked) it first: the conditional update makes concurrent accepts agree on one winner
        (on PostgreSQL the loser waits for the winner's row lock, then matches nothing)."""
        result = await self.session.execute(
            update(OrganizationInvitation)
            .where(
                OrganizationInvitation.id == invitation_id,
                OrganizationInvitation.accepted_at.is_(None),
                OrganizationInvitation.revoked_at.is_(None),
                OrganizationInvitation.expires_at > now,
            )
            .values(accepted_at=now)
            .execution_options(synchronize_session=False)
        )
        return bool(getattr(result, "rowcount", 0) == 1)
