"""Keeping every server true to its cloud: what a provider reports, applied to our records.

Two readers feed this module, both scheduled per account by `worker/account_sync.py`: the
account's change feed, whose entries name servers to re-read one by one (`reread_servers`,
called from `worker/feeds.py`), and the full sweep (`sweep_account`), a complete listing
compared with every instance row of the account.

A sweep costs ceil(N / page size) list requests and, in the database, a constant number of
statements whatever N is: one query loads the account's rows (with their plans' provider ids),
one its unfinished operations, one the untracked check; only rows that differ are locked (one
statement) and written. A sweep that finds nothing changed writes nothing and sends nothing.

The rules, for both readers:
- A server an operation of ours is working on is left to that operation, and so is a row
  written after the read began (the read is older than our record).
- A server in a transitional state at the provider is left until it settles (the feed reports
  the change again when it ends), unless our row has been transitional with no operation for
  `WorkerConfig.stuck_after_s`: then the instance is failed with a reason. A transitional row
  whose server has settled is simply resolved from it.
- A server of ours missing from a complete listing is looked up directly; only a 404 marks the
  instance deleted ("Deleted at the provider"). A listing that fails on any page raises before
  anything is compared, so a partial listing deletes nothing. A feed re-read's 404 deletes
  nothing: it asks for this sweep.
- Every change applied adds an `observed` event with before → after, in the customer's words
  (never the provider's name nor its plan ids); admins read the same events.
- Tagged servers no live instance of the account claims go to `orphans.reconcile_orphans`
  (which adopts a lost create's server or lists it for an admin). Servers without our tag
  are never listed, so never touched.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field, fields
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

from vpspanel import metrics
from vpspanel.instances.models import VpsInstance
from vpspanel.instances.repository import InstanceRepository
from vpspanel.instances.state import is_transitional
from vpspanel.instances.tasks import RESIZE_NOT_CARRIED_OUT
from vpspanel.operations.repository import OperationRepository
from vpspanel.orphans.service import reconcile_orphans
from vpspanel.provider_accounts.models import ServiceProvider
from vpspanel.provider_accounts.repository import ProviderAccountRepository
from vpspanel.providers.base import Provider, instance_id_from_tags
from vpspanel.providers.errors import ProviderError, ProviderRateLimited
from vpspanel.providers.types import InstanceStatus, ProviderInstance
from vpspanel.state import AppState
from vpspanel.worker.config import WorkerConfig

logger = logging.getLogger(__name__)

OBSERVED_EVENT = "observed"
OUTSIDE_THE_PANEL = "Changed outside the panel, as observed at the provider"
AFTER_FAILED_RESIZE = (
    "Changed at the provider after the resize was reported not carried out (the cloud may "
    "have carried it out late), as observed"
)
DELETED_EVENT = "deleted_at_provider"
STUCK_EVENT = "stuck"
UNOFFERED_PLAN = "a plan not offered here"
DELETED_AT_PROVIDER = "Deleted at the provider: the server no longer exists there."
NEVER_CREATED = (
    "The server was never created at the cloud provider. Delete it and deploy again; you "
    "have not been charged for it."
)


# Called first in every write transaction of a sweep or re-read: True while this worker still
# holds the account's lease (renewing it, and on PostgreSQL locking the lease row until the
# transaction ends, so another worker cannot take the account over mid-write).
Fence = Callable[[AsyncSession], Awaitable[bool]]


class AccountLeaseLost(Exception):
    """Another worker holds the account now: this pass writes nothing more."""


@dataclass
class ReconcileReport:
    """What sweeps and feed polls did; the counters metrics are made from.

    `updated`: instances changed to match the provider (each with an `observed` event);
    `deleted`: instances marked deleted after a complete listing and a 404;
    `stuck_resolved` / `stuck_failed`: instances transitional with no operation past
    `stuck_after_s`, resolved from a re-read / marked failed with a reason;
    `untracked`: tagged servers no live instance of the account claims (open orphans);
    `adopted`: servers of lost creates bound to their instance (`orphans.service`);
    `open_orphans`: per account id, its open orphans after its last complete listing;
    `unreachable_accounts`: listings that failed (nothing compared for them);
    `lookups`: direct reads of one server (deletion checks, feed re-reads);
    `sweeps` / `feed_polls` / `gaps`: passes made, and feed polls that asked for a sweep;
    `deferred_accounts`: passes put off because the account is rate limited;
    `duration_s`: seconds spent sweeping; `feed_lag_s`: per account id, seconds since its
    feed was last read successfully (set by the scheduler)."""

    updated: int = 0
    deleted: int = 0
    stuck_resolved: int = 0
    stuck_failed: int = 0
    untracked: int = 0
    adopted: int = 0
    unreachable_accounts: int = 0
    lookups: int = 0
    sweeps: int = 0
    feed_polls: int = 0
    gaps: int = 0
    deferred_accounts: int = 0
    duration_s: float = 0.0
    feed_lag_s: dict[uuid.UUID, float] = field(default_factory=dict)
    open_orphans: dict[uuid.UUID, int] = field(default_factory=dict)

    def add(self, other: ReconcileReport) -> None:
        """Add `other`'s counters to these (its feed lags and orphan counts replace ours)."""
        for counter in fields(self):
            name = counter.name
            if name not in ("feed_lag_s", "open_orphans"):
                setattr(self, name, getattr(self, name) + getattr(other, name))
        self.feed_lag_s.update(other.feed_lag_s)
        self.open_orphans.update(other.open_orphans)

    @property
    def changed(self) -> int:
        return self.updated + self.deleted + self.stuck_failed


@dataclass(frozen=True)
class _Planned:
    """What the write phase does to one instance row."""

    action: Literal["observe", "gone", "fail"]
    server: ProviderInstance | None = None
    reason: str | None = None
    stuck: bool = False


@dataclass(frozen=True)
class _Difference:
    field: Literal["status", "ipv4", "ipv6", "plan", "label"]
    words: str
    before: str | None
    after: str | None


# -- the full sweep ------------------------------------------------------------------------


async def reconcile(state: AppState, config: WorkerConfig | None = None) -> ReconcileReport:
    """Sweep every active account now, one after another, with no lease (tests, tools); the
    worker sweeps through `worker/account_sync.AccountSync` instead. A rate-limited account is
    counted in `deferred_accounts` and skipped."""
    config = config or WorkerConfig()
    report = ReconcileReport()
    async with state.read_sessionmaker() as session:
        accounts = list(await ProviderAccountRepository(session).list_active())
    for account in accounts:
        try:
            await sweep_account(state, account, config, report)
        except ProviderRateLimited:
            report.deferred_accounts += 1
    return report


async def sweep_account(
    state: AppState,
    account: ServiceProvider,
    config: WorkerConfig,
    report: ReconcileReport,
    *,
    fence: Fence | None = None,
) -> ProviderError | None:
    """Compare one account's complete listing with its instance rows and apply what differs.

    Adds to `report`. A listing that fails (any page) counts the account unreachable, changes
    nothing and is returned (for the caller to count against the account; None when the
    listing was read); ProviderRateLimited (including ProviderBudgetWait) propagates, for the
    caller to defer the account; AccountLeaseLost when `fence` says the account is no longer
    ours (nothing written)."""
    started = time.monotonic()
    report.sweeps += 1
    try:
        return await _sweep(state, account, config, report, fence)
    finally:
        report.duration_s += time.monotonic() - started


async def _sweep(
    state: AppState,
    account: ServiceProvider,
    config: WorkerConfig,
    report: ReconcileReport,
    fence: Fence | None,
) -> ProviderError | None:
    provider = state.providers.for_account(account)
    listed_at = state.clock()
    try:
        listed = await provider.list_instances(tagged_only=True)
    except ProviderRateLimited:
        raise
    except ProviderError as exc:
        report.unreachable_accounts += 1
        logger.warning("sweep: account %s unreachable (%s)", account.id, type(exc).__name__)
        return exc
    async with state.read_sessionmaker() as session:
        rows = await InstanceRepository(session).live_of_account(account.id)
        busy = await OperationRepository(session).unfinished_instance_ids(account_id=account.id)
    stuck_before = state.clock() - timedelta(seconds=config.stuck_after_s)
    by_server = {i.provider_instance_id: (i, plan) for i, plan in rows if i.provider_instance_id}
    by_id = {instance.id: (instance, plan) for instance, plan in rows}
    planned: dict[uuid.UUID, _Planned] = {}
    seen: set[uuid.UUID] = set()
    for server in listed:
        entry = by_server.get(server.id)
        if entry is None:
            our_id = instance_id_from_tags(server.tags)
            entry = by_id.get(our_id) if our_id is not None else None
            if (
                entry is None
                or entry[0].provider_instance_id is not None
                or entry[0].status == InstanceStatus.FAILED
            ):
                # Not ours, a second server carrying the tag of a bound instance, or the
                # server of a create that failed: the orphan pass adopts it or lists it.
                continue
        instance, row_plan = entry
        seen.add(instance.id)
        if instance.id in busy or instance.updated_at > listed_at:
            continue
        plan = _plan_for(instance, row_plan, server, provider, stuck_before, config)
        if plan is not None:
            planned[instance.id] = plan
    missing = [
        instance
        for instance, _ in rows
        if instance.id not in seen and instance.id not in busy and instance.updated_at <= listed_at
    ]
    for instance in missing:
        if instance.provider_instance_id is None:
            if is_transitional(instance.status) and instance.updated_at < stuck_before:
                planned[instance.id] = _Planned("fail", reason=NEVER_CREATED, stuck=True)
            continue
        # Missing from a complete listing: only the server's own address can say it is gone
        # (a listing may lag a create, and a server whose tag was removed is not listed).
        report.lookups += 1
        try:
            looked_up = await provider.get_instance(instance.provider_instance_id)
        except ProviderRateLimited:
            raise
        except ProviderError as exc:
            logger.warning(
                "sweep: server %s/%s could not be looked up (%s)",
                account.id,
                instance.provider_instance_id,
                type(exc).__name__,
            )
            continue
        if looked_up is None:
            # Missing from a complete listing and 404 at its own address: the only proof that
            # a server is gone (a feed re-read's 404 alone asks for this sweep).
            stuck = is_transitional(instance.status) and instance.updated_at < stuck_before
            planned[instance.id] = _Planned("gone", stuck=stuck)
            continue
        plan = _plan_for(instance, by_id[instance.id][1], looked_up, provider, stuck_before, config)
        if plan is not None:
            planned[instance.id] = plan
    async with state.sessionmaker() as session, session.begin():
        await _check(fence, session)
        if planned:
            await _write(session, state, account, provider, planned, listed_at, config, report)
        orphans = await reconcile_orphans(session, state, account, listed, complete=True)
        report.untracked += orphans.open
        report.adopted += orphans.adopted
        report.open_orphans[account.id] = orphans.open
    if planned:
        logger.info(
            "sweep: account %s: %d listed, %d to apply", account.id, len(listed), len(planned)
        )
    return None


# -- a change feed's re-read -----------------------------------------------------------------


async def reread_servers(
    state: AppState,
    account: ServiceProvider,
    provider_instance_ids: Sequence[str],
    config: WorkerConfig,
    report: ReconcileReport,
    *,
    fence: Fence | None = None,
) -> str | None:
    """Re-read the servers a change feed named and apply what changed. Only ours are read (one
    GET each), and not those an operation of ours is working on (it reads them itself).
    Returns why a full sweep is needed instead (more than `feed_reread_max` to read, a read
    failed, a server answered 404: one 404 is not proof it is gone, the sweep's complete
    listing and second look are), None when done; ProviderRateLimited and AccountLeaseLost
    propagate."""
    provider = state.providers.for_account(account)
    read_at = state.clock()
    async with state.read_sessionmaker() as session:
        named = await InstanceRepository(session).live_of_account_servers(
            account.id, provider_instance_ids
        )
        busy = await OperationRepository(session).unfinished_instance_ids(
            instance_ids=[instance.id for instance in named]
        )
    ours = [
        instance.provider_instance_id
        for instance in named
        if instance.provider_instance_id is not None and instance.id not in busy
    ]
    if len(ours) > config.feed_reread_max:
        return f"{len(ours)} servers changed (more than {config.feed_reread_max})"
    if not ours:
        return None
    servers: dict[str, ProviderInstance] = {}
    not_found: list[str] = []
    for provider_instance_id in ours:
        report.lookups += 1
        try:
            server = await provider.get_instance(provider_instance_id)
        except ProviderRateLimited:
            raise
        except ProviderError as exc:
            logger.warning(
                "feed: server %s/%s could not be re-read (%s)",
                account.id,
                provider_instance_id,
                type(exc).__name__,
            )
            return "a changed server could not be re-read"
        if server is None:
            not_found.append(provider_instance_id)
        else:
            servers[provider_instance_id] = server
    if not servers:
        return _not_found_reason(not_found)
    stuck_before = state.clock() - timedelta(seconds=config.stuck_after_s)
    async with state.sessionmaker() as session, session.begin():
        await _check(fence, session)
        instances = InstanceRepository(session)
        locked = await instances.live_of_account_servers(account.id, list(servers), for_update=True)
        busy = await OperationRepository(session).unfinished_instance_ids(
            instance_ids=[instance.id for instance in locked]
        )
        plans = await instances.plans_of_account(account.id)
        provider_plans = {plan_id: upstream for upstream, (plan_id, _) in plans.items()}
        now = state.clock()
        for instance in locked:
            if instance.id in busy or instance.updated_at > read_at:
                continue
            assert instance.provider_instance_id is not None  # selected by it
            server = servers[instance.provider_instance_id]
            row_plan = provider_plans.get(instance.plan_id) if instance.plan_id else None
            plan = _plan_for(instance, row_plan, server, provider, stuck_before, config)
            if plan is not None:
                _carry_out(session, instance, plan, row_plan, plans, provider, now, report, config)
    return _not_found_reason(not_found)


def _not_found_reason(not_found: list[str]) -> str | None:
    if not not_found:
        return None
    return f"{len(not_found)} changed server(s) not found on re-read: the sweep confirms"


# -- deciding and applying -------------------------------------------------------------------


async def _check(fence: Fence | None, session: AsyncSession) -> None:
    if fence is not None and not await fence(session):
        raise AccountLeaseLost()


def _plan_for(
    instance: VpsInstance,
    row_plan: str | None,
    server: ProviderInstance,
    provider: Provider,
    stuck_before: datetime,
    config: WorkerConfig,
) -> _Planned | None:
    """What to do with an instance (no operation of ours on it) given its server as just read.
    None when nothing is to be done. Never "gone": only the sweep decides that (see `_sweep`)."""
    stuck = is_transitional(instance.status) and instance.updated_at < stuck_before
    if server.status.is_transitional:
        if not stuck:
            return None  # the provider is changing it; the end of the change is read later
        minutes = round(config.stuck_after_s / 60)
        return _Planned(
            "fail",
            server,
            reason=(
                f"The server stayed {instance.status} for more than {minutes} minutes and is "
                f"still {server.status.value} at the cloud provider. Contact support if it "
                "does not recover."
            ),
            stuck=True,
        )
    if instance.provider_instance_id == server.id and not _differences(
        instance, row_plan, server, provider
    ):
        return None
    return _Planned("observe", server, stuck=stuck)


async def _write(
    session: AsyncSession,
    state: AppState,
    account: ServiceProvider,
    provider: Provider,
    planned: dict[uuid.UUID, _Planned],
    listed_at: datetime,
    config: WorkerConfig,
    report: ReconcileReport,
) -> None:
    """Apply `planned` under row locks, re-checking each row: an operation may have started,
    or the row changed, since it was read."""
    instances = InstanceRepository(session)
    locked = await instances.lock_many(list(planned))
    busy = await OperationRepository(session).unfinished_instance_ids(instance_ids=list(planned))
    plans = await instances.plans_of_account(account.id)
    provider_plans = {plan_id: upstream for upstream, (plan_id, _) in plans.items()}
    now = state.clock()
    for instance_id, plan in planned.items():
        instance = locked.get(instance_id)
        if (
            instance is None
            or instance_id in busy
            or instance.provider_id != account.id
            or instance.status == InstanceStatus.DELETED
            or instance.updated_at > listed_at
        ):
            continue
        row_plan = provider_plans.get(instance.plan_id) if instance.plan_id else None
        _carry_out(session, instance, plan, row_plan, plans, provider, now, report, config)


def _carry_out(
    session: AsyncSession,
    instance: VpsInstance,
    plan: _Planned,
    row_plan: str | None,
    plans: dict[str, tuple[uuid.UUID, str]],
    provider: Provider,
    now: datetime,
    report: ReconcileReport,
    config: WorkerConfig,
) -> None:
    events = InstanceRepository(session)
    if plan.action == "gone":
        instance.updated_at = now
        instance.status = InstanceStatus.DELETED.value
        instance.deleted_at = now
        instance.error = None
        instance.progress = None
        events.add_event(
            instance, type=DELETED_EVENT, status="succeeded", message=DELETED_AT_PROVIDER
        ).finished_at = now
        report.deleted += 1
        logger.info("instance %s deleted at the provider", instance.id)
        return
    if plan.action == "fail":
        reason = plan.reason or NEVER_CREATED
        metrics.STUCK_INSTANCES_FAILED.labels(instance.status).inc()
        instance.updated_at = now
        instance.status = InstanceStatus.FAILED.value
        instance.error = reason[:500]
        events.add_event(
            instance, type=STUCK_EVENT, status="failed", message=reason
        ).finished_at = now
        report.stuck_failed += 1
        logger.warning("instance %s stuck past %ss: failed", instance.id, config.stuck_after_s)
        return
    assert plan.server is not None
    server = plan.server
    differences = _differences(instance, row_plan, server, provider)
    provider_status = server.raw_status[:32] or None
    if (
        not differences
        and instance.provider_instance_id == server.id
        and instance.provider_status == provider_status
    ):
        return
    instance.updated_at = now
    instance.provider_instance_id = server.id
    instance.provider_status = provider_status
    for difference in differences:
        _apply(instance, difference, plans)
    if not differences:
        return  # the provider's own word changed, or the server was bound: nothing to tell
    report.updated += 1
    report.stuck_resolved += plan.stuck
    # A resize reported not carried out whose plan then changes: the cloud may have carried it
    # out late. Said so, and the failure no longer describes the server.
    after_failed_resize = instance.error == RESIZE_NOT_CARRIED_OUT and any(
        difference.field == "plan" for difference in differences
    )
    events.add_event(
        instance,
        type=OBSERVED_EVENT,
        status="succeeded",
        message=observed_message(
            differences, plans, lead=AFTER_FAILED_RESIZE if after_failed_resize else None
        ),
    ).finished_at = now
    if after_failed_resize:
        instance.error = None
    if any(difference.field == "status" for difference in differences):
        # An error belongs to the operation that failed; once the server is seen in another
        # state it no longer describes the server.
        instance.error = None
        _note_status_change(session, instance, server.raw_status)


def _differences(
    instance: VpsInstance, row_plan: str | None, server: ProviderInstance, provider: Provider
) -> list[_Difference]:
    """What the provider shows differently from our record, in the order a customer reads it."""
    found: list[_Difference] = []
    if instance.status != server.status.value:
        found.append(_Difference("status", "status", instance.status, server.status.value))
    if instance.ip_address != server.ipv4:
        found.append(_Difference("ipv4", "IPv4 address", instance.ip_address, server.ipv4))
    if instance.ipv6 != server.ipv6:
        found.append(_Difference("ipv6", "IPv6 address", instance.ipv6, server.ipv6))
    # Our plan's provider id; a server resized to a plan we do not offer has none and keeps
    # the provider's id in `observed_plan` instead.
    recorded_plan = row_plan if instance.plan_id is not None else _text(instance, "observed_plan")
    if recorded_plan is not None and server.plan_id and server.plan_id != recorded_plan:
        found.append(_Difference("plan", "plan", recorded_plan, server.plan_id))
    expected_label = _expected_label(instance, provider)
    if expected_label is not None and server.label and server.label != expected_label:
        found.append(_Difference("label", "name", instance.label, server.label))
    return found


def _apply(
    instance: VpsInstance, difference: _Difference, plans: dict[str, tuple[uuid.UUID, str]]
) -> None:
    if difference.field == "status":
        instance.status = str(difference.after)
    elif difference.field == "ipv4":
        instance.ip_address = difference.after
    elif difference.field == "ipv6":
        instance.ipv6 = difference.after
    elif difference.field == "plan":
        known = plans.get(difference.after or "")
        configuration = dict(instance.configuration)
        if known is not None:
            instance.plan_id = known[0]
            configuration.pop("observed_plan", None)
        else:
            instance.plan_id = None
            configuration["observed_plan"] = difference.after
        instance.configuration = configuration
    elif difference.field == "label":
        # The provider's name is remembered as seen, so the next read compares with it
        # rather than with the name we derive from the label.
        instance.label = str(difference.after)[:253]
        instance.configuration = {**instance.configuration, "provider_label": difference.after}


def observed_message(
    differences: Sequence[_Difference],
    plans: dict[str, tuple[uuid.UUID, str]],
    *,
    lead: str | None = None,
) -> str:
    """`Changed outside the panel, as observed at the provider: status running → stopped;
    plan Standard 1GB → Standard 2GB.` (`lead` replaces the words before the colon). A plan we
    do not sell is named `a plan not offered here`, never by the provider's id (customers and
    admins read the same text, and the id would tell a customer which provider runs their
    server)."""
    names = {upstream: name for upstream, (_, name) in plans.items()}

    def shown(difference: _Difference, value: str | None) -> str:
        if value is None:
            return "none"
        if difference.field == "plan":
            return names.get(value, UNOFFERED_PLAN)
        return value

    parts = [
        f"{difference.words} {shown(difference, difference.before)} → "
        f"{shown(difference, difference.after)}"
        for difference in differences
    ]
    return f"{lead or OUTSIDE_THE_PANEL}: " + "; ".join(parts) + "."


def _expected_label(instance: VpsInstance, provider: Provider) -> str | None:
    """The name the provider should show: as last seen there, else derived from our label
    (None when it cannot be derived, and the name is then not compared)."""
    seen = _text(instance, "provider_label")
    if seen is not None:
        return seen
    try:
        return provider.provider_label(instance.label, instance.id)
    except (ProviderError, ValueError):
        return None


def _text(instance: VpsInstance, key: str) -> str | None:
    value = (instance.configuration or {}).get(key)
    return value if isinstance(value, str) else None


def _note_status_change(session: AsyncSession, instance: VpsInstance, raw_status: str) -> None:
    if instance.status == InstanceStatus.DELETED:
        instance.deleted_at = instance.updated_at
    elif instance.status == InstanceStatus.UNKNOWN:
        # Admins are alerted by the log (and see provider_status); the customer reads why no
        # action is offered.
        logger.warning(
            "reconcile: instance %s reports provider status %r, which we do not know",
            instance.id,
            raw_status,
        )
        InstanceRepository(session).add_event(
            instance,
            type="status_unknown",
            status="failed",
            message="The cloud provider reported a state we do not recognise; our team has "
            "been alerted.",
        )
