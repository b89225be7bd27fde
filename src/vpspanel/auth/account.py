"""Account self-service: profile, password change, sessions, and the forgotten-password flow.
No commits here: the request owns the transaction (except where a throttle must count)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import structlog
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from vpspanel.auth.api_token_repository import ApiTokenRepository
from vpspanel.auth.models import AuthSession, PasswordResetToken, User
from vpspanel.auth.rate_limit import WindowCounter
from vpspanel.auth.repository import (
    PasswordResetTokenRepository,
    SessionRepository,
    UserRepository,
)
from vpspanel.auth.service import email_digest
from vpspanel.errors import BadRequest, Conflict, NotFound, TooManyRequests, ValidationFailed
from vpspanel.input_rules import normalize_email
from vpspanel.mail import MailNotSent
from vpspanel.security import password_policy
from vpspanel.security.passwords import hash_password, verify_password
from vpspanel.security.tokens import hash_token, new_token
from vpspanel.state import AppState

log = structlog.get_logger(__name__)

RESET_TOKEN_TTL = timedelta(hours=1)
RESET_PATH = "/reset-password"
WRONG_CURRENT_PASSWORD = "The current password is not correct."  # noqa: S105 (a message)


async def _require_current_password(
    state: AppState, user: User, password: str | None, field: str = "current_password"
) -> None:
    """422 on ``field`` unless ``password`` is the user's. Counted like sign-in per account, so
    a borrowed session cannot be used to guess the password."""
    counter = WindowCounter(
        state.sessionmaker, timedelta(seconds=state.settings.login_window_seconds)
    )
    if password is None:
        raise ValidationFailed.for_field(field, "Enter your current password to change this.")
    key = f"reauth:{user.id}"
    count, reset_in = await counter.hit(key, state.clock())
    if count > state.settings.login_attempts_per_account:
        raise TooManyRequests(
            reset_in, f"Too many wrong passwords. Try again in {reset_in} seconds."
        )
    if not verify_password(user.password_hash, password):
        raise ValidationFailed.for_field(field, WRONG_CURRENT_PASSWORD)
    await counter.clear(key)


def _policy(password: str, email: str, field: str) -> None:
    reason = password_policy.check(password, email)
    if reason is not None:
        raise ValidationFailed.for_field(field, reason)


async def update_account(
    session: AsyncSession,
    state: AppState,
    user: User,
    *,
    name: str | None,
    email: str | None,
    current_password: str | None,
) -> User:
    """Rename, and/or change the sign-in email (needs the current password: 422 on
    ``current_password``; 409 ``email_taken``)."""
    new_email = normalize_email(email) if email is not None else None
    if new_email is not None and new_email != user.email:
        # Before the request's session writes: the throttle commits on its own (on SQLite
        # the request's write would hold the lock it needs).
        await _require_current_password(state, user, current_password)
    user = await session.merge(user)
    if name is not None:
        user.name = name
    if new_email is not None and new_email != user.email:
        taken = Conflict("An account with this email already exists.", code="email_taken")
        if await UserRepository(session).get_by_email(new_email) is not None:
            raise taken
        user.email = new_email
        try:
            await session.flush()
        except IntegrityError as exc:  # registered concurrently
            raise taken from exc
    await session.flush()
    return user


async def change_password(
    session: AsyncSession,
    state: AppState,
    user: User,
    current_session_id: uuid.UUID,
    *,
    current_password: str,
    new_password: str,
) -> None:
    """Set a new password and revoke every other session of the user (this one stays)."""
    await _require_current_password(state, user, current_password)
    _policy(new_password, user.email, "new_password")
    user = await session.merge(user)
    user.password_hash = hash_password(new_password)
    await SessionRepository(session).revoke_all_of_except(
        user.id, current_session_id, state.clock()
    )
    await session.flush()


async def active_sessions(
    session: AsyncSession, user_id: uuid.UUID, now: datetime
) -> list[AuthSession]:
    """The user's sessions that still work, newest first."""
    return await SessionRepository(session).list_active_of(user_id, now)


async def revoke_own_session(
    session: AsyncSession, user_id: uuid.UUID, session_id: uuid.UUID, now: datetime
) -> None:
    """Sign one of the user's own sessions out. Another user's session id is 404, like an
    unknown one."""
    found = await SessionRepository(session).get(session_id)
    if found is None or found.user_id != user_id or found.revoked_at is not None:
        raise NotFound("Session not found.")
    found.revoked_at = now
    await session.flush()


@dataclass(frozen=True)
class ResetLink:
    email: str
    url: str


def _reset_keys(email: str, address: str) -> tuple[str, str]:
    return f"reset:account:{email_digest(email)}", f"reset:address:{address}"


async def request_password_reset(
    state: AppState, email: str, client_address: str, base_url: str
) -> ResetLink | None:
    """Make a single-use reset link for an active account with ``email`` (its older unused
    links die), or ``None`` when there is none. Both paths make and hash a token and run the
    same queries, so their timing tells little; the caller answers the same either way.
    Throttled like sign-in: per account and per address (429)."""
    email = normalize_email(email)
    counter = WindowCounter(
        state.sessionmaker, timedelta(seconds=state.settings.login_window_seconds)
    )
    now = state.clock()
    account_key, address_key = _reset_keys(email, client_address)
    account_count, account_reset = await counter.hit(account_key, now)
    address_count, address_reset = await counter.hit(address_key, now)
    waits = []
    if account_count > state.settings.login_attempts_per_account:
        waits.append(account_reset)
    if address_count > state.settings.login_attempts_per_address:
        waits.append(address_reset)
    if waits:
        raise TooManyRequests(
            max(waits), f"Too many reset requests. Try again in {max(waits)} seconds."
        )
    token = new_token()
    token_hash = hash_token(token)
    async with state.sessionmaker() as session, session.begin():
        user = await UserRepository(session).get_by_email(email)
        user_id = user.id if user is not None and user.active else None
        await PasswordResetTokenRepository(session).delete_unused_of(user_id)
        if user_id is None:
            return None
        session.add(
            PasswordResetToken(
                user_id=user_id,
                token_hash=token_hash,
                created_at=now,
                expires_at=now + RESET_TOKEN_TTL,
            )
        )
    base = (state.settings.public_url or base_url).rstrip("/")
    return ResetLink(email=email, url=f"{base}{RESET_PATH}#token={token}")


async def send_reset_email(state: AppState, link: ResetLink) -> None:
    """Deliver the link (run after the response, so that answering does not wait on the
    relay). A failure is logged without the link and otherwise dropped: the person can ask
    again."""
    text = (
        "Someone (hopefully you) asked to reset the password of your vpspanel account.\n\n"
        f"Set a new password here (the link works once, for one hour):\n\n{link.url}\n\n"
        "If you did not ask, ignore this message: your password stays as it is.\n"
    )
    try:
        await state.mailer.send(to=link.email, subject="Reset your vpspanel password", text=text)
    except MailNotSent as exc:
        log.warning("password_reset_mail_not_sent", error=str(exc))


INVALID_RESET_TOKEN = (
    "This reset link is not valid: it was already used, has expired (after one hour), or a "  # noqa: S105
    "newer one was sent. Ask for a new link."
)


async def confirm_password_reset(
    state: AppState, token: str, password: str, client_address: str
) -> None:
    """Set the password of the token's account, use the token up and revoke every session.
    400 ``invalid_token`` for an unknown, used or expired token; 422 on ``password`` when the
    policy refuses it. Throttled per address (429)."""
    counter = WindowCounter(
        state.sessionmaker, timedelta(seconds=state.settings.login_window_seconds)
    )
    now = state.clock()
    count, reset_in = await counter.hit(f"reset-confirm:address:{client_address}", now)
    if count > state.settings.login_attempts_per_address:
        raise TooManyRequests(reset_in, f"Too many attempts. Try again in {reset_in} seconds.")
    async with state.sessionmaker() as session, session.begin():
        row = await PasswordResetTokenRepository(session).get_usable_locked(hash_token(token), now)
        if row is None:
            raise BadRequest(INVALID_RESET_TOKEN, code="invalid_token")
        reset, user = row
        _policy(password, user.email, "password")
        reset.used_at = now
        user.password_hash = hash_password(password)
        # A reset is how someone takes an account back: nothing issued before it stays valid.
        await SessionRepository(session).revoke_all_of(user.id, now)
        await ApiTokenRepository(session).delete_all_of(user.id)
