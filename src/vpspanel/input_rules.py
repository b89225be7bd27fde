"""Types for text and times that people send us, shared by every request schema.

Each type refuses what it cannot take with a ``ValueError``, which the request validation turns
into a 422 naming the field: a bad input is never a 500, never silently guessed at.
"""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime
from typing import Annotated

from email_validator import EmailNotValidError, validate_email
from pydantic import AfterValidator, AwareDatetime, EmailStr, Field, StringConstraints

EARLIEST_ACCEPTED = datetime(2000, 1, 1, tzinfo=UTC)
LATEST_ACCEPTED = datetime(2100, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)


def _in_utc_and_range(moment: datetime) -> datetime:
    # Years near 1 or 9999 overflow once shifted to UTC; they are as wrong as 0848 is.
    try:
        in_utc = moment.astimezone(UTC)
    except OverflowError:
        in_utc = None
    if in_utc is None or not EARLIEST_ACCEPTED <= in_utc <= LATEST_ACCEPTED:
        raise ValueError("must be a time between the years 2000 and 2100")
    return in_utc


UtcDatetime = Annotated[
    AwareDatetime,
    AfterValidator(_in_utc_and_range),
    Field(
        description=(
            "ISO 8601 time with a timezone (e.g. `2030-01-31T12:00:00Z`), between the years 2000 "
            "and 2100; returned in UTC."
        )
    ),
]
"""Every date/time input: a time without a timezone is ambiguous (422, never a guess), and one
outside 2000-2100 is a typing mistake that would otherwise reach the database (422, never a 500)."""


NAME_MAX_LENGTH = 100  # the name columns are String(100)


def display_name(text: str) -> str:
    """NFKC-normalized, trimmed, 1-100 characters, and only characters that show as what they
    are: no control characters or lone surrogates (Cc, Cs), no invisible formatting characters
    (Cf: bidi overrides and isolates, zero-width space/joiners, BOM, soft hyphen) and no line or
    paragraph separators. Raises ValueError naming the first offending character."""
    normalized = unicodedata.normalize("NFKC", text).strip()
    for char in normalized:
        category = unicodedata.category(char)
        if category in ("Cc", "Cs"):
            raise ValueError("must not contain control characters")
        if category in ("Cf", "Zl", "Zp"):
            raise ValueError(
                f"must not contain invisible or direction-changing characters (U+{ord(char):04X})"
            )
    # NFKC can lengthen text (one ligature becomes several letters): check what is stored.
    if not 1 <= len(normalized) <= NAME_MAX_LENGTH:
        raise ValueError(f"must be 1 to {NAME_MAX_LENGTH} characters")
    return normalized


DisplayName = Annotated[
    str, StringConstraints(max_length=NAME_MAX_LENGTH), AfterValidator(display_name)
]
"""Every name shown to other people (users, organizations, plans, provider accounts): lookalike
forms are folded (fullwidth `U+FF21` → `A`) and text that would show differently from what it is
(right-to-left overrides, zero-width characters) is refused with a 422 naming the field."""


def normalize_email(email: str) -> str:
    """The one spelling of an address that uniqueness and sign-in compare: NFKC (fullwidth and
    other compatibility forms folded), lower case, the domain in its IDNA ASCII form
    (`Bücher.example` → `xn--bcher-kva.example`, by email-validator). Text that is no valid
    address is only folded (sign-in compares it and finds nobody)."""
    folded = unicodedata.normalize("NFKC", email).strip().lower()
    try:
        valid = validate_email(folded, check_deliverability=False)
    except EmailNotValidError:
        return folded
    return f"{valid.local_part}@{valid.ascii_domain}"


Email = Annotated[EmailStr, AfterValidator(normalize_email)]
"""An address to store: valid (email-validator), then in its one normalized spelling."""
