"""SHA-512-crypt ("$6$"), as specified by Ulrich Drepper (used by glibc crypt(3)).

The standard library `crypt` module is deprecated and platform dependent, so we implement the
algorithm; it is checked against the specification's test vectors. It costs ~25 ms of CPU per
hash in Python (5,000 rounds), which a bulk deploy pays once per DigitalOcean create while
holding the GIL, so the system's libcrypt (libxcrypt's reentrant `crypt_rn`, ~1 ms, and the GIL
is released while it runs) is used when it is present and gives the same answer; otherwise,
and for any input it refuses (passwords over 512 bytes, salts with characters outside the
crypt alphabet), the pure implementation answers.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import hashlib
import secrets
from collections.abc import Callable

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
    """The "$6$" hash of `password` (random 16-character salt unless given; longer salts are cut
    to 16 characters, rounds are held within 1,000 and 999,999,999), as
    `$6$[rounds=N$]salt$hash` (`rounds=` only when not the default 5,000)."""
    salt_bytes = (salt if salt is not None else new_salt()).encode()[:_MAX_SALT_LENGTH]
    rounds = min(max(rounds, _MIN_ROUNDS), _MAX_ROUNDS)
    native = native_sha512_crypt(password.encode(), salt_bytes, rounds)
    return native if native is not None else pure_sha512_crypt(password, salt_bytes, rounds)


# libxcrypt's `struct crypt_data` is 32,768 bytes; `crypt_rn` is told the size it is given.
_CRYPT_DATA_SIZE = 32_768
_CryptRn = Callable[[bytes, bytes, ctypes.Array[ctypes.c_char], int], bytes | None]


@functools.cache
def _libcrypt_crypt_rn() -> _CryptRn | None:
    """libxcrypt's `crypt_rn`, if the system has it and it answers the specification's first
    test vector correctly (glibc's older libcrypt has no `crypt_rn`)."""
    name = ctypes.util.find_library("crypt")
    if name is None:
        return None
    try:
        function = ctypes.CDLL(name).crypt_rn
    except (OSError, AttributeError):
        return None
    function.restype = ctypes.c_char_p
    function.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_void_p, ctypes.c_int]
    crypt_rn: _CryptRn = function
    data = ctypes.create_string_buffer(_CRYPT_DATA_SIZE)
    answer = crypt_rn(b"Hello world!", b"$6$saltstring", data, _CRYPT_DATA_SIZE)
    expected = (
        b"$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBF"
        b"dcbYEdFCoEOfaS35inz1"
    )
    return crypt_rn if answer == expected else None


def native_sha512_crypt(key: bytes, salt: bytes, rounds: int) -> str | None:
    """The hash from the system's libcrypt, or None when it is missing or refuses the input
    (a NUL in the password, salt characters it does not take, rounds out of its range)."""
    crypt_rn = _libcrypt_crypt_rn()
    if crypt_rn is None or b"\0" in key or b"$" in salt:
        return None
    setting = b"$6$" + (f"rounds={rounds}$".encode() if rounds != DEFAULT_ROUNDS else b"") + salt
    # A buffer per call: `crypt_rn` is reentrant, so hashes may run on several threads at once.
    data = ctypes.create_string_buffer(_CRYPT_DATA_SIZE)
    try:
        answer = crypt_rn(key, setting, data, _CRYPT_DATA_SIZE)
    finally:
        ctypes.memset(data, 0, _CRYPT_DATA_SIZE)  # it held state derived from the password
    if answer is None or not answer.startswith(b"$6$"):
        return None
    return answer.decode("ascii")


def pure_sha512_crypt(password: str, salt_bytes: bytes, rounds: int) -> str:
    """The hash computed in Python, from a salt of at most 16 bytes and rounds in range."""
    key = password.encode()

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
