"""Opaque tokens (sessions, API tokens): random, shown once, stored only as a SHA-256 hash."""

from __future__ import annotations

import hashlib
import hmac
import secrets

TOKEN_BYTES = 32
# Tells an API token from a session token in `Authorization: Bearer`, and lets secret
# scanners recognise a leaked one.
API_TOKEN_PREFIX = "vpst_"  # noqa: S105 (a public marker, not a secret)


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def tokens_match(token: str, token_hash: str) -> bool:
    return hmac.compare_digest(hash_token(token), token_hash)


def is_api_token(token: str) -> bool:
    """Whether `token` is shaped as a personal API token (it may still be unknown or revoked)."""
    return token.startswith(API_TOKEN_PREFIX)
