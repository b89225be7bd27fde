from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import bindparam, delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from vpspanel.api_tokens.models import ApiToken
from vpspanel.auth.models import User
from vpspanel.organizations.models import Membership, Organization

# Asked on every request made with an API token: built once, so that its construction and
# cache key are not paid per request.
_ACTIVE_TOKEN_BY_HASH = (
    select(ApiToken, User)
    .join(User, User.id == ApiToken.user_id)
    .join(
        Membership,
        (Membership.user_id == ApiToken.user_id)
        & (Membership.organization_id == ApiToken.organization_id),
    )
    .where(
        ApiToken.token_hash == bindparam("token_hash"),
        or_(ApiToken.expires_at.is_(None), ApiToken.expires_at > bindparam("now")),
    )
)


class ApiTokenRepository:
    """A user's tokens are their own: another user's token is not found."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, token: ApiToken) -> ApiToken:
        self.session.add(token)
        await self.session.flush()
        return token

    async def list_of(self, user_id: uuid.UUID) -> list[tuple[ApiToken, Organization]]:
        rows = await self.session.execute(
            select(ApiToken, Organization)
            .join(Organization, Organization.id == ApiToken.organization_id)
            .where(ApiToken.user_id == user_id)
            .order_by(ApiToken.created_at, ApiToken.id)
        )
        return [(token, organization) for token, organization in rows.all()]

    async def delete_of(self, user_id: uuid.UUID, token_id: uuid.UUID) -> bool:
        result = await self.session.execute(
            delete(ApiToken).where(ApiToken.user_id == user_id, ApiToken.id == token_id)
        )
        return bool(getattr(result, "rowcount", 0))

    async def delete_all_of(self, user_id: uuid.UUID) -> None:
        """Revoke every token of a user (password reset, suspension)."""
        await self.session.execute(delete(ApiToken).where(ApiToken.user_id == user_id))

    async def delete_for_organization(self, user_id: uuid.UUID, organization_id: uuid.UUID) -> None:
        """Revoke a user's tokens for one organization (they left it or were removed)."""
        await self.session.execute(
            delete(ApiToken).where(
                ApiToken.user_id == user_id, ApiToken.organization_id == organization_id
            )
        )

    async def get_active_by_hash(
        self, token_hash: str, now: datetime
    ) -> tuple[ApiToken, User] | None:
        """The token and its user while the token is unexpired and the user still a member of
        the token's organization, whether or not the user is active (the caller refuses a
        suspended user with its own message)."""
        row = (
            await self.session.execute(
                _ACTIVE_TOKEN_BY_HASH, {"token_hash": token_hash, "now": now}
            )
        ).first()
        return (row[0], row[1]) if row else None

    async def touch(self, token_id: uuid.UUID, now: datetime, every: timedelta) -> None:
        """Record a use, unless one was recorded less than `every` ago (by any process)."""
        await self.session.execute(
            update(ApiToken)
            .where(
                ApiToken.id == token_id,
                or_(ApiToken.last_used_at.is_(None), ApiToken.last_used_at <= now - every),
            )
            .values(last_used_at=now)
        )
