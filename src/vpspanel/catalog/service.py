"""VPS plans, the admin's side: what we sell, built from an upstream plan plus our markup, in
chosen regions. This module creates, edits and deletes plans and refreshes their base prices
from the providers. What a customer may buy is read by `storefront/plans.py`.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from vpspanel import pricing
from vpspanel.catalog.models import VpsPlan, VpsPlanRegion
from vpspanel.catalog.repository import PlanRepository
from vpspanel.catalog.schemas import (
    PlanCreateIn,
    PlanUpdateIn,
    PriceChangeOut,
    PriceRefreshFailure,
    PriceRefreshOut,
)
from vpspanel.errors import AppError, Conflict, NotFound, ValidationFailed
from vpspanel.provider_accounts import health
from vpspanel.provider_accounts.models import ServiceProvider
from vpspanel.provider_accounts.repository import ProviderAccountRepository
from vpspanel.provider_accounts.schemas import UpstreamPlan, UpstreamRegion
from vpspanel.provider_accounts.upstream import UpstreamCatalog
from vpspanel.state import AppState

log = structlog.get_logger(__name__)


# --- admin ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class UpstreamLists:
    """An account's upstream plans and regions, fetched before the write transaction starts."""

    plans: list[UpstreamPlan]
    regions: list[UpstreamRegion]


@dataclass(frozen=True)
class PlanView:
    plan: VpsPlan
    account: ServiceProvider | None
    regions: list[VpsPlanRegion]


@dataclass(frozen=True)
class SaleStatus:
    """Whether customers can buy a plan (the same rules as `storefront/plans.py`) and, if not,
    why; `blocked_regions` are its regions the account's allowed regions exclude."""

    reason: str | None
    blocked_regions: list[str]


def sale_status(view: PlanView) -> SaleStatus:
    account = view.account
    allowed = account.allowed_regions() if account is not None else None
    blocked = [
        row.region_id
        for row in view.regions
        if allowed is not None and row.region_id not in allowed
    ]
    reason: str | None = None
    if not view.plan.active:
        reason = "The plan is inactive."
    elif account is None:
        reason = "The provider account was removed."
    elif not account.active:
        reason = "The provider account is inactive."
    elif not view.regions:
        reason = "The plan has no regions."
    elif len(blocked) == len(view.regions):
        reason = "None of its regions is allowed by the provider account."
    return SaleStatus(reason=reason, blocked_regions=blocked)


# Each operation that asks the provider (through the cache) does so BEFORE its first statement on
# `session`, never after: no provider call happens inside a write transaction (on SQLite it holds
# the only write lock, which the cache's own writes would wait for).


async def list_all(session: AsyncSession) -> list[PlanView]:
    plans = PlanRepository(session)
    rows = await plans.list_all()
    regions = await plans.regions_of([plan.id for plan, _ in rows])
    return [PlanView(plan, account, regions[plan.id]) for plan, account in rows]


async def get(session: AsyncSession, plan_id: uuid.UUID) -> PlanView:
    plan, account = await _load(session, plan_id)
    return await _view(session, plan, account)


async def create(session: AsyncSession, state: AppState, body: PlanCreateIn) -> PlanView:
    known = await _read_account(state, body.provider_id)
    if known is None:
        raise _unknown_provider()
    lists = await _upstream_lists(state, known)
    plans = PlanRepository(session)
    account = await ProviderAccountRepository(session).get(body.provider_id)
    if account is None:
        raise _unknown_provider()
    upstream_plan = _upstream_plan(lists, body.provider_plan_id)
    regions = _checked_regions(account, upstream_plan, lists, body.regions)
    if await plans.exists_named(account.id, upstream_plan.id, body.name):
        raise _duplicate()
    plan = VpsPlan(
        id=uuid.uuid4(),
        provider_id=account.id,
        name=body.name,
        provider_plan_id=upstream_plan.id,
        base_price=pricing.monthly(upstream_plan.price_monthly),
        base_price_hourly=pricing.hourly(upstream_plan.price_hourly),
        markup_price=body.markup_price,
        specifications=_specifications(upstream_plan, [r.id for r in regions]),
        active=body.active,
    )
    region_rows = [_plan_region(plan.id, upstream_plan, region) for region in regions]
    if not await plans.add(plan, region_rows):
        raise _duplicate()
    log.info("plan_created", plan_id=str(plan.id), provider_id=str(account.id))
    return PlanView(plan, account, sorted(region_rows, key=lambda r: r.region_id))


async def update(
    session: AsyncSession, state: AppState, plan_id: uuid.UUID, body: PlanUpdateIn
) -> PlanView:
    lists = await _lists_for_new_regions(state, plan_id, body.regions)
    plans = PlanRepository(session)
    plan, account = await _load(session, plan_id, for_update=True)
    if body.name is not None and body.name != plan.name:
        if plan.provider_id is not None and await plans.exists_named(
            plan.provider_id, plan.provider_plan_id, body.name, excluding=plan.id
        ):
            raise _duplicate()
        if not await plans.rename(plan, body.name):
            raise _duplicate()
    if body.markup_price is not None:
        plan.markup_price = body.markup_price
    if body.active is not None:
        if body.active and (account is None):
            raise Conflict(
                "This plan's provider account was removed; it cannot be sold again.",
                code="invalid_state",
            )
        plan.active = body.active
    if body.regions is not None:
        if account is None:
            raise Conflict(
                "This plan's provider account was removed; its regions cannot change.",
                code="invalid_state",
            )
        await _set_regions(session, plan, account, body.regions, lists)
    await plans.flush()
    return await _view(session, plan, account)


async def delete(session: AsyncSession, plan_id: uuid.UUID) -> None:
    plans = PlanRepository(session)
    plan, _ = await _load(session, plan_id, for_update=True)
    if await plans.count_live_instances(plan.id):
        raise Conflict("Servers use this plan. Deactivate it instead.", code="plan_in_use")
    await plans.delete(plan)


async def refresh_prices(
    session: AsyncSession, state: AppState, provider_id: uuid.UUID | None = None
) -> PriceRefreshOut:
    """Re-read base prices (and specifications) from the providers, bypassing the cache.
    Only plan rows change; what instances were charged is not touched."""
    async with state.read_sessionmaker() as read:
        listed = await PlanRepository(read).list_all(provider_id=provider_id)
    accounts = {account.id: account for _, account in listed if account is not None}
    upstream = UpstreamCatalog(state)
    upstream_plans: dict[uuid.UUID, dict[str, UpstreamPlan]] = {}
    failures: list[PriceRefreshFailure] = []
    now = state.clock()
    for account in accounts.values():
        if health.backing_off(account, now):
            # Like the rest of the background work, leave a failing account alone until its
            # backoff ends (or a passing connection test clears it).
            failures.append(
                PriceRefreshFailure(provider_id=account.id, error=_backing_off_reason(account))
            )
            continue
        try:
            snapshot = await upstream.plans(account, force=True)
        except AppError as exc:
            failures.append(PriceRefreshFailure(provider_id=account.id, error=exc.detail))
            continue
        if snapshot.stale:
            failures.append(
                PriceRefreshFailure(
                    provider_id=account.id, error="The provider is not reachable right now."
                )
            )
            continue
        upstream_plans[account.id] = {item.id: item for item in snapshot.items}
    # The write transaction starts here, after every provider call.
    plans = PlanRepository(session)
    rows = [
        (plan, account)
        for plan, account in await plans.list_all(provider_id=provider_id)
        if account is not None and account.id in upstream_plans
    ]
    regions = await plans.regions_of([plan.id for plan, _ in rows])
    changes: list[PriceChangeOut] = []
    missing: list[uuid.UUID] = []
    for plan, account in rows:
        current = upstream_plans[account.id].get(plan.provider_plan_id)
        if current is None:
            missing.append(plan.id)
            continue
        changes.extend(_apply_prices(plan, current, regions[plan.id]))
    await plans.flush()
    log.info("plan_prices_refreshed", plans=len(rows), changes=len(changes))
    return PriceRefreshOut(
        plans_checked=len(rows), changes=changes, missing_upstream=missing, failures=failures
    )


# --- helpers --------------------------------------------------------------------------------


async def _load(
    session: AsyncSession, plan_id: uuid.UUID, *, for_update: bool = False
) -> tuple[VpsPlan, ServiceProvider | None]:
    found = await PlanRepository(session).get(plan_id, for_update=for_update)
    if found is None:
        raise NotFound("Plan not found.")
    return found


async def _view(session: AsyncSession, plan: VpsPlan, account: ServiceProvider | None) -> PlanView:
    regions = (await PlanRepository(session).regions_of([plan.id]))[plan.id]
    return PlanView(plan, account, regions)


async def _read_account(state: AppState, provider_id: uuid.UUID) -> ServiceProvider | None:
    """The account, read in a short session of its own (no write lock taken)."""
    async with state.read_sessionmaker() as read:
        return await ProviderAccountRepository(read).get(provider_id)


async def _upstream_lists(state: AppState, account: ServiceProvider) -> UpstreamLists:
    upstream = UpstreamCatalog(state)
    plans = await upstream.plans(account)
    regions = await upstream.regions(account)
    return UpstreamLists(plans=plans.items, regions=regions.items)


async def _lists_for_new_regions(
    state: AppState, plan_id: uuid.UUID, wanted: Sequence[str] | None
) -> UpstreamLists | None:
    """The upstream lists when `wanted` adds regions to the plan, else None."""
    if wanted is None:
        return None
    async with state.read_sessionmaker() as read:
        repository = PlanRepository(read)
        found = await repository.get(plan_id)
        if found is None or found[1] is None:
            return None
        current = {row.region_id for row in (await repository.regions_of([plan_id]))[plan_id]}
    if all(region in current for region in wanted):
        return None
    return await _upstream_lists(state, found[1])


async def _set_regions(
    session: AsyncSession,
    plan: VpsPlan,
    account: ServiceProvider,
    wanted: Sequence[str],
    lists: UpstreamLists | None,
) -> None:
    plans = PlanRepository(session)
    current = {row.region_id for row in (await plans.regions_of([plan.id]))[plan.id]}
    added = [region for region in wanted if region not in current]
    new_rows: list[VpsPlanRegion] = []
    if added:
        if lists is None:
            # A concurrent change removed a region since the lists were (not) fetched; the
            # provider is never asked inside this write transaction.
            raise Conflict(
                "The plan's regions changed meanwhile; send the change again.",
                code="plan_changed",
            )
        upstream_plan = _upstream_plan(lists, plan.provider_plan_id)
        for region in _checked_regions(account, upstream_plan, lists, added):
            new_rows.append(_plan_region(plan.id, upstream_plan, region))
    await plans.replace_regions(plan.id, keep=list(wanted), add=new_rows)
    plan.specifications = {**plan.specifications, "regions": sorted(wanted)}


def _upstream_plan(lists: UpstreamLists, provider_plan_id: str) -> UpstreamPlan:
    for item in lists.plans:
        if item.id == provider_plan_id:
            if not item.available:
                raise ValidationFailed.for_field(
                    "provider_plan_id",
                    f"{provider_plan_id} is not available for new servers at the provider.",
                    code="unknown_provider_plan",
                )
            return item
    raise ValidationFailed.for_field(
        "provider_plan_id",
        f"{provider_plan_id} is not a plan of this provider account.",
        code="unknown_provider_plan",
    )


def _checked_regions(
    account: ServiceProvider,
    upstream_plan: UpstreamPlan,
    lists: UpstreamLists,
    wanted: Sequence[str],
) -> list[UpstreamRegion]:
    known = {region.id: region for region in lists.regions}
    allowed = account.allowed_regions()
    checked: list[UpstreamRegion] = []
    for region_id in wanted:
        region = known.get(region_id)
        if region is None:
            raise _region_refused(f"{region_id} is not a region of this provider.")
        if not region.available:
            raise _region_refused(f"{region_id} does not accept new servers.")
        if not upstream_plan.offered_in(region_id):
            raise _region_refused(f"{region_id} does not offer {upstream_plan.id}.")
        if allowed is not None and region_id not in allowed:
            raise _region_refused(f"{region_id} is outside this account's allowed regions.")
        checked.append(region)
    return checked


def _backing_off_reason(account: ServiceProvider) -> str:
    """Why a failing account's prices were not asked for, with its last error (kept scrubbed
    by `health.safe_reason`) and when background work tries it again."""
    retry_at = account.status_next_attempt_at
    when = retry_at.isoformat() if retry_at is not None else "later"
    return (
        f"The account keeps failing ({account.status_error or 'no answer'}); it is left "
        f"alone until {when}. Test its connection to try again now."
    )


def _unknown_provider() -> ValidationFailed:
    return ValidationFailed.for_field(
        "provider_id", "No such provider account.", code="unknown_provider"
    )


def _region_refused(reason: str) -> ValidationFailed:
    return ValidationFailed.for_field("regions", reason, code="region_not_available")


def _duplicate() -> Conflict:
    return Conflict(
        "A plan with this name already sells this upstream plan on this account.",
        code="duplicate_plan",
    )


def _specifications(upstream_plan: UpstreamPlan, regions: Sequence[str]) -> dict[str, object]:
    return {
        "vcpus": upstream_plan.vcpus,
        "memory": upstream_plan.memory_mb,
        "disk": upstream_plan.disk_gb,
        "transfer": upstream_plan.transfer_gb,
        "regions": sorted(regions),
    }


def _plan_region(
    plan_id: uuid.UUID, upstream_plan: UpstreamPlan, region: UpstreamRegion
) -> VpsPlanRegion:
    price = upstream_plan.price_in(region.id)
    return VpsPlanRegion(
        plan_id=plan_id,
        region_id=region.id,
        region_label=region.label,
        country=region.country,
        base_price_monthly=pricing.monthly(price.monthly),
        base_price_hourly=pricing.hourly(price.hourly),
    )


def _apply_prices(
    plan: VpsPlan, upstream_plan: UpstreamPlan, regions: Sequence[VpsPlanRegion]
) -> list[PriceChangeOut]:
    changes: list[PriceChangeOut] = []

    def change(
        region: str | None, period: Literal["monthly", "hourly"], old: Decimal, new: Decimal
    ) -> Decimal:
        if old != new:
            changes.append(
                PriceChangeOut(
                    plan_id=plan.id,
                    plan_name=plan.name,
                    region=region,
                    period=period,
                    old=old,
                    new=new,
                )
            )
        return new

    plan.base_price = change(
        None, "monthly", plan.base_price, pricing.monthly(upstream_plan.price_monthly)
    )
    plan.base_price_hourly = change(
        None, "hourly", plan.base_price_hourly, pricing.hourly(upstream_plan.price_hourly)
    )
    for row in regions:
        price = upstream_plan.price_in(row.region_id)
        row.base_price_monthly = change(
            row.region_id, "monthly", row.base_price_monthly, pricing.monthly(price.monthly)
        )
        row.base_price_hourly = change(
            row.region_id, "hourly", row.base_price_hourly, pricing.hourly(price.hourly)
        )
    plan.specifications = {
        **_specifications(upstream_plan, plan.specifications.get("regions", [])),
    }
    return changes


async def refresh_plan_prices(
    state: AppState, provider_id: uuid.UUID | None = None
) -> PriceRefreshOut:
    """For the CLI / a scheduled job: refresh every plan's base prices in one transaction
    (begun after the provider calls, see `refresh_prices`)."""
    async with state.sessionmaker() as session:
        result = await refresh_prices(session, state, provider_id)
        await session.commit()
        return result
