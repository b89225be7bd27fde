"""Who is calling, and in which organization.

A request authenticates with ``Authorization: Bearer <token>`` or the session cookie. A cookie
request that changes state must also send ``X-CSRF-Token`` matching the session's CSRF token
(bearer requests cannot be forged cross-site, so they need nothing more). With Supabase sign-in
on, the bearer may also be a Supabase access token (docs/supabase.md): no session of ours then.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import APIKeyCookie, HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import or_, update

from vpspanel.auth.models import AuthSession, User, UserRole
from vpspanel.auth.repository import SessionRepository, UserRepository
from vpspanel.auth.supabase import SupabaseSignIn
from vpspanel.deps import StateDep
from vpspanel.errors import BadRequest, Forbidden, NotFound, Unauthenticated
from vpspanel.organizations.models import Organization
from vpspanel.security.supabase_jwt import is_jwt_shaped
from vpspanel.security.tokens import hash_token, tokens_match

SESSION_COOKIE = "vpspanel_session"
CSRF_COOKIE = "vpspanel_csrf"
CSRF_HEADER = "X-CSRF-Token"
ORGANIZATION_HEADER = "X-Organization-Id"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# A session's last_used_at is written at most this often: not a write on every request.
SESSION_TOUCH_INTERVAL = timedelta(minutes=1)

_bearer = HTTPBearer(auto_error=False, description="The access_token from POST /api/auth/login")
_cookie = APIKeyCookie(name=SESSION_COOKIE, auto_error=False, description="Browser session")


@dataclass(frozen=True)
class Principal:
    user: User
    # None when signed in with a Supabase access token (Supabase keeps that session, not us).
    session: AuthSession | None


async def get_principal(
    request: Request,
    state: StateDep,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    cookie: Annotated[str | None, Depends(_cookie)],
) -> Principal:
    token = bearer.credentials if bearer else cookie
    if not token:
        raise Unauthenticated()
    if bearer is not None and state.supabase is not None and is_jwt_shaped(token):
        user = await SupabaseSignIn(state, state.supabase).user_for_token(token)
        return Principal(user=user, session=None)
    # Its own short read: the request's session (a write lock on SQLite) starts only when the
    # endpoint itself touches the database.
    async with state.read_sessionmaker() as db:
        found = await SessionRepository(db).get_active_by_hash(hash_token(token), state.clock())
    if found is None:
        raise Unauthenticated("Your session has expired or was signed out. Sign in again.")
    auth_session, user = found
    if not user.active:  # suspended by an admin: refused at once, whatever the credential
        raise Unauthenticated(
            "This account is suspended. Contact the provider of this panel.", code="suspended"
        )
    if bearer is None and request.method not in SAFE_METHODS:
        csrf = request.headers.get(CSRF_HEADER, "")
        if not csrf or not tokens_match(csrf, auth_session.csrf_token_hash):
            raise Forbidden("Missing or wrong CSRF token.", code="csrf_failed")
    now = state.clock()
    last_used = auth_session.last_used_at
    if last_used is None or now - last_used >= SESSION_TOUCH_INTERVAL:
        stale = now - SESSION_TOUCH_INTERVAL
        async with state.sessionmaker() as db, db.begin():
            # Conditional, so concurrent requests write it once.
            await db.execute(
                update(AuthSession)
                .where(
                    AuthSession.id == auth_session.id,
                    or_(AuthSession.last_used_at.is_(None), AuthSession.last_used_at <= stale),
                )
                .values(last_used_at=now)
            )
        auth_session.last_used_at = now
    return Principal(user=user, session=auth_session)


PrincipalDep = Annotated[Principal, Depends(get_principal)]


async def get_optional_principal(
    request: Request,
    state: StateDep,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    cookie: Annotated[str | None, Depends(_cookie)],
) -> Principal | None:
    """The caller if signed in; None without a token or with one no longer valid (a stale
    cookie does not stop a public page). A cookie request still needs its CSRF token."""
    if not (bearer or cookie):
        return None
    try:
        return await get_principal(request, state, bearer, cookie)
    except Unauthenticated:
        return None


OptionalPrincipalDep = Annotated[Principal | None, Depends(get_optional_principal)]


async def get_current_user(principal: PrincipalDep) -> User:
    return principal.user


CurrentUser = Annotated[User, Depends(get_current_user)]


async def get_admin_user(user: CurrentUser) -> User:
    if user.role != UserRole.ADMIN:
        raise Forbidden("Only administrators can do this.")
    return user


AdminUser = Annotated[User, Depends(get_admin_user)]


@dataclass(frozen=True)
class OrgContext:
    """The signed-in user acting in one of their organizations."""

    user: User
    organization: Organization
    role: str


async def get_org_context(request: Request, user: CurrentUser, state: StateDep) -> OrgContext:
    async with state.read_sessionmaker() as db:
        memberships = await UserRepository(db).organizations_of(user.id)
    requested = request.headers.get(ORGANIZATION_HEADER)
    if requested is None:
        if not memberships:
            raise NotFound("You do not belong to any organization.", code="no_organization")
        organization, role = memberships[0]
        return OrgContext(user=user, organization=organization, role=role)
    try:
        wanted = uuid.UUID(requested)
    except ValueError as exc:
        raise BadRequest(f"{ORGANIZATION_HEADER} must be an organization id.") from exc
    for organization, role in memberships:
        if organization.id == wanted:
            return OrgContext(user=user, organization=organization, role=role)
    raise NotFound("Organization not found.")


OrgContextDep = Annotated[OrgContext, Depends(get_org_context)]
