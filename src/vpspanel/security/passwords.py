"""Account passwords, hashed with Argon2id (argon2-cffi's recommended parameters)."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

_hasher = PasswordHasher()
# Verified against when the email is unknown, so both failures cost the same time.
_dummy_hash = _hasher.hash("not a real password, only for timing")


# Stored for accounts that sign in elsewhere (Supabase): no Argon2 hash starts with "!", so no
# password ever verifies against it.
UNUSABLE_PASSWORD_HASH = "!no-local-password"  # noqa: S105 (a marker, not a password)


def use_hasher(hasher: PasswordHasher) -> None:
    """Swap the parameters (the test suite uses cheap ones; hashes stay verifiable)."""
    global _hasher, _dummy_hash
    _hasher = hasher
    _dummy_hash = hasher.hash("not a real password, only for timing")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    if password_hash == UNUSABLE_PASSWORD_HASH:
        password_hash = None  # still costs one verify, like an unknown email
    try:
        return _hasher.verify(password_hash or _dummy_hash, password) and password_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)
