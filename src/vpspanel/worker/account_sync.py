"""Each provider account's change feed and full sweep, on its own schedule, on one worker at a
time.

Every `feed_interval_s` a pass runs for each active account, as its own task: an account that
is slow or rate limited delays only itself. A pass first takes the account's lease (one
conditional upsert on `provider_account_sync`: granted when the lease is free, expired or
already ours), then polls the feed (`worker/feeds.py`) and stores the cursor; when the sweep is
due (every `reconcile_interval_s`) or the feed reported a gap, it sweeps the account
(`worker/reconcile.py`).

The lease lasts `account_lease_s`. It is renewed by every pass, by a heartbeat during a long
pass, and first thing in every write transaction of a pass (the fence: on PostgreSQL that
UPDATE holds the lease row until the transaction ends, so a worker whose lease lapsed and was
taken over writes nothing, and no takeover happens mid-write). A worker that dies stops
renewing it and another worker takes the account over when it lapses, with the cursor and the
sweep schedule, both in the row. A stopping worker gives its leases up.

Workers share the accounts out. Each renews a heartbeat (`worker_heartbeats`, expiring after
`account_lease_s`) every feed interval and so knows how many workers are alive; its fair share
is ceil(active accounts / live workers). It takes no account beyond its share, and one holding
more (workers joined since) gives an account up at the end of its pass until it holds its
share; the others take those at their next pass. A dead worker's heartbeat and leases lapse
together: the share grows and the survivors take its accounts over.

Requests are never waited for inline: passes run with no budget patience, so a 429 or a full
request budget raises at once and the account's next pass is put off until its Retry-After.
They are sent at background priority (customers' operations keep their share of the budget),
and the next pass comes later as the account's budget runs low (`stretched_interval_s`). An
account whose key is refused or whose provider is down is recorded as failing
(`provider_accounts.health`) and left alone until its backoff ends; its first answer clears it.
Each pass updates the feed, sweep and orphan metrics (`vpspanel.metrics`).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import math
import time
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import timedelta

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from vpspanel import metrics
from vpspanel.provider_accounts import health
from vpspanel.provider_accounts.models import ServiceProvider
from vpspanel.provider_accounts.repository import ProviderAccountRepository
from vpspanel.providers.errors import ProviderError, ProviderRateLimited
from vpspanel.providers.http import (
    BUDGET_PATIENCE_S,
    RequestPriority,
    request_priority,
    stretched_interval_s,
)
from vpspanel.state import AppState
from vpspanel.worker.config import WorkerConfig
from vpspanel.worker.feeds import poll_feed
from vpspanel.worker.reconcile import AccountLeaseLost, Fence, ReconcileReport, sweep_account
from vpspanel.worker.sync_repository import AccountSyncRepository, HeldAccount

logger = logging.getLogger(__name__)
# One line per sweep, at INFO: its account, worker, wall-clock start, duration and changes.
log = structlog.get_logger(__name__)

# A feed that could not be read sweeps its account at most this many feed intervals after the
# last sweep: one that stays unreadable (a key without the feed's scope) must not turn every
# poll into a full listing. Any other gap sweeps at once.
GAP_SWEEP_SPACING_POLLS = 4

ReportHook = Callable[[uuid.UUID, ReconcileReport], None]


class AccountSync:
    """Runs the feed polls and sweeps of every active account for one worker (`owner`).

    `report` adds up every pass since start; `on_report(account_id, report)` is called after
    each pass (for metrics); `feed_lags_s()` gives each account's current feed lag."""

    def __init__(
        self,
        state: AppState,
        config: WorkerConfig,
        owner: str,
        *,
        on_report: ReportHook | None = None,
    ) -> None:
        self.state = state
        self.config = config
        self.owner = owner
        self.on_report = on_report
        self.report = ReconcileReport()
        self._next_at: dict[uuid.UUID, float] = {}
        self._passes: dict[uuid.UUID, asyncio.Task[ReconcileReport]] = {}
        self._last_read: dict[uuid.UUID, float] = {}
        self._accounts: list[ServiceProvider] = []
        self._accounts_read_at: float | None = None
        # The accounts whose lease this worker holds, and the most it should hold (None until
        # its first heartbeat: a pass run on its own, as tests do, is never limited).
        self._held: set[uuid.UUID] = set()
        # ... and those other workers held at the last heartbeat: not worth a try until then.
        self._held_elsewhere: frozenset[uuid.UUID] = frozenset()
        self._share: int | None = None
        self._beat_at: float | None = None

    @property
    def held(self) -> frozenset[uuid.UUID]:
        """The accounts whose feed and sweep this worker holds now."""
        return frozenset(self._held)

    @property
    def share(self) -> int | None:
        """The most accounts this worker should hold: ceil(active accounts / live workers),
        as of its last heartbeat (None before its first)."""
        return self._share

    def feed_lags_s(self) -> dict[uuid.UUID, float]:
        """Seconds since each account's feed was last read successfully, by this worker."""
        now = time.monotonic()
        return {account_id: now - at for account_id, at in self._last_read.items()}

    async def run(self, stop: asyncio.Event) -> None:
        """Start every account's passes when due until `stop` is set; then end the passes
        under way and give the leases up."""
        tick = min(max(self.config.feed_interval_s / 4, 0.01), 1.0)
        try:
            while not stop.is_set():
                try:
                    await self._start_due()
                except Exception:
                    logger.exception("account sync: scheduling failed; trying again")
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=tick)
        finally:
            for task in self._passes.values():
                task.cancel()
            await asyncio.gather(*self._passes.values(), return_exceptions=True)
            try:
                async with self.state.sessionmaker() as session, session.begin():
                    await AccountSyncRepository(session).release_leases(self.owner)
            except Exception:
                logger.warning("account sync: leases not released; they lapse by themselves")

    async def _start_due(self) -> None:
        now = time.monotonic()
        if self._accounts_read_at is None or (
            now - self._accounts_read_at >= self.config.feed_interval_s
        ):
            async with self.state.read_sessionmaker() as session:
                self._accounts = list(await ProviderAccountRepository(session).list_active())
            self._accounts_read_at = now
        # Renewed well within its expiry however long the feed interval is.
        beat_every = min(self.config.feed_interval_s, self.config.account_lease_s / 3)
        if self._beat_at is None or now - self._beat_at >= beat_every:
            try:
                await self.heartbeat()
                self._beat_at = now
            except Exception:  # the share stays as it was; the next tick tries again
                logger.warning("account sync: heartbeat not recorded", exc_info=True)
        # Passes started for accounts not held yet count against the share as they run.
        taking = sum(
            1
            for account_id, task in self._passes.items()
            if not task.done() and account_id not in self._held
        )
        for account in self._accounts:
            running = self._passes.get(account.id)
            if running is not None and not running.done():
                continue
            if health.backing_off(account, self.state.clock()):
                continue
            # The first pass waits one interval: a restart does not start with a burst of
            # requests to every provider (the cursor and the sweep schedule are in the table).
            due = self._next_at.setdefault(account.id, now + self.config.feed_interval_s)
            if now < due:
                continue
            if account.id not in self._held:
                if account.id in self._held_elsewhere:
                    continue
                if self._share is not None and len(self._held) + taking >= self._share:
                    continue  # our share is full: another worker takes it
                taking += 1
            self._passes[account.id] = asyncio.create_task(
                self.run_pass(account), name=f"{self.owner}|{account.id}"
            )

    async def heartbeat(self) -> None:
        """Say this worker is alive (until `account_lease_s` from now) and work out its share
        of the active accounts from the live workers."""
        now = self.state.clock()
        async with self.state.sessionmaker() as session, session.begin():
            standing = await AccountSyncRepository(session).heartbeat(
                self.owner, now=now, until=now + timedelta(seconds=self.config.account_lease_s)
            )
        active = {account.id for account in self._accounts}
        self._held = set(standing.held & active)
        self._held_elsewhere = standing.held_by_others
        self._share = math.ceil(len(active) / standing.live_workers)

    async def run_pass(self, account: ServiceProvider) -> ReconcileReport:
        """One pass for `account`: take its lease, poll its feed, sweep it if due. Never
        raises (a failure is logged and the next pass comes at its time)."""
        report = ReconcileReport()
        started = time.monotonic()
        next_in = self.config.feed_interval_s
        patience = BUDGET_PATIENCE_S.set(0.0)
        try:
            with request_priority(RequestPriority.BACKGROUND):
                held = await self._take_lease(account.id)
                if held is None:
                    self._held.discard(account.id)
                else:
                    self._held.add(account.id)
                    async with self._renewing(account.id):
                        failure = await self._feed_and_sweep(account, held, report)
                    retry_in = await self._record_health(account, failure)
                    next_in = max(retry_in or 0.0, next_in)
            headroom = self.state.providers.for_account(account).budget_headroom()
            next_in = stretched_interval_s(next_in, headroom)
        except AccountLeaseLost:
            self._held.discard(account.id)
            logger.warning("account %s: taken over by another worker mid-pass", account.id)
        except ProviderRateLimited as exc:
            report.deferred_accounts += 1
            next_in = max(exc.retry_after_s or 0.0, next_in)
            logger.info("account %s rate limited: next pass in %.0fs", account.id, next_in)
        except ProviderError as exc:
            report.unreachable_accounts += 1
            logger.warning("account %s: feed not read (%s)", account.id, type(exc).__name__)
            retry_in = await self._record_health(account, exc)
            next_in = max(retry_in or 0.0, next_in)
        except Exception:
            logger.exception("account %s: sync pass failed", account.id)
        finally:
            BUDGET_PATIENCE_S.reset(patience)
            self._next_at[account.id] = started + next_in
        await self._give_up_excess(account.id)
        self.report.add(report)
        _record_metrics(account.id, report)
        if report.changed or report.untracked or report.gaps:
            logger.info(
                "account %s: %d updated, %d deleted, %d stuck failed, %d adopted, "
                "%d untracked, %d gaps",
                account.id,
                report.updated,
                report.deleted,
                report.stuck_failed,
                report.adopted,
                report.untracked,
                report.gaps,
            )
        if self.on_report is not None:
            self.on_report(account.id, report)
        return report

    async def _give_up_excess(self, account_id: uuid.UUID) -> None:
        """At the end of a pass, give the account up if this worker holds more than its
        share (workers joined): another worker takes it at its next pass."""
        if self._share is None or account_id not in self._held or len(self._held) <= self._share:
            return
        try:
            async with self.state.sessionmaker() as session, session.begin():
                await AccountSyncRepository(session).release_lease(account_id, owner=self.owner)
        except Exception:
            logger.warning("account %s: not handed over; it stays here for now", account_id)
            return
        self._held.discard(account_id)
        logger.info(
            "account %s handed over: this worker holds %d, its share is %d",
            account_id,
            len(self._held),
            self._share,
        )

    async def _record_health(
        self, account: ServiceProvider, failure: ProviderError | None
    ) -> float | None:
        """Record that the account answered (`failure` None; written only when it was failing)
        or failed; returns the seconds until background work may try it again, if it now
        backs off."""
        now = self.state.clock()
        if failure is None and account.status_ok is True and not account.status_failures:
            return None
        async with self.state.sessionmaker() as session, session.begin():
            if failure is None:
                await health.record_success(session, account.id, now)
                account.status_ok, account.status_failures = True, 0
                account.status_next_attempt_at = None
                return None
            retry_at = await health.record_failure(session, account.id, failure, now)
        if retry_at is None:
            return None
        # This copy decides whether the next pass writes the recovery and whether it waits.
        account.status_ok, account.status_next_attempt_at = False, retry_at
        account.status_failures = (account.status_failures or 0) + 1
        return (retry_at - now).total_seconds()

    async def _feed_and_sweep(
        self, account: ServiceProvider, held: HeldAccount, report: ReconcileReport
    ) -> ProviderError | None:
        """Poll the feed and sweep if due; returns the account-wide failure (key refused,
        provider down: `health.is_account_failure`) that kept the feed or the listing from
        being read, None when the provider answered both (or the one asked)."""
        now = self.state.clock()
        sweep_now = held.sweep_due_at is None or held.sweep_due_at <= now
        # A sweep about to run covers whatever the feed names: no re-reads then.
        fence = self._fence(account.id)
        poll = await poll_feed(
            self.state,
            account,
            held.feed_cursor,
            self.config,
            report,
            reread=not sweep_now,
            fence=fence,
        )
        sweep_due_at = None
        if poll.sweep_reason is not None and not sweep_now:
            spacing = timedelta(seconds=self.config.feed_interval_s * GAP_SWEEP_SPACING_POLLS)
            earliest = held.last_sweep_at + spacing if held.last_sweep_at and not poll.read else now
            sweep_now = earliest <= now
            sweep_due_at = now if sweep_now else earliest
            logger.info("account %s: feed gap (%s)", account.id, poll.sweep_reason)
        async with self.state.sessionmaker() as session, session.begin():
            await AccountSyncRepository(session).record_feed(
                account.id,
                owner=self.owner,
                cursor=poll.next_cursor,
                read_at=now if poll.read else None,
                sweep_due_at=sweep_due_at,
            )
        if poll.read:
            self._last_read[account.id] = time.monotonic()
            report.feed_lag_s[account.id] = 0.0
        elif held.last_feed_at is not None:
            report.feed_lag_s[account.id] = (now - held.last_feed_at).total_seconds()
        feed_failure = _account_failure(poll.unread_because)
        if not sweep_now:
            return feed_failure
        before = dataclasses.replace(report)
        started_at, started = time.time(), time.monotonic()
        listing_failure = await sweep_account(self.state, account, self.config, report, fence=fence)
        log.info(
            "account_swept",
            account=str(account.id),
            worker=self.owner,
            started_at=round(started_at, 3),
            duration_s=round(time.monotonic() - started, 3),
            updated=report.updated - before.updated,
            deleted=report.deleted - before.deleted,
            adopted=report.adopted - before.adopted,
            stuck_failed=report.stuck_failed - before.stuck_failed,
            lookups=report.lookups - before.lookups,
            listed=listing_failure is None,
        )
        if listing_failure is not None:
            # Nothing was compared: the sweep stays due for the next pass.
            return _account_failure(listing_failure) or feed_failure
        async with self.state.sessionmaker() as session, session.begin():
            await AccountSyncRepository(session).record_sweep(
                account.id,
                owner=self.owner,
                at=now,
                next_due_at=now + timedelta(seconds=self.config.reconcile_interval_s),
            )
        return feed_failure

    def _fence(self, account_id: uuid.UUID) -> Fence:
        async def still_ours(session: AsyncSession) -> bool:
            until = self.state.clock() + timedelta(seconds=self.config.account_lease_s)
            return await AccountSyncRepository(session).renew_lease(
                account_id, owner=self.owner, until=until
            )

        return still_ours

    async def _take_lease(self, account_id: uuid.UUID) -> HeldAccount | None:
        now = self.state.clock()
        async with self.state.sessionmaker() as session, session.begin():
            return await AccountSyncRepository(session).take_lease(
                account_id,
                owner=self.owner,
                now=now,
                until=now + timedelta(seconds=self.config.account_lease_s),
            )

    @contextlib.asynccontextmanager
    async def _renewing(self, account_id: uuid.UUID) -> AsyncIterator[None]:
        """Keep the account's lease renewed while the pass runs."""

        async def beat() -> None:
            interval = self.config.account_lease_s / 3
            while True:
                await asyncio.sleep(interval)
                try:
                    async with self.state.sessionmaker() as session, session.begin():
                        until = self.state.clock() + timedelta(seconds=self.config.account_lease_s)
                        kept = await AccountSyncRepository(session).renew_lease(
                            account_id, owner=self.owner, until=until
                        )
                    if not kept:
                        logger.warning("account %s: lease lost during a pass", account_id)
                except Exception:  # a missed beat is survivable; the next one may work
                    logger.warning("account %s: lease renewal failed", account_id)

        heartbeat = asyncio.create_task(beat())
        try:
            yield
        finally:
            heartbeat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await heartbeat


def _account_failure(exc: ProviderError | None) -> ProviderError | None:
    """`exc` when it says the whole account cannot be used now, else None."""
    return exc if exc is not None and health.is_account_failure(exc) else None


def _record_metrics(account_id: uuid.UUID, report: ReconcileReport) -> None:
    """One pass's feed lag, sweep time, applied changes and open orphans, in Prometheus."""
    account = str(account_id)
    if account_id in report.feed_lag_s:
        metrics.FEED_LAG_SECONDS.labels(account).set(report.feed_lag_s[account_id])
    if report.sweeps:
        metrics.SWEEP_SECONDS.labels(account).observe(report.duration_s)
    for kind, count in (
        ("updated", report.updated),
        ("deleted", report.deleted),
        ("adopted", report.adopted),
    ):
        if count:
            metrics.SWEEP_CHANGES.labels(kind).inc(count)
    if account_id in report.open_orphans:
        metrics.ORPHANS.labels(account).set(report.open_orphans[account_id])
