"""Who a Supabase access token is: the user bound to its `sub`, created on first sight.

Runs as its own short transactions (like sign-in), never the request's: the token is verified
before the endpoint runs, and a first sign-in must be committed even when the endpoint fails.
"""

from __future__ import annotations

import structlog
from email_validator import EmailNotValidError, validate_email
from sqlalchemy.exc import IntegrityError

from vpspanel.auth.models import ExternalIdentity, IdentityProvider, User
from vpspanel.auth.repository import ExternalIdentityRepository, UserRepository
from vpspanel.auth.service import create_user
from vpspanel.errors import Conflict, Forbidden, ServiceUnavailable, Unauthenticated
from vpspanel.input_rules import display_name, normalize_email
from vpspanel.security.supabase_jwt import (
    KeysUnavailable,
    SupabaseClaims,
    SupabaseVerifier,
    TokenRejected,
)
from vpspanel.state import AppState

log = structlog.get_logger(__name__)

# Where Supabase (and the OAuth providers behind it) put a person's name.
_NAME_KEYS = ("full_name", "name", "user_name")


def account_exists() -> Conflict:
    return Conflict(
        "A vpspanel account with this email already exists and is not linked to your Supabase "
        "sign-in. Sign in with that account's email and password instead; vpspanel does not "
        "link accounts by email, so that nobody can take over an account by registering its "
        "address at Supabase.",
        code="account_exists",
    )


class SupabaseSignIn:
    def __init__(self, state: AppState, verifier: SupabaseVerifier) -> None:
        self.state = state
        self.verifier = verifier

    async def user_for_token(self, token: str) -> User:
        """The active user the access token belongs to, created on the first request.

        Raises Unauthenticated (401) for a token that fails verification or a suspended user,
        ServiceUnavailable (503) when the project's keys cannot be fetched, Conflict (409
        `account_exists`) when a local account holds the token's email, Forbidden (403
        `email_required`) for a first sign-in without an email address."""
        try:
            claims = await self.verifier.verify(token)
        except TokenRejected as exc:
            log.info("supabase_token_rejected", reason=exc.reason)
            raise Unauthenticated("The Supabase access token is not valid. Sign in again.") from exc
        except KeysUnavailable as exc:
            log.warning("supabase_jwks_unavailable")
            raise ServiceUnavailable(
                "Supabase sign-in keys could not be fetched. Try again shortly."
            ) from exc
        user = await self._linked_user(claims.subject)
        if user is None:
            user = await self._first_sign_in(claims)
        if not user.active:
            raise Unauthenticated("This account is suspended.")
        return user

    async def _linked_user(self, subject: str) -> User | None:
        async with self.state.read_sessionmaker() as session:
            return await ExternalIdentityRepository(session).get_user(
                IdentityProvider.SUPABASE, subject
            )

    async def _first_sign_in(self, claims: SupabaseClaims) -> User:
        email = _email_of(claims)
        try:
            async with self.state.sessionmaker() as session, session.begin():
                if await UserRepository(session).get_by_email(email) is not None:
                    raise account_exists()
                user, _ = await create_user(
                    session, email=email, password=None, name=_name_of(claims)
                )
                await ExternalIdentityRepository(session).add(
                    ExternalIdentity(
                        user_id=user.id, provider=IdentityProvider.SUPABASE, subject=claims.subject
                    )
                )
        except (Conflict, IntegrityError) as exc:
            # A concurrent first request of the same Supabase user may have created it.
            raced = await self._linked_user(claims.subject)
            if raced is not None:
                return raced
            if isinstance(exc, Conflict):
                raise account_exists() from exc
            raise
        log.info("supabase_user_created", user_id=str(user.id))
        return user


def _email_of(claims: SupabaseClaims) -> str:
    required = Forbidden(
        "vpspanel needs an email address: sign in to Supabase with an email or an email-bearing "
        "provider (anonymous and phone-only Supabase users cannot use vpspanel).",
        code="email_required",
    )
    if claims.is_anonymous or claims.email is None:
        raise required
    try:
        validate_email(claims.email, check_deliverability=False)
    except EmailNotValidError as exc:
        raise required from exc
    return normalize_email(claims.email)


def _name_of(claims: SupabaseClaims) -> str:
    candidates = [claims.user_metadata.get(key) for key in _NAME_KEYS]
    candidates.append((claims.email or "").partition("@")[0])
    for candidate in candidates:
        if isinstance(candidate, str):
            try:
                return display_name(candidate)
            except ValueError:
                continue
    return "Supabase user"
