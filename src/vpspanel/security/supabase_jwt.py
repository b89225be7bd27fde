"""Verifying Supabase Auth access tokens (JWTs) with PyJWT. No database, no users: see
`vpspanel.auth.supabase` for who a verified token is.

A token is accepted only when all of these hold:

- its header `alg` is one of the configured algorithms (never `none`);
- HS256 tokens verify against the project's JWT secret, and only against it; ES256/RS256 tokens
  verify against the key of the project's JWKS whose `kid` the header names, and that key's own
  algorithm must be the header's (so a public key is never used as an HMAC secret);
- `exp` is in the future (with `LEEWAY_S` for clock skew), `aud` is `authenticated`, `iss` is
  `<SUPABASE_URL>/auth/v1`, `role` is `authenticated` and `sub` is present.

Supabase documents these claims at https://supabase.com/docs/guides/auth/jwt-fields and the key
set at `<SUPABASE_URL>/auth/v1/.well-known/jwks.json` (docs/supabase.md).
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import Any

import anyio
import jwt
from jwt import PyJWK, PyJWKClient
from jwt.exceptions import PyJWKClientConnectionError, PyJWTError

from vpspanel.config import SUPABASE_JWKS_ALGORITHMS, Settings

AUDIENCE = "authenticated"
AUTHENTICATED_ROLE = "authenticated"
# Tolerated clock difference between Supabase and this server, in seconds.
LEEWAY_S = 10
# The key set is fetched at most once per JWKS_CACHE_S (PyJWKClient's cache); an unknown `kid`
# forces a refetch at most once per PyJWKClient's cooldown (30 s), so rotated keys are picked up
# and forged `kid`s cannot make us fetch on every request.
JWKS_CACHE_S = 300
JWKS_TIMEOUT_S = 5
# After a failed fetch, answer "unavailable" at once for this long instead of making every
# request wait for the timeout again.
JWKS_RETRY_AFTER_S = 10
SUBJECT_MAX_LENGTH = 255  # external_identities.subject

# Three base64url parts separated by dots (the signature may be empty, as in `alg: none`).
# Our own session tokens are base64url without dots, so the two never look alike.
_JWT_SHAPE = re.compile(r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$")


def is_jwt_shaped(token: str) -> bool:
    return _JWT_SHAPE.fullmatch(token) is not None


class TokenRejected(Exception):
    """The token is not a valid access token of the configured project. `reason` is for logs
    (never contains the token)."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


class KeysUnavailable(Exception):
    """The project's key set could not be fetched, so no asymmetric token can be verified."""


@dataclass(frozen=True)
class SupabaseClaims:
    """What vpspanel uses from a verified access token."""

    subject: str  # `sub`: the Supabase user id
    email: str | None  # `email`, as Supabase sent it ("" and absent become None)
    is_anonymous: bool  # `is_anonymous`: an anonymous Supabase sign-in
    user_metadata: dict[str, Any]  # `user_metadata`, e.g. `full_name` from an OAuth provider


class SupabaseVerifier:
    def __init__(
        self,
        *,
        issuer: str,
        algorithms: list[str],
        jwt_secret: str | None,
        jwks_url: str,
    ) -> None:
        self.issuer = issuer
        self.algorithms = frozenset(algorithms)
        self._secret = jwt_secret.encode() if jwt_secret else None
        self._jwks = (
            PyJWKClient(
                jwks_url,
                cache_jwk_set=True,
                lifespan=JWKS_CACHE_S,
                timeout=JWKS_TIMEOUT_S,
            )
            if self.algorithms & set(SUPABASE_JWKS_ALGORITHMS)
            else None
        )
        self._fetch_failed_at: float | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> SupabaseVerifier | None:
        """None when Supabase sign-in is off (`VPSPANEL_SUPABASE_URL` empty)."""
        if not settings.supabase_url:
            return None
        secret = settings.supabase_jwt_secret
        return cls(
            issuer=settings.supabase_issuer,
            algorithms=settings.supabase_jwt_algorithms,
            jwt_secret=secret.get_secret_value() if secret else None,
            jwks_url=settings.supabase_jwks_url,
        )

    async def verify(self, token: str) -> SupabaseClaims:
        """The token's claims. Raises TokenRejected for any token that is not a valid, current
        access token of this project, KeysUnavailable when the JWKS cannot be fetched."""
        try:
            header = jwt.get_unverified_header(token)
        except PyJWTError as exc:
            raise TokenRejected("malformed") from exc
        algorithm = header.get("alg")
        if algorithm not in self.algorithms:
            raise TokenRejected(f"algorithm {str(algorithm)[:16]!r} not accepted")
        key: bytes | PyJWK
        if algorithm == "HS256":
            if self._secret is None:  # the settings refuse HS256 without a secret
                raise TokenRejected("no secret for HS256")
            key = self._secret
        else:
            key = await self._public_key(header.get("kid"), algorithm)
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key,
                algorithms=[algorithm],
                audience=AUDIENCE,
                issuer=self.issuer,
                leeway=LEEWAY_S,
                options={"require": ["exp", "aud", "iss", "sub"]},
            )
        except PyJWTError as exc:
            raise TokenRejected(type(exc).__name__) from exc
        if claims.get("role") != AUTHENTICATED_ROLE:
            raise TokenRejected("role is not authenticated")
        subject = claims["sub"]
        if not isinstance(subject, str) or not 0 < len(subject) <= SUBJECT_MAX_LENGTH:
            raise TokenRejected("bad sub")
        email = claims.get("email")
        metadata = claims.get("user_metadata")
        return SupabaseClaims(
            subject=subject,
            email=email if isinstance(email, str) and email else None,
            is_anonymous=claims.get("is_anonymous") is True,
            user_metadata=metadata if isinstance(metadata, dict) else {},
        )

    async def _public_key(self, kid: object, algorithm: str) -> PyJWK:
        if self._jwks is None:
            raise TokenRejected("no key set configured")
        if not isinstance(kid, str) or not kid:
            raise TokenRejected("no kid")
        failed_at = self._fetch_failed_at
        if failed_at is not None and time.monotonic() - failed_at < JWKS_RETRY_AFTER_S:
            raise KeysUnavailable()
        try:
            # PyJWKClient fetches with blocking urllib: keep it off the event loop.
            key = await anyio.to_thread.run_sync(self._jwks.get_signing_key, kid)
        except PyJWKClientConnectionError as exc:
            self._fetch_failed_at = time.monotonic()
            raise KeysUnavailable() from exc
        except PyJWTError as exc:  # unknown kid, or a key set without usable keys
            raise TokenRejected("no such key") from exc
        self._fetch_failed_at = None
        if key.algorithm_name != algorithm:
            raise TokenRejected("key is for another algorithm")
        return key
