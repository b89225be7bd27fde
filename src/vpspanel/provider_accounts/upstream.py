"""The providers' plans, regions and images, normalized and cached per provider account.

The cache lives in `upstream_catalog_cache`, shared by every process. It is read and written in
its OWN short transactions, never in the caller's: the provider is called with no transaction
open (on SQLite a write transaction holds the database's only write lock), and a filled cache
stays filled when the request that filled it fails later.

- In one process, concurrent misses for the same (account, kind) share one upstream call: the
  first caller fetches, the others await its result (single-flight).
- Across processes, the fetcher first takes a lease on the row (`refreshing_until`, set by an
  atomic conditional UPDATE, committed): another process that finds it leased serves the stale
  copy instead of calling the provider too; a first fill (no copy yet) waits for the lease
  holder's result.
- When the provider is down, a stale copy is served (`stale: true`) and `refreshing_until` is set
  so that nobody retries the provider for RETRY_BACKOFF.
- Refreshes count toward the account's health like the other background work
  (`provider_accounts.health`): a refused key or a provider that is down is recorded as an
  account failure, an answer clears the streak, and while the account backs off a catalog we
  can still serve is served stale without asking. A first fill (someone waiting for a list we
  never had) still asks: it is a customer's request, not background work.
- Rotating an account's key deletes its rows (`invalidate`, in the caller's transaction).

Callers ask for the catalog with NO write transaction of theirs open (deploy and rebuild
resolve the plan and its images in read sessions first; admin changes ask before their first
statement): the cache writes in transactions of its own, which on SQLite would wait for the
caller's write lock, and no provider call may ever hold a write transaction open.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Generic, TypeVar

import structlog
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from vpspanel.errors import NotFound, ProviderUnavailable, ValidationFailed
from vpspanel.provider_accounts import health
from vpspanel.provider_accounts.models import ServiceProvider
from vpspanel.provider_accounts.repository import (
    NEVER_FETCHED,
    CatalogCacheRepository,
    ProviderAccountRepository,
)
from vpspanel.provider_accounts.schemas import (
    CatalogKind,
    UpstreamImage,
    UpstreamPlan,
    UpstreamRegion,
    UpstreamRegionPrice,
)
from vpspanel.provider_errors import customer_error
from vpspanel.providers.base import Provider
from vpspanel.providers.errors import ProviderError
from vpspanel.providers.http import RequestPriority, request_priority
from vpspanel.providers.types import ProviderImage, ProviderPlan, ProviderRegion
from vpspanel.state import AppState

log = structlog.get_logger(__name__)

CACHE_LIFETIME: dict[str, timedelta] = {
    "plans": timedelta(hours=6),
    "regions": timedelta(hours=6),
    # Images change more often; Linode allows 20 image listings a minute per account.
    "images": timedelta(minutes=30),
}
RETRY_BACKOFF = timedelta(seconds=30)
# How long a first fill claims the row (a crashed claimer's row is only ever an expired one).
CLAIM_LIFETIME = timedelta(minutes=2)

ItemT = TypeVar("ItemT", bound=BaseModel)
_T = TypeVar("_T")


@dataclass(frozen=True)
class CatalogSnapshot(Generic[ItemT]):
    provider_id: uuid.UUID
    items: list[ItemT]
    fetched_at: datetime
    stale: bool


# --- normalization (provider types -> contract shapes) ----------------------------------------


def upstream_plan(plan: ProviderPlan) -> UpstreamPlan:
    return UpstreamPlan(
        id=plan.id,
        label=plan.label,
        plan_class=plan.plan_class,
        vcpus=plan.vcpus,
        memory_mb=plan.memory_mb,
        disk_gb=plan.disk_gb,
        transfer_gb=plan.transfer_gb,
        price_monthly=plan.price_monthly,
        price_hourly=plan.price_hourly,
        region_prices={
            region: UpstreamRegionPrice(monthly=price.monthly, hourly=price.hourly)
            for region, price in plan.region_prices.items()
        },
        regions=list(plan.regions) if plan.regions is not None else None,
        available=plan.available,
    )


def upstream_region(region: ProviderRegion) -> UpstreamRegion:
    return UpstreamRegion(
        id=region.id, label=region.label, country=region.country, available=region.available
    )


def upstream_image(image: ProviderImage) -> UpstreamImage:
    regions = image.extra.get("regions")
    min_disk = image.extra.get("min_disk_size_gb")
    return UpstreamImage(
        id=image.id,
        label=image.label,
        distribution=image.distribution,
        version=image.version,
        deprecated=image.deprecated,
        regions=list(regions) if regions else None,
        min_disk_gb=int(min_disk) if min_disk else None,
    )


async def fetch_plans(provider: Provider) -> list[UpstreamPlan]:
    return [upstream_plan(plan) for plan in await provider.list_plans()]


async def fetch_regions(provider: Provider) -> list[UpstreamRegion]:
    return [upstream_region(region) for region in await provider.list_regions()]


async def fetch_images(provider: Provider) -> list[UpstreamImage]:
    return [upstream_image(image) for image in await provider.list_images()]


_FETCHERS: dict[str, Callable[[Provider], Awaitable[list[Any]]]] = {
    "plans": fetch_plans,
    "regions": fetch_regions,
    "images": fetch_images,
}
_MODELS: dict[str, type[BaseModel]] = {
    "plans": UpstreamPlan,
    "regions": UpstreamRegion,
    "images": UpstreamImage,
}

# How long a first fill waits for another process's fetch before giving up (503).
FIRST_FILL_WAIT_SECONDS = 10.0
FIRST_FILL_POLL_SECONDS = 0.1

# (account id, kind) -> the in-flight refresh of this process.
_in_flight: dict[tuple[uuid.UUID, str], asyncio.Future[CatalogSnapshot[Any]]] = {}


@dataclass(frozen=True)
class _Cached:
    """A cache row as read in a short transaction (detached from any session)."""

    provider_id: uuid.UUID
    payload: list[dict[str, Any]]
    fetched_at: datetime
    expires_at: datetime
    refreshing_until: datetime | None

    @property
    def filled(self) -> bool:
        return self.fetched_at != NEVER_FETCHED

    def fresh(self, now: datetime) -> bool:
        return self.filled and self.expires_at > now


class UpstreamCatalog:
    """Cached upstream catalog reads for provider accounts, each in short sessions of its own.
    `seed` and `invalidate` write in the caller's `session` instead: they go with the account
    change they follow."""

    def __init__(self, state: AppState) -> None:
        self.state = state

    async def plans(
        self, account: ServiceProvider, *, force: bool = False
    ) -> CatalogSnapshot[UpstreamPlan]:
        return await self._get(account, "plans", force=force)

    async def regions(self, account: ServiceProvider) -> CatalogSnapshot[UpstreamRegion]:
        return await self._get(account, "regions")

    async def images(self, account: ServiceProvider) -> CatalogSnapshot[UpstreamImage]:
        return await self._get(account, "images")

    async def plans_for(
        self, provider_type: str | None, provider_id: uuid.UUID | None
    ) -> CatalogSnapshot[UpstreamPlan]:
        return await self.plans(await self.resolve_account(provider_type, provider_id))

    async def regions_for(
        self, provider_type: str | None, provider_id: uuid.UUID | None
    ) -> CatalogSnapshot[UpstreamRegion]:
        return await self.regions(await self.resolve_account(provider_type, provider_id))

    async def images_for(
        self, provider_type: str | None, provider_id: uuid.UUID | None
    ) -> CatalogSnapshot[UpstreamImage]:
        return await self.images(await self.resolve_account(provider_type, provider_id))

    async def seed(
        self,
        session: AsyncSession,
        account: ServiceProvider,
        kind: CatalogKind,
        items: list[BaseModel],
    ) -> None:
        """Store a list fetched elsewhere (e.g. while connecting the account), in the caller's
        transaction."""
        now = self.state.clock()
        await CatalogCacheRepository(session).store(
            account.id, kind, _dump(items), now, now + CACHE_LIFETIME[kind], insert=True
        )

    async def invalidate(self, session: AsyncSession, provider_id: uuid.UUID) -> None:
        await CatalogCacheRepository(session).invalidate(provider_id)

    async def resolve_account(
        self, provider_type: str | None, provider_id: uuid.UUID | None
    ) -> ServiceProvider:
        """The account an upstream request is about: `provider_id` if given; else the active
        account of the type marked default; else the only active account of the type.

        Read in a short session of its own, so that the caller holds no connection while it
        waits for the provider."""
        async with self.state.read_sessionmaker() as read:
            return await _resolve_account(
                ProviderAccountRepository(read), provider_type, provider_id
            )

    # --- the cache ------------------------------------------------------------------------

    async def _get(
        self, account: ServiceProvider, kind: str, *, force: bool = False
    ) -> CatalogSnapshot[Any]:
        cached = await self._read(account.id, kind)
        if cached is not None and not force and cached.fresh(self.state.clock()):
            return _snapshot(cached, kind, stale=False)
        key = (account.id, kind)
        running = _in_flight.get(key)
        if running is not None:
            return await asyncio.shield(running)
        future: asyncio.Future[CatalogSnapshot[Any]] = asyncio.get_running_loop().create_future()
        _in_flight[key] = future
        try:
            snapshot = await self._refresh(account, kind, cached, force=force)
        except asyncio.CancelledError:
            future.cancel()
            raise
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # retrieved: nobody may be waiting
            raise
        else:
            future.set_result(snapshot)
            return snapshot
        finally:
            _in_flight.pop(key, None)

    async def _refresh(
        self, account: ServiceProvider, kind: str, cached: _Cached | None, *, force: bool
    ) -> CatalogSnapshot[Any]:
        now = self.state.clock()
        if cached is not None and cached.filled and health.backing_off(account, now):
            # The account keeps failing: its stale copy is the answer we would get anyway.
            return _snapshot(cached, kind, stale=True)
        if cached is None:
            if not await self._write(
                lambda cache: cache.claim_new(account.id, kind, now + CLAIM_LIFETIME)
            ):
                cached = await self._read(account.id, kind)  # another process claimed it first
                if cached is None:
                    # No row and none insertable: the account was just deleted (or is not
                    # committed yet). Nothing to cache it under.
                    return await self._fetch_uncached(account, kind)
                return await self._served_by_other(account, kind, cached)
        elif not await self._write(
            lambda cache: cache.lease(account.id, kind, now, now + CLAIM_LIFETIME, force=force)
        ):
            return await self._served_by_other(account, kind, cached)
        # Refreshing a catalog we can still serve is the least urgent use of the account's
        # request budget; a first fill is someone waiting for the list.
        priority = (
            RequestPriority.LOW
            if cached is not None and cached.filled
            else RequestPriority.CUSTOMER
        )
        try:
            with request_priority(priority):
                items = await _FETCHERS[kind](self.state.providers.for_account(account))
        except ProviderError as exc:
            _log_fetch_failure(account, kind, exc)
            await self._note_health(account, exc)
            if cached is None or not cached.filled:
                await self._write(lambda cache: cache.drop_unfilled(account.id, kind))
                raise customer_error(exc) from None
            backoff_until = now + RETRY_BACKOFF
            await self._write(lambda cache: cache.back_off(account.id, kind, backoff_until))
            return _snapshot(cached, kind, stale=True)
        await self._note_health(account, None)
        fetched_at = self.state.clock()
        payload = _dump(items)
        await self._write(
            lambda cache: cache.store(
                account.id, kind, payload, fetched_at, fetched_at + CACHE_LIFETIME[kind]
            )
        )
        return CatalogSnapshot(account.id, items, fetched_at, stale=False)

    async def _served_by_other(
        self, account: ServiceProvider, kind: str, seen: _Cached
    ) -> CatalogSnapshot[Any]:
        """Someone else holds the lease (or the back-off runs): their copy, stale if need be;
        for a first fill, wait for theirs."""
        current = await self._read(account.id, kind) or seen
        if current.filled:
            return _snapshot(current, kind, stale=not current.fresh(self.state.clock()))
        loop = asyncio.get_running_loop()
        deadline = loop.time() + FIRST_FILL_WAIT_SECONDS
        while loop.time() < deadline:
            await asyncio.sleep(FIRST_FILL_POLL_SECONDS)
            filled = await self._read(account.id, kind)
            if filled is None:  # their fetch failed
                break
            if filled.filled:
                return _snapshot(filled, kind, stale=not filled.fresh(self.state.clock()))
        raise ProviderUnavailable()

    async def _fetch_uncached(self, account: ServiceProvider, kind: str) -> CatalogSnapshot[Any]:
        try:
            items = await _FETCHERS[kind](self.state.providers.for_account(account))
        except ProviderError as exc:
            _log_fetch_failure(account, kind, exc)
            raise customer_error(exc) from None
        return CatalogSnapshot(account.id, items, self.state.clock(), stale=False)

    async def _note_health(self, account: ServiceProvider, failure: ProviderError | None) -> None:
        """Record an account failure (`health.is_account_failure`) on the account row, or an
        answer from an account that was failing; no write otherwise. A write that fails is only
        logged: the catalog answer does not depend on it."""
        if failure is None and account.status_ok is not False and not account.status_failures:
            return
        if failure is not None and not health.is_account_failure(failure):
            return
        now = self.state.clock()
        try:
            async with self.state.sessionmaker() as write, write.begin():
                if failure is None:
                    await health.record_success(write, account.id, now)
                else:
                    await health.record_failure(write, account.id, failure, now)
        except Exception:
            log.warning("upstream_catalog_health_not_recorded", provider_id=str(account.id))

    async def _read(self, provider_id: uuid.UUID, kind: str) -> _Cached | None:
        async with self.state.read_sessionmaker() as read:
            row = await CatalogCacheRepository(read).get(provider_id, kind)
            if row is None:
                return None
            return _Cached(
                provider_id=row.provider_id,
                payload=row.payload,
                fetched_at=row.fetched_at,
                expires_at=row.expires_at,
                refreshing_until=row.refreshing_until,
            )

    async def _write(self, change: Callable[[CatalogCacheRepository], Awaitable[_T]]) -> _T:
        """One short committed transaction of its own."""
        async with self.state.sessionmaker() as write, write.begin():
            return await change(CatalogCacheRepository(write))


async def _resolve_account(
    accounts: ProviderAccountRepository, provider_type: str | None, provider_id: uuid.UUID | None
) -> ServiceProvider:
    if provider_id is not None:
        account = await accounts.get(provider_id)
        if account is None or (provider_type is not None and account.type != provider_type):
            raise NotFound("Provider account not found.")
        return account
    if provider_type is None:
        raise ValidationFailed.for_field("provider", "Give provider or providerId.")
    active = await accounts.list_active_of_type(provider_type)
    defaults = [a for a in active if a.configuration.get("default") is True]
    if defaults:
        return defaults[0]
    if len(active) == 1:
        return active[0]
    if not active:
        raise NotFound(f"No active {provider_type} provider account.")
    raise ValidationFailed.for_field(
        "providerId",
        f"There are several active {provider_type} accounts and none is the default; "
        "pass providerId.",
    )


def _log_fetch_failure(account: ServiceProvider, kind: str, exc: ProviderError) -> None:
    log.warning(
        "upstream_catalog_fetch_failed",
        provider_id=str(account.id),
        kind=kind,
        error_type=type(exc).__name__,
    )


def _dump(items: list[Any]) -> list[dict[str, Any]]:
    return [item.model_dump(mode="json", by_alias=True) for item in items]


def _snapshot(row: _Cached, kind: str, *, stale: bool) -> CatalogSnapshot[Any]:
    model = _MODELS[kind]
    return CatalogSnapshot(
        provider_id=row.provider_id,
        items=[model.model_validate(item) for item in row.payload],
        fetched_at=row.fetched_at,
        stale=stale,
    )
