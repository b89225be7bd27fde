"""Registration, sign-in and sessions. No commits here: the request owns the transaction."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from vpspanel.auth.api_token_repository import ApiTokenRepository
from vpspanel.auth.models import AuthSession, User, UserRole
from vpspanel.auth.rate_limit import WindowCounter
from vpspanel.auth.repository import SessionRepository, UserRepository
from vpspanel.auth.signup_settings import new_organization_limit
from vpspanel.errors import Conflict, InvalidCredentials, NotFound, TooManyRequests
from vpspanel.input_rules import normalize_email
from vpspanel.organizations.models import Membership, MembershipRole, Organization
from vpspanel.security.passwords import (
    UNUSABLE_PASSWORD_HASH,
    hash_password,
    needs_rehash,
    verify_password,
)
from vpspanel.security.tokens import hash_token, new_token
from vpspanel.state import AppState

ORGANIZATION_NAME_MAX = 100


@dataclass(frozen=True)
class IssuedSession:
    user: User
    access_token: str
    csrf_token: str
    expires_at: datetime


async def create_user(
    session: AsyncSession,
    *,
    email: str,
    password: str | None,
    name: str,
    role: UserRole = UserRole.CUSTOMER,
    organization_name: str | None = None,
) -> tuple[User, Organization]:
    """A user and an organization they own (admins get one too, to try the customer side).
    `password` None: no local password (the user signs in with Supabase); no password verifies."""
    users = UserRepository(session)
    email = normalize_email(email)
    email_taken = Conflict("An account with this email already exists.", code="email_taken")
    if await users.get_by_email(email) is not None:
        raise email_taken
    password_hash = UNUSABLE_PASSWORD_HASH if password is None else hash_password(password)
    try:
        user = await users.add(User(email=email, name=name, password_hash=password_hash, role=role))
    except IntegrityError as exc:  # the same email registered concurrently
        raise email_taken from exc
    default_name = f"{name}'s organization"[:ORGANIZATION_NAME_MAX]
    organization = Organization(
        name=organization_name or default_name,
        server_limit=await new_organization_limit(session),
    )
    session.add(organization)
    await session.flush()
    session.add(
        Membership(user_id=user.id, organization_id=organization.id, role=MembershipRole.OWNER)
    )
    await session.flush()
    return user, organization


async def reset_password(
    session: AsyncSession, *, email: str, password: str, now: datetime | None = None
) -> User:
    """Give the account `email` a new password and revoke all its sessions (the CLI's
    `reset-password`). Raises NotFound when there is no such account."""
    user = await UserRepository(session).get_by_email(normalize_email(email))
    if user is None:
        raise NotFound(f"There is no account with the email {email}.")
    user.password_hash = hash_password(password)
    await SessionRepository(session).revoke_all_of(user.id, now or datetime.now(UTC))
    await ApiTokenRepository(session).delete_all_of(user.id)
    await session.flush()
    return user


USER_AGENT_MAX = 255
SLOWDOWN_WINDOW = timedelta(minutes=1)


def _address_key(address: str) -> str:
    return "login:address:" + address


def email_digest(email: str) -> str:
    # Hashed so the counter table holds no email addresses.
    return hashlib.sha256(email.lower().encode()).hexdigest()[:32]


def _pair_key(email: str, address: str) -> str:
    return f"login:pair:{email_digest(email)}:{address}"[:128]


def _account_key(email: str) -> str:
    return "login:account:" + email_digest(email)


async def login(
    state: AppState,
    email: str,
    password: str,
    client_address: str,
    user_agent: str | None = None,
) -> IssuedSession:
    """Sign-in runs as its own short transactions, not the request's: a failed attempt must be
    counted (committed) even though the request answers with an error.

    Three limits, each counted before the password is verified:

    - per account *and* client address (strict, ``login_attempts_per_account`` a login window):
      guessing from one place stops, but a stranger elsewhere does not lock the owner out;
    - per account across all addresses, in one-minute windows
      (``login_attempts_per_account_per_minute``): a spread-out guesser is slowed to that rate,
      and the owner waits at most a minute;
    - per address across accounts (``login_attempts_per_address`` a login window).

    Raises ``TooManyRequests`` (429 with the seconds to wait) once this attempt would go
    over a limit, ``InvalidCredentials`` (401) otherwise on any failure. The attempt is
    counted before the password is verified, so concurrent guesses cannot all slip under
    the limit."""
    counter = WindowCounter(
        state.sessionmaker, timedelta(seconds=state.settings.login_window_seconds)
    )
    slowdown = WindowCounter(state.sessionmaker, SLOWDOWN_WINDOW)
    now = state.clock()
    settings = state.settings
    email = normalize_email(email)
    pair_count, pair_reset = await counter.hit(_pair_key(email, client_address), now)
    account_count, account_reset = await slowdown.hit(_account_key(email), now)
    address_count, address_reset = await counter.hit(_address_key(client_address), now)
    waits = []
    if pair_count > settings.login_attempts_per_account:
        waits.append(pair_reset)
    if account_count > settings.login_attempts_per_account_per_minute:
        waits.append(account_reset)
    if address_count > settings.login_attempts_per_address:
        waits.append(address_reset)
    if waits:
        wait = max(waits)
        raise TooManyRequests(wait, f"Too many sign-in attempts. Try again in {_in_words(wait)}.")
    async with state.read_sessionmaker() as session:
        user = await UserRepository(session).get_by_email(email)
    password_ok = verify_password(user.password_hash if user else None, password)
    if user is None or not password_ok or not user.active:
        raise InvalidCredentials()
    # A successful sign-in wipes this place's failures and does not use up the address's
    # or the account's allowance (many people may sign in from behind one address).
    await counter.clear(_pair_key(email, client_address))
    await slowdown.refund(_account_key(email))
    await counter.refund(_address_key(client_address))
    async with state.sessionmaker() as session, session.begin():
        if needs_rehash(user.password_hash):
            user = await session.merge(user)
            user.password_hash = hash_password(password)
        return await issue_session(session, state, user, user_agent)


def _in_words(seconds: int) -> str:
    if seconds < 120:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    return f"{(seconds + 59) // 60} minutes"


async def issue_session(
    session: AsyncSession, state: AppState, user: User, user_agent: str | None
) -> IssuedSession:
    """A new signed-in session for ``user`` in the caller's transaction."""
    now = state.clock()
    token, csrf = new_token(), new_token()
    expires_at = now + timedelta(hours=state.settings.session_ttl_hours)
    await SessionRepository(session).add(
        AuthSession(
            user_id=user.id,
            token_hash=hash_token(token),
            csrf_token_hash=hash_token(csrf),
            created_at=now,
            expires_at=expires_at,
            user_agent=user_agent[:USER_AGENT_MAX] if user_agent else None,
        )
    )
    return IssuedSession(user=user, access_token=token, csrf_token=csrf, expires_at=expires_at)


async def revoke_session(session: AsyncSession, auth_session_id: object, now: datetime) -> None:
    revoked = await session.get(AuthSession, auth_session_id)
    if revoked is not None:
        revoked.revoked_at = now
        await session.flush()
