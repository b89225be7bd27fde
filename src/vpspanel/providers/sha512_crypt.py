"""SHA-512-crypt ("$6$"), as specified by Ulrich Drepper (used by glibc crypt(3)).

The standard library `crypt` module is deprecated and platform dependent, so we implement the
algorithm; it is checked against the specification's test vectors.
"""

from __future__ import annotations

import hashlib
import secrets

_ALPHABET = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
DEFAULT_ROUNDS = 5000
_MIN_ROUNDS, _MAX_ROUNDS = 1000, 999_999_999
_MAX_SALT_LENGTH = 16
# The byte order in which the final digest is written out, three bytes at a time.
_ENCODING_TRIPLES = (
    (0, 21, 42), (22, 43, 1), (44, 2, 23), (3, 24, 45), (25, 46, 4), (47, 5, 26), (6, 27, 48),
    (28, 49, 7), (50, 8, 29), (9, 30, 51), (31, 52, 10), (53, 11, 32), (12, 33, 54),
    (34, 55, 13), (56, 14, 35), (15, 36, 57), (37, 58, 16), (59, 17, 38), (18, 39, 60),
    (40, 61, 19), (62, 20, 41),
)  # fmt: skip


def _b64_from_24bit(byte2: int, byte1: int, byte0: int, length: int) -> str:
    word = (byte2 << 16) | (byte1 << 8) | byte0
    chars = []
    for _ in range(length):
        chars.append(_ALPHABET[word & 0x3F])
        word >>= 6
    return "".join(chars)


def _repeat_to(source: bytes, length: int) -> bytes:
    return (source * (length // len(source) + 1))[:length]


def new_salt() -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(_MAX_SALT_LENGTH))


def sha512_crypt(password: str, salt: str | None = None, rounds: int = DEFAULT_ROUNDS) -> str:
    """The "$6$" hash of `password` (random 16-character salt unless given)."""
    key = password.encode()
    salt_bytes = (salt if salt is not None else new_salt()).encode()[:_MAX_SALT_LENGTH]
    rounds = min(max(rounds, _MIN_ROUNDS), _MAX_ROUNDS)

    digest_b = hashlib.sha512(key + salt_bytes + key).digest()
    context_a = hashlib.sha512(key + salt_bytes)
    remaining = len(key)
    while remaining > 64:
        context_a.update(digest_b)
        remaining -= 64
    context_a.update(digest_b[:remaining])
    length = len(key)
    while length > 0:
        context_a.update(digest_b if length & 1 else key)
        length >>= 1
    digest_a = context_a.digest()

    sequence_p = _repeat_to(hashlib.sha512(key * len(key)).digest(), len(key)) if key else b""
    sequence_s = _repeat_to(
        hashlib.sha512(salt_bytes * (16 + digest_a[0])).digest(), len(salt_bytes)
    )

    digest_c = digest_a
    for round_number in range(rounds):
        context_c = hashlib.sha512()
        context_c.update(sequence_p if round_number & 1 else digest_c)
        if round_number % 3:
            context_c.update(sequence_s)
        if round_number % 7:
            context_c.update(sequence_p)
        context_c.update(digest_c if round_number & 1 else sequence_p)
        digest_c = context_c.digest()

    encoded = "".join(
        _b64_from_24bit(digest_c[i], digest_c[j], digest_c[k], 4) for i, j, k in _ENCODING_TRIPLES
    ) + _b64_from_24bit(0, 0, digest_c[63], 2)
    rounds_part = f"rounds={rounds}$" if rounds != DEFAULT_ROUNDS else ""
    return f"$6${rounds_part}{salt_bytes.decode()}${encoded}"
