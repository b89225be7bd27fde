"""What every driver's change feed shares: the cursor and the rule that turns feed entries into
instance changes.

A cursor remembers the highest entry id read and the ids of entries that were still in
progress (Linode events `started`/`scheduled`, DigitalOcean actions `in-progress`): those are
read again on the next poll, within the same request, so a change is reported once when it
appears and once more when it ends.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from vpspanel.providers.errors import ProviderAuthError, ProviderError, ProviderRateLimited
from vpspanel.providers.types import ChangeBatch, ChangeKind, InstanceChange

logger = logging.getLogger(__name__)

# In-progress entries followed at most (the newest); a change that outlives this many others
# is left to the full sweep.
MAX_OPEN_ENTRIES = 50
_CURSOR_VERSION = 1


@dataclass(frozen=True, slots=True)
class FeedCursor:
    last_id: int
    """The highest feed entry id read."""
    open_ids: tuple[int, ...]
    """Entries at or below `last_id` still in progress when last read."""
    read_at_s: float
    """Unix seconds of the read that made this cursor."""

    def encode(self) -> str:
        return json.dumps(
            {
                "v": _CURSOR_VERSION,
                "last": self.last_id,
                "open": list(self.open_ids),
                "at": round(self.read_at_s, 3),
            },
            separators=(",", ":"),
        )

    @classmethod
    def decode(cls, text: str | None) -> FeedCursor | None:
        """The cursor, or None when `text` is None or not a cursor of this version."""
        if text is None:
            return None
        try:
            raw = json.loads(text)
            if raw["v"] != _CURSOR_VERSION:
                return None
            return cls(
                last_id=int(raw["last"]),
                open_ids=tuple(int(i) for i in raw["open"]),
                read_at_s=float(raw["at"]),
            )
        except (ValueError, TypeError, KeyError):
            return None


@dataclass(frozen=True, slots=True)
class FeedEntry:
    """One provider feed entry in our terms."""

    id: int
    provider_instance_id: str | None
    """None when the entry is not about an instance (an SSH key, a volume, the account)."""
    kind: ChangeKind
    provider_action: str
    at: datetime | None
    in_progress: bool


def advance(
    cursor: FeedCursor, entries: list[FeedEntry], read_at_s: float
) -> tuple[list[InstanceChange], FeedCursor]:
    """The changes in `entries` that `cursor` has not reported yet (oldest first) and the
    cursor after them. An entry is reported when it is newer than the cursor, and again when
    it was in progress and has ended."""
    unique = sorted({entry.id: entry for entry in entries}.values(), key=lambda e: e.id)
    was_open = set(cursor.open_ids)
    changes: list[InstanceChange] = []
    still_open: list[int] = []
    for entry in unique:
        new = entry.id > cursor.last_id
        if not new and entry.id not in was_open:
            continue
        if entry.provider_instance_id is None:
            continue
        if new or not entry.in_progress:
            changes.append(
                InstanceChange(
                    provider_instance_id=entry.provider_instance_id,
                    kind=entry.kind,
                    at=entry.at,
                    finished=not entry.in_progress,
                    provider_action=entry.provider_action,
                )
            )
        if entry.in_progress:
            still_open.append(entry.id)
    last_id = max([cursor.last_id, *(entry.id for entry in unique)])
    following = FeedCursor(last_id, tuple(still_open[-MAX_OPEN_ENTRIES:]), read_at_s)
    return changes, following


def batch_after(
    cursor: FeedCursor, entries: list[FeedEntry], read_at_s: float, *, gap_reason: str | None = None
) -> ChangeBatch:
    """The changes in `entries` that `cursor` has not reported yet and the cursor after them
    (see `advance`); with `gap_reason`, marked a gap (more entries than one poll reads)."""
    changes, following = advance(cursor, entries, read_at_s)
    return ChangeBatch(
        changes, following.encode(), gap=gap_reason is not None, gap_reason=gap_reason
    )


def start_at(newest_id: int, read_at_s: float, reason: str) -> ChangeBatch:
    """A feed (re)started after its newest entry `newest_id`: nothing before it is reported, so
    it is a gap (`reason`) for the caller to sweep."""
    start = FeedCursor(last_id=newest_id, open_ids=(), read_at_s=read_at_s)
    return ChangeBatch([], start.encode(), gap=True, gap_reason=reason)


async def read_feed(
    provider_name: str, cursor: str | None, read: Callable[[], Awaitable[ChangeBatch]]
) -> ChangeBatch:
    """`read()`, with a feed that cannot be read turned into a gap that keeps `cursor` (the
    caller sweeps; the next poll reads on from where this one should have) and carries the error
    in `unread_because` (a provider that is down is the account's problem, not only the feed's).
    A rejected key and rate limits propagate like everywhere else."""
    try:
        return await read()
    except (ProviderAuthError, ProviderRateLimited):
        raise
    except ProviderError as exc:
        logger.warning("%s: change feed not readable: %s", provider_name, exc.message)
        return ChangeBatch(
            changes=[],
            next_cursor=cursor,
            gap=True,
            gap_reason=f"feed not readable: {exc}",
            unread_because=exc,
        )
