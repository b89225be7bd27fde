from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, case, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from vpspanel.auth.models import (
    AuthSession,
    ExternalIdentity,
    IdentityProvider,
    PasswordResetToken,
    RateLimitCounter,
    User,
)
from vpspanel.db.engine import upsert
from vpspanel.organizations.models import Membership, Organization

# Asked on every signed-in request: built once, so that its construction and cache key are not
# paid per request.
_ACTIVE_SESSION_BY_HASH = (
    select(AuthSession, User, Organization, Membership.role)
    .join(User, User.id == AuthSession.user_id)
    .outerjoin(Membership, Membership.user_id == User.id)
    .outerjoin(Organization, Organization.id == Membership.organization_id)
    .where(
        AuthSession.token_hash == bindparam("token_hash"),
        AuthSession.revoked_at.is_(None),
        AuthSession.expires_at > bindparam("now"),
    )
    .order_by(Membership.created_at, Organization.id)
)


@dataclass(frozen=True)
class ActiveSession:
    session: AuthSession
    user: User
    organizations: list[tuple[Organization, str]]


class UserRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get_by_email(self, email: str) -> User | None:
        """`email` as stored: normalized with `input_rules.normalize_email`."""
        return await self.session.scalar(select(User).where(User.email == email))

    async def get(self, user_id: uuid.UUID) -> User | None:
        return await self.session.get(User, user_id)

    async def count_all(self) -> int:
        """How many users there are, active or not."""
        return int(await self.session.scalar(select(func.count()).select_from(User)) or 0)

    async def add(self, user: User) -> User:
        self.session.add(user)
        await self.session.flush()
        return user

    async def organizations_of(self, user_id: uuid.UUID) -> list[tuple[Organization, str]]:
        rows = await self.session.execute(
            select(Organization, Membership.role)
            .join(Membership, Membership.organization_id == Organization.id)
            .where(Membership.user_id == user_id)
            .order_by(Membership.created_at, Organization.id)
        )
        return [(org, role) for org, role in rows.all()]


class SessionRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, auth_session: AuthSession) -> None:
        self.session.add(auth_session)
        await self.session.flush()

    async def get(self, session_id: uuid.UUID) -> AuthSession | None:
        """The session with this id, revoked or expired or not."""
        return await self.session.get(AuthSession, session_id)

    async def get_active_by_hash(self, token_hash: str, now: datetime) -> ActiveSession | None:
        """The unrevoked, unexpired session, its user (whether or not active: the caller refuses
        a suspended user with its own message) and the user's organizations with their roles,
        oldest membership first, as `UserRepository.organizations_of` lists them: one
        statement, a row per membership."""
        rows = (
            await self.session.execute(
                _ACTIVE_SESSION_BY_HASH, {"token_hash": token_hash, "now": now}
            )
        ).all()
        if not rows:
            return None
        organizations = [
            (organization, role) for _, _, organization, role in rows if organization is not None
        ]
        return ActiveSession(rows[0][0], rows[0][1], organizations)

    async def touch(self, session_id: uuid.UUID, now: datetime, interval: timedelta) -> None:
        """Record a use at `now` unless one was recorded within `interval` (conditional, so
        concurrent requests write it once)."""
        await self.session.execute(
            update(AuthSession)
            .where(
                AuthSession.id == session_id,
                or_(AuthSession.last_used_at.is_(None), AuthSession.last_used_at <= now - interval),
            )
            .values(last_used_at=now)
        )

    async def revoke_all_of(self, user_id: uuid.UUID, now: datetime) -> None:
        await self.session.execute(
            update(AuthSession)
            .where(AuthSession.user_id == user_id, AuthSession.revoked_at.is_(None))
            .values(revoked_at=now)
        )

    async def revoke_all_of_except(
        self, user_id: uuid.UUID, kept_session_id: uuid.UUID, now: datetime
    ) -> None:
        """Revoke at `now` every unrevoked session of the user but `kept_session_id`."""
        await self.session.execute(
            update(AuthSession)
            .where(
                AuthSession.user_id == user_id,
                AuthSession.id != kept_session_id,
                AuthSession.revoked_at.is_(None),
            )
            .values(revoked_at=now)
        )

    async def list_active_of(self, user_id: uuid.UUID, now: datetime) -> list[AuthSession]:
        """The user's unrevoked sessions not expired at `now`, newest first."""
        rows = await self.session.scalars(
            select(AuthSession)
            .where(
                AuthSession.user_id == user_id,
                AuthSession.revoked_at.is_(None),
                AuthSession.expires_at > now,
            )
            .order_by(AuthSession.created_at.desc(), AuthSession.id)
        )
        return list(rows)


class PasswordResetTokenRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def delete_unused_of(self, user_id: uuid.UUID | None) -> None:
        """Delete the user's unused reset tokens. `None` matches no token but still runs the
        statement, so that an unknown address costs the same queries as a known one."""
        await self.session.execute(
            delete(PasswordResetToken).where(
                PasswordResetToken.user_id == user_id, PasswordResetToken.used_at.is_(None)
            )
        )

    async def get_usable_locked(
        self, token_hash: str, now: datetime
    ) -> tuple[PasswordResetToken, User] | None:
        """The unused token with `token_hash` not expired at `now` and its active user, both
        locked for update; `None` when there is no such token."""
        row = (
            await self.session.execute(
                select(PasswordResetToken, User)
                .join(User, User.id == PasswordResetToken.user_id)
                .where(
                    PasswordResetToken.token_hash == token_hash,
                    PasswordResetToken.used_at.is_(None),
                    PasswordResetToken.expires_at > now,
                    User.active.is_(True),
                )
                .with_for_update()
            )
        ).first()
        if row is None:
            return None
        reset, user = row
        return reset, user


class ExternalIdentityRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get_user(self, provider: IdentityProvider, subject: str) -> User | None:
        """The user bound to `subject` at `provider`, active or not."""
        return await self.session.scalar(
            select(User)
            .join(ExternalIdentity, ExternalIdentity.user_id == User.id)
            .where(ExternalIdentity.provider == provider, ExternalIdentity.subject == subject)
        )

    async def add(self, identity: ExternalIdentity) -> None:
        self.session.add(identity)
        await self.session.flush()


class RateLimitCounterRepository:
    """Fixed-window attempt counters per key (`auth/rate_limit.py` holds the rules)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def count_attempt(
        self, key: str, now: datetime, window: timedelta
    ) -> tuple[int, datetime]:
        """Count one attempt of `key` at `now` in one statement (concurrent attempts are
        serialised on the row): a window older than `window` starts again at 1. Returns the
        count including this attempt and when its window started."""
        window_over = RateLimitCounter.window_started_at <= now - window
        statement = upsert(
            self.session,
            RateLimitCounter,
            {"key": key, "window_started_at": now, "count": 1},
            conflict_columns=["key"],
            update={
                "count": case((window_over, 1), else_=RateLimitCounter.count + 1),
                "window_started_at": case(
                    (window_over, now), else_=RateLimitCounter.window_started_at
                ),
            },
        ).returning(RateLimitCounter.count, RateLimitCounter.window_started_at)
        count, started_at = (await self.session.execute(statement)).one()
        return count, started_at

    async def take_back_one(self, key: str) -> None:
        """One attempt fewer for `key` (never below zero)."""
        await self.session.execute(
            update(RateLimitCounter)
            .where(RateLimitCounter.key == key, RateLimitCounter.count > 0)
            .values(count=RateLimitCounter.count - 1)
        )

    async def forget(self, key: str) -> None:
        """`key`'s counter is gone: its next attempt is the first of a new window."""
        await self.session.execute(delete(RateLimitCounter).where(RateLimitCounter.key == key))
