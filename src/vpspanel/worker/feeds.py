"""One poll of a provider account's change feed (Linode `/account/events`, DigitalOcean
`/v2/actions`, read through `Provider.list_changes_since`): one request when nothing happened.

The servers the new entries name are re-read, those that are ours and no operation of ours is
working on, one GET each (`reconcile.reread_servers`). A gap (the feed starts, the cursor is
lost or too old, more entries than a poll reads, the feed not readable), more such servers than
`feed_reread_max`, a failed re-read or a server the provider answers 404 for asks the caller
for a full sweep of the account instead (only the sweep marks a server deleted).
"""

from __future__ import annotations

from dataclasses import dataclass

from vpspanel.provider_accounts.models import ServiceProvider
from vpspanel.providers.errors import ProviderError
from vpspanel.state import AppState
from vpspanel.worker.config import WorkerConfig
from vpspanel.worker.reconcile import Fence, ReconcileReport, reread_servers


@dataclass(frozen=True)
class FeedPoll:
    next_cursor: str | None
    """To store for the next poll (the same cursor when the feed could not be read)."""
    read: bool
    """Whether the feed answered (the account's feed lag starts again)."""
    sweep_reason: str | None
    """Why a full sweep is needed now; None when the feed accounted for every change."""
    unread_because: ProviderError | None = None
    """The error that kept the feed from being read (`read` is False then), if any."""


async def poll_feed(
    state: AppState,
    account: ServiceProvider,
    cursor: str | None,
    config: WorkerConfig,
    report: ReconcileReport,
    *,
    reread: bool = True,
    fence: Fence | None = None,
) -> FeedPoll:
    """Read the account's feed from `cursor` and, with `reread`, re-read and apply the servers
    it names (each write transaction first asks `fence`). Raises ProviderAuthError and
    ProviderRateLimited (the caller defers), and AccountLeaseLost."""
    report.feed_polls += 1
    batch = await state.providers.for_account(account).list_changes_since(cursor)
    read = not (batch.gap and batch.next_cursor == cursor)
    changed = batch.instance_ids
    reason = (batch.gap_reason or "the feed reported a gap") if batch.gap else None
    if reason is None and reread and changed:
        reason = await reread_servers(state, account, changed, config, report, fence=fence)
    if reason is not None:
        report.gaps += 1
    return FeedPoll(
        next_cursor=batch.next_cursor,
        read=read,
        sweep_reason=reason,
        unread_because=batch.unread_because,
    )
