"""The one password rule (NIST SP 800-63B style): length, not built from the account's email,
not a commonly used password. No composition rules (they make passwords worse, not better).

Every place that sets a password calls :func:`check`: registration, invitation sign-up, the
password change and reset, and the CLI's ``create-admin`` and ``reset-password``.
"""

from __future__ import annotations

import gzip
from functools import cache
from importlib.resources import files

MIN_LENGTH = 10
MAX_LENGTH = 256
# A local part shorter than this ("al@…") would forbid too many good passwords.
MIN_LOCAL_PART = 3

RULE = (
    f"{MIN_LENGTH}-{MAX_LENGTH} characters, not containing the part of your email before the @, "
    "and not one of the 100,000 most commonly used passwords."
)


@cache
def common_passwords() -> frozenset[str]:
    """The shipped list (lower case), read once per process. See scripts/build-common-passwords
    for where it comes from."""
    data = files("vpspanel.security").joinpath("common_passwords.txt.gz").read_bytes()
    return frozenset(gzip.decompress(data).decode().splitlines())


def check(password: str, email: str | None = None) -> str | None:
    """Why ``password`` may not be used by the account ``email``, or ``None`` when it may.
    The reason is a sentence for the person choosing the password."""
    if len(password) < MIN_LENGTH:
        return f"Use at least {MIN_LENGTH} characters."
    if len(password) > MAX_LENGTH:
        return f"Use at most {MAX_LENGTH} characters."
    lowered = password.lower()
    local_part = (email or "").rpartition("@")[0].lower()
    if len(local_part) >= MIN_LOCAL_PART and local_part in lowered:
        return (
            f'This password contains "{local_part}", the name part of your email address, '
            "which is among the first things an attacker tries; choose one without it."
        )
    if lowered in common_passwords():
        return (
            "This password is in a list of commonly used passwords, so it is among the first "
            "an attacker tries. Choose another, e.g. a few unrelated words."
        )
    return None
