"""Who is calling, and in which organization.

A request authenticates with ``Authorization: Bearer <token>`` or the session cookie. The bearer
token is a session token, a personal API token (``vpst_…``), or, with Supabase sign-in on, a
Supabase access token (docs/supabase.md; no session of ours then). An API token acts only in its
own organization and on admin routes only when it says so. A cookie request that changes state
must also send ``X-CSRF-Token`` matching the session's CSRF token (bearer requests cannot be
forged cross-site, so they need nothing more). A suspended user (``users.active`` false) is
refused at once, whatever the credential.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import APIKeyCookie, HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from vpspanel.api_tokens.models import ApiToken
from vpspanel.auth.api_token_repository import ApiTokenRepository
from vpspanel.auth.models import AuthSession, User, UserRole
from vpspanel.auth.repository import SessionRepository, UserRepository
from vpspanel.auth.supabase import SupabaseSignIn
from vpspanel.deps import SessionDep, StateDep, reading
from vpspanel.errors import BadRequest, Forbidden, NotFound, Unauthenticated
from vpspanel.organizations.models import Organization
from vpspanel.security.supabase_jwt import is_jwt_shaped
from vpspanel.security.tokens import hash_token, is_api_token, tokens_match
from vpspanel.state import AppState

SESSION_COOKIE = "vpspanel_session"
CSRF_COOKIE = "vpspanel_csrf"
CSRF_HEADER = "X-CSRF-Token"
ORGANIZATION_HEADER = "X-Organization-Id"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# A session's last_used_at is written at most this often: not a write on every request.
SESSION_TOUCH_INTERVAL = timedelta(minutes=1)
# An API token's last use is written at most this often, not on every request.
TOKEN_USE_RECORDED_EVERY = timedelta(minutes=1)

_bearer = HTTPBearer(
    auto_error=False,
    description=(
        "The access_token from POST /api/auth/login, or a personal API token (`vpst_…`) from "
        "POST /api/account/tokens"
    ),
)
_cookie = APIKeyCookie(name=SESSION_COOKIE, auto_error=False, description="Browser session")


@dataclass(frozen=True)
class Principal:
    """The user and the credential they called with: a session (`session`) or a personal API
    token (`token`), exactly one of the two."""

    user: User
    # Both None when signed in with a Supabase access token (Supabase keeps that session).
    session: AuthSession | None = None
    token: ApiToken | None = None
    # The user's organizations and roles, oldest membership first, when read with the session
    # (in the same statement); None when not read yet.
    organizations: list[tuple[Organization, str]] | None = None


async def _token_principal(state: AppState, session: AsyncSession, raw: str) -> Principal | None:
    """The API token's user, or None when `raw` is no live API token. Reads in `session`."""
    now = state.clock()
    found = await ApiTokenRepository(session).get_active_by_hash(hash_token(raw), now)
    if found is None:
        return None
    token, user = found
    _refuse_suspended(user)
    last = token.last_used_at
    if last is None or now - last >= TOKEN_USE_RECORDED_EVERY:
        await _end_reading(session)
        async with state.sessionmaker() as write, write.begin():
            await ApiTokenRepository(write).touch(token.id, now, TOKEN_USE_RECORDED_EVERY)
    return Principal(user=user, token=token)


async def _end_reading(session: AsyncSession) -> None:
    """End the read transaction (the request's, when it shares it) before a short write, so
    that no pooled connection is held while the write waits for its own. The request's next
    read begins a new transaction; this happens at most once a minute per credential."""
    await session.commit()


def _refuse_suspended(user: User) -> None:
    """Suspended by an admin: refused at once, whatever the credential (401 `suspended`)."""
    if not user.active:
        raise Unauthenticated(
            "This account is suspended. Contact the provider of this panel.", code="suspended"
        )


async def get_principal(
    request: Request,
    state: StateDep,
    session: SessionDep,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    cookie: Annotated[str | None, Depends(_cookie)],
) -> Principal:
    """Reads in the request's session where it only reads (`deps.reading`)."""
    token = bearer.credentials if bearer else cookie
    if not token:
        raise Unauthenticated()
    api_token = bearer is not None and is_api_token(token)
    if api_token:
        async with reading(request, state, session) as read:
            by_token = await _token_principal(state, read, token)
        if by_token is not None:
            return by_token
        # Not a live API token; a session token may (rarely) start the same way.
    if bearer is not None and state.supabase is not None and is_jwt_shaped(token):
        # Its own sessions: verifying may fetch the signing keys, with no connection held.
        user = await SupabaseSignIn(state, state.supabase).user_for_token(token)
        return Principal(user=user)
    async with reading(request, state, session) as read:
        return await _session_principal(
            request, state, read, token, api_token=api_token, from_cookie=bearer is None
        )


async def _session_principal(
    request: Request,
    state: AppState,
    session: AsyncSession,
    token: str,
    *,
    api_token: bool,
    from_cookie: bool,
) -> Principal:
    """The user of session token `token` (a bearer or the cookie). Reads in `session`."""
    now = state.clock()
    found = await SessionRepository(session).get_active_by_hash(hash_token(token), now)
    if found is None:
        raise Unauthenticated(
            "This API token is unknown, revoked or expired."
            if api_token
            else "Your session has expired or was signed out. Sign in again."
        )
    auth_session, user = found.session, found.user
    _refuse_suspended(user)
    if from_cookie and request.method not in SAFE_METHODS:
        csrf = request.headers.get(CSRF_HEADER, "")
        if not csrf or not tokens_match(csrf, auth_session.csrf_token_hash):
            raise Forbidden("Missing or wrong CSRF token.", code="csrf_failed")
    last_used = auth_session.last_used_at
    if last_used is None or now - last_used >= SESSION_TOUCH_INTERVAL:
        await _end_reading(session)
        async with state.sessionmaker() as write, write.begin():
            await SessionRepository(write).touch(auth_session.id, now, SESSION_TOUCH_INTERVAL)
        # As written, without marking the row changed: `session` may be the request's read
        # session, which must never flush a write.
        set_committed_value(auth_session, "last_used_at", now)
    return Principal(user=user, session=auth_session, organizations=found.organizations)


PrincipalDep = Annotated[Principal, Depends(get_principal)]


async def get_optional_principal(
    request: Request,
    state: StateDep,
    session: SessionDep,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    cookie: Annotated[str | None, Depends(_cookie)],
) -> Principal | None:
    """The caller if signed in; None without a token or with one no longer valid (a stale
    cookie does not stop a public page). A cookie request still needs its CSRF token."""
    if not (bearer or cookie):
        return None
    try:
        return await get_principal(request, state, session, bearer, cookie)
    except Unauthenticated:
        return None


OptionalPrincipalDep = Annotated[Principal | None, Depends(get_optional_principal)]


async def get_signed_in_user(principal: PrincipalDep) -> User:
    """For routes that manage the account, its organizations and its tokens: a person signed in
    (a session of ours or a Supabase sign-in), not a personal API token (403
    `session_required`). Tokens script servers; a leaked one must not invite owners, change the
    email or sign the owner out."""
    if principal.token is not None:
        raise Forbidden(
            "Sign in to do this: API tokens can manage servers, not accounts, organizations or "
            "tokens.",
            code="session_required",
        )
    return principal.user


SignedInUser = Annotated[User, Depends(get_signed_in_user)]


@dataclass(frozen=True)
class SessionCaller:
    """A caller signed in with one of our sessions (not an API token or a Supabase token)."""

    user: User
    session: AuthSession


async def get_session_principal(principal: PrincipalDep) -> SessionCaller:
    """For routes that manage credentials: a signed-in session, not an API token (403
    `session_required`), so a token cannot mint or widen tokens."""
    if principal.session is None:
        raise Forbidden(
            "Sign in with a password to do this: API tokens cannot manage credentials.",
            code="session_required",
        )
    return SessionCaller(user=principal.user, session=principal.session)


SessionPrincipal = Annotated[SessionCaller, Depends(get_session_principal)]


async def get_current_user(principal: PrincipalDep) -> User:
    return principal.user


CurrentUser = Annotated[User, Depends(get_current_user)]


async def get_admin_user(principal: PrincipalDep) -> User:
    """An administrator; with an API token, only one created with the `admin` flag."""
    if principal.user.role != UserRole.ADMIN:
        raise Forbidden("Only administrators can do this.")
    if principal.token is not None and not principal.token.admin:
        raise Forbidden("This API token cannot use the administration API.", code="token_not_admin")
    return principal.user


AdminUser = Annotated[User, Depends(get_admin_user)]


@dataclass(frozen=True)
class OrgContext:
    """The signed-in user acting in one of their organizations."""

    user: User
    organization: Organization
    role: str


async def get_org_context(
    request: Request, principal: PrincipalDep, state: StateDep, session: SessionDep
) -> OrgContext:
    """The organization named by `X-Organization-Id` (default: the user's first). An API
    token acts only in its own organization: any other is not found (404). Reads in the
    request's session where it only reads (`deps.reading`), unless read with the session."""
    user = principal.user
    memberships = principal.organizations
    if memberships is None:
        async with reading(request, state, session) as read:
            memberships = await UserRepository(read).organizations_of(user.id)
    if principal.token is not None:
        pinned = principal.token.organization_id
        memberships = [(org, role) for org, role in memberships if org.id == pinned]
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
