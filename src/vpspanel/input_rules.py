"""Types for text and times that people send us, shared by every request schema.

Each type refuses what it cannot take with a ``ValueError``, which the request validation turns
into a 422 naming the field: a bad input is never a 500, never silently guessed at.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime, Field

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
