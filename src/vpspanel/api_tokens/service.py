"""Personal API tokens: random, shown once, stored as a SHA-256 hash, each pinned to one of
its user's organizations. No commits here: the request owns the transaction."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from vpspanel.api_tokens.models import ApiToken
from vpspanel.api_tokens.schemas import ApiTokenCreated, ApiTokenIn, ApiTokenList, ApiTokenOut
from vpspanel.auth.api_token_repository import ApiTokenRepository
from vpspanel.auth.models import User, UserRole
from vpspanel.auth.repository import UserRepository
from vpspanel.errors import FieldError, NotFound, ValidationFailed
from vpspanel.organizations.models import Organization
from vpspanel.security.tokens import API_TOKEN_PREFIX, hash_token, new_token

SHOWN_PREFIX_LENGTH = len(API_TOKEN_PREFIX) + 8


def token_out(token: ApiToken, organization: Organization) -> ApiTokenOut:
    return ApiTokenOut(
        id=token.id,
        name=token.name,
        organization_id=organization.id,
        organization_name=organization.name,
        prefix=token.prefix,
        admin=token.admin,
        created_at=token.created_at,
        expires_at=token.expires_at,
        last_used_at=token.last_used_at,
    )


async def list_of(session: AsyncSession, user: User) -> ApiTokenList:
    rows = await ApiTokenRepository(session).list_of(user.id)
    return ApiTokenList(api_tokens=[token_out(token, org) for token, org in rows])


async def create(
    session: AsyncSession, user: User, body: ApiTokenIn, now: datetime
) -> ApiTokenCreated:
    """Raises ValidationFailed (422) naming `organization_id` (not one of the user's),
    `expires_at` (not in the future) or `admin` (the user is not an administrator)."""
    memberships = await UserRepository(session).organizations_of(user.id)
    problems: list[FieldError] = []
    organization: Organization | None = None
    if body.organization_id is None:
        organization = memberships[0][0] if memberships else None
    else:
        organization = next((org for org, _ in memberships if org.id == body.organization_id), None)
    if organization is None:
        problems.append(
            FieldError(field="organization_id", message="Choose one of your organizations.")
        )
    if body.expires_at is not None and body.expires_at <= now:
        problems.append(FieldError(field="expires_at", message="Choose a time in the future."))
    if body.admin and user.role != UserRole.ADMIN:
        problems.append(
            FieldError(field="admin", message="Only administrators can create admin tokens.")
        )
    if problems or organization is None:
        names = ", ".join(problem.field for problem in problems)
        raise ValidationFailed(f"Invalid fields: {names}.", fields=problems)
    raw = API_TOKEN_PREFIX + new_token()
    token = await ApiTokenRepository(session).add(
        ApiToken(
            user_id=user.id,
            organization_id=organization.id,
            name=body.name,
            token_hash=hash_token(raw),
            prefix=raw[:SHOWN_PREFIX_LENGTH],
            admin=body.admin,
            created_at=now,
            expires_at=body.expires_at,
        )
    )
    return ApiTokenCreated(api_token=token_out(token, organization), token=raw)


async def revoke(session: AsyncSession, user: User, token_id: uuid.UUID) -> None:
    """Deletes the token: it stops working at once (401). Another user's token is not found."""
    if not await ApiTokenRepository(session).delete_of(user.id, token_id):
        raise NotFound("API token not found.")
