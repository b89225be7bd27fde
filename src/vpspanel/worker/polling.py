"""Shared status polls: many servers of one account watched at once cost one list request.

While a bulk deploy runs, a hundred servers of one account are being created and each one's
operation re-reads its server every poll interval: a hundred GETs per interval, which would use
up DigitalOcean's 250 requests a minute in seconds. Both providers list an account's tagged
servers a page (200 on DigitalOcean, 500 on Linode) at a time, with the same fields as a single
read, so when several servers of an account are being watched, one listing answers all of them.

With many creates of one account under way the operations themselves are the cost: a hundred
operations each stepping every poll interval is two transactions apiece, and a worker saturated
with steps that only learn "still provisioning" starves the creates still to be sent. So while
at least `MIN_SHARED` creates of an account are being watched, `watch_accounts` lists the
account twice per poll interval and, for the operations whose server changed or settled, runs
their next step against the listing and writes all their outcomes in one transaction (the
worker's `settle`; without one it wakes them, run_after = now, to step on their own). Those
operations meanwhile wait a backstop of `BACKSTOP_POLLS` intervals, in case the watcher itself
cannot run. Each server is then shown running within one poll interval of the provider, at two
listings and at most two transactions per interval for the whole account.

A listing is used only if it was asked for at most `max_age_s` (half a poll interval) ago. An
operation's previous step (which may have sent an action) ended a whole poll interval before its
next read, so whatever listing that read uses was started after the action was sent: it can
never show the server as it was before. A server missing from a listing (made after it, or
without our tag) is read on its own, as is everything when too few are being watched or
polls are instant (tests).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from vpspanel.operations.repository import OperationRepository
from vpspanel.provider_accounts import health
from vpspanel.provider_accounts.repository import ProviderAccountRepository
from vpspanel.providers.base import Provider
from vpspanel.providers.errors import ProviderError
from vpspanel.providers.http import BUDGET_PATIENCE_S
from vpspanel.providers.types import ProviderInstance
from vpspanel.state import AppState

logger = logging.getLogger(__name__)

# Share a listing when at least this many servers of one account are being watched.
MIN_SHARED = 3
# A server counts as watched for this long after its last read.
WATCHED_FOR_S = 15.0
# A watched create waits this many poll intervals unless the watcher wakes it first.
BACKSTOP_POLLS = 10

# Runs the next step of watched operations against the servers a listing showed (operation id
# -> its server) and writes the outcomes; returns the operations it left to run on their own.
Settle = Callable[[uuid.UUID, dict[uuid.UUID, ProviderInstance]], Awaitable[list[uuid.UUID]]]


@dataclass
class _Listing:
    started_at: float
    loop: asyncio.AbstractEventLoop
    answer: asyncio.Future[dict[str, ProviderInstance]]


@dataclass
class _Account:
    watched: dict[str, float] = field(default_factory=dict)  # provider id -> last asked
    listing: _Listing | None = None


class SharedPolls:
    """Per process: which servers of each account are being watched, and the latest listing."""

    def __init__(self, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._monotonic = monotonic
        self._accounts: dict[str, _Account] = {}
        self._lock = threading.Lock()
        self.listings = 0  # listings made (for tests and the bench)
        self.single_reads = 0

    async def get_instance(
        self, provider: Provider, account: str, provider_instance_id: str, max_age_s: float
    ) -> ProviderInstance | None:
        now = self._monotonic()
        loop = asyncio.get_running_loop()
        with self._lock:
            state = self._accounts.setdefault(account, _Account())
            state.watched[provider_instance_id] = now
            for stale in [pid for pid, at in state.watched.items() if at < now - WATCHED_FOR_S]:
                del state.watched[stale]
            listing = state.listing
            usable = (
                max_age_s > 0
                and listing is not None
                and listing.loop is loop
                and listing.started_at >= now - max_age_s
                and not (listing.answer.done() and listing.answer.exception() is not None)
            )
            start = not usable and max_age_s > 0 and len(state.watched) >= MIN_SHARED
            if start:
                listing = _Listing(now, loop, loop.create_future())
                state.listing = listing
        if start:
            assert listing is not None
            await self._list(provider, listing)
        if (usable or start) and listing is not None:
            try:
                found = (await asyncio.shield(listing.answer)).get(provider_instance_id)
            except Exception:
                found = None  # the listing failed: read this one on its own
            if found is not None:
                return found
        self.single_reads += 1
        return await provider.get_instance(provider_instance_id)

    async def _list(self, provider: Provider, listing: _Listing) -> None:
        self.listings += 1
        """Fill `listing`; a failure is kept in it, and each waiter then reads on its own."""
        try:
            servers = await provider.list_instances(tagged_only=True)
        except Exception as exc:
            listing.answer.set_exception(exc)
            listing.answer.exception()  # retrieved, so never reported as unhandled
            return
        except BaseException:  # cancelled (its step timed out): release the waiters
            listing.answer.set_exception(RuntimeError("listing cancelled"))
            listing.answer.exception()
            raise
        listing.answer.set_result({server.id: server for server in servers})

    def watch(self, account: str, provider_instance_id: str) -> None:
        """Count a server as watched from now, before its first read: a create just answered
        is about to be, so the creates bound after it wait for the watcher from the start."""
        with self._lock:
            state = self._accounts.setdefault(account, _Account())
            state.watched[provider_instance_id] = self._monotonic()

    def shared(self, account: str) -> bool:
        """True while enough servers of `account` are watched for listings to answer them."""
        now = self._monotonic()
        with self._lock:
            state = self._accounts.get(account)
            if state is None:
                return False
            return sum(at >= now - WATCHED_FOR_S for at in state.watched.values()) >= MIN_SHARED

    async def refresh(self, provider: Provider, account: str) -> dict[str, ProviderInstance]:
        """List the account now (the watcher); steps in the next `max_age_s` use this."""
        loop = asyncio.get_running_loop()
        listing = _Listing(self._monotonic(), loop, loop.create_future())
        with self._lock:
            self._accounts.setdefault(account, _Account()).listing = listing
        await self._list(provider, listing)
        return await asyncio.shield(listing.answer)


async def watch_accounts(
    state: AppState,
    polls: SharedPolls,
    poll_interval_s: float,
    stop: asyncio.Event,
    settle: Settle | None = None,
) -> None:
    """Every `poll_interval_s`, list each account with `MIN_SHARED` or more creates being
    watched; the operations whose server changed are settled from the listing (`settle`, one
    transaction for all of them), or woken to run their own step when `settle` is None or
    leaves them. Runs beside the worker's slots."""
    # A fixed cadence: a slow pass (a listing, its writes) does not push the next one later,
    # or a server would be seen running a whole pass after the interval.
    next_at = time.monotonic() + poll_interval_s
    while not stop.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=max(next_at - time.monotonic(), 0.0))
        if stop.is_set():
            return
        next_at = max(next_at + poll_interval_s, time.monotonic())
        try:
            await _watch_once(state, polls, settle)
        except Exception:
            logger.exception("shared status poll failed; operations poll on their own")


async def _watch_once(state: AppState, polls: SharedPolls, settle: Settle | None = None) -> None:
    async with state.read_sessionmaker() as session:
        rows = await OperationRepository(session).watched_creates()
    by_account: dict[uuid.UUID, list[tuple[uuid.UUID, str, str | None]]] = {}
    for operation_id, account_id, provider_instance_id, provider_status in rows:
        if account_id is None or provider_instance_id is None:
            continue
        by_account.setdefault(account_id, []).append(
            (operation_id, provider_instance_id, provider_status)
        )
    for account_id, watched in by_account.items():
        if len(watched) < MIN_SHARED:
            # Too few left to share a listing: each polls on its own again, now.
            await _wake(state, [operation_id for operation_id, _, _ in watched])
            continue
        async with state.read_sessionmaker() as session:
            account = await ProviderAccountRepository(session).get(account_id)
        if account is None or health.backing_off(account, state.clock()):
            continue  # a failing account: its operations poll on their own, backing off
        token = BUDGET_PATIENCE_S.set(0.0)  # no room for a read now: the next interval
        try:
            # On behalf of customers' creates: their priority (the task's default).
            listed = await polls.refresh(state.providers.for_account(account), str(account_id))
        except ProviderError as exc:
            if health.is_account_failure(exc):
                async with state.sessionmaker() as session, session.begin():
                    await health.record_failure(session, account_id, exc, state.clock())
            continue
        finally:
            BUDGET_PATIENCE_S.reset(token)
        if account.status_ok is False or account.status_failures:
            async with state.sessionmaker() as session, session.begin():
                await health.record_success(session, account_id, state.clock())
        # A server missing from the listing is read on its own (its step counts the misses).
        missing = [
            operation_id
            for operation_id, provider_instance_id, _ in watched
            if provider_instance_id not in listed
        ]
        changed = {
            operation_id: server
            for operation_id, provider_instance_id, provider_status in watched
            if (server := listed.get(provider_instance_id)) is not None
            and (
                not server.status.is_transitional
                or (server.raw_status[:32] or None) != provider_status
            )
        }
        left = list(changed) if settle is None or not changed else await settle(account_id, changed)
        await _wake(state, missing + left)


async def _wake(state: AppState, operation_ids: list[uuid.UUID]) -> None:
    """Make these operations due now (those still queued: one may have just been claimed)."""
    if not operation_ids:
        return
    now = state.clock()
    async with state.sessionmaker() as session, session.begin():
        await OperationRepository(session).make_queued_due(operation_ids, now)


class ListedServer:
    """A provider that knows one server, as a listing showed it: a watched step's only read
    answered without a request. Anything else a step might call is a programming error."""

    def __init__(self, server: ProviderInstance) -> None:
        self._server = server

    async def get_instance(self, provider_instance_id: str) -> ProviderInstance | None:
        if provider_instance_id != self._server.id:
            raise LookupError(f"the listing answered for server {self._server.id} only")
        return self._server


class PolledProvider:
    """A provider whose `get_instance` goes through the shared polls; all else is the driver."""

    def __init__(
        self, provider: Provider, polls: SharedPolls, account: str, max_age_s: float
    ) -> None:
        self._provider = provider
        self._polls = polls
        self._account = account
        self._max_age_s = max_age_s

    async def get_instance(self, provider_instance_id: str) -> ProviderInstance | None:
        return await self._polls.get_instance(
            self._provider, self._account, provider_instance_id, self._max_age_s
        )

    def __getattr__(self, name: str) -> Any:
        return getattr(self._provider, name)
