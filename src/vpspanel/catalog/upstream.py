"""The providers' plans, regions and images, normalized and cached per provider account.

The cache lives in `upstream_catalog_cache`, shared by every process:

- In one process, concurrent misses for the same (account, kind) share one upstream call: the
  first caller fetches, the others await its result (single-flight).
- Across processes, the refreshing transaction holds the cache row (`FOR UPDATE SKIP LOCKED` on
  PostgreSQL; SQLite has a single writer anyway): another process that finds the row locked serves
  the stale copy instead of calling the provider too, and a first fill waits on the claim row.
- When the provider is down, a stale copy is served (`stale: true`) and `refreshing_until` is set
  so that nobody retries the provider for RETRY_BACKOFF.
- Rotating an account's key deletes its rows (`invalidate`).

Everything runs in the caller's transaction (the request's), so nothing here commits.
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

from vpspanel.catalog.models import UpstreamCatalogCache
from vpspanel.catalog.repository import CatalogCacheRepository
from vpspanel.catalog.schemas import (
    CatalogKind,
    UpstreamImage,
    UpstreamPlan,
    UpstreamRegion,
    UpstreamRegionPrice,
)
from vpspanel.errors import NotFound, ValidationFailed
from vpspanel.provider_accounts.connect import app_error_from_provider
from vpspanel.provider_accounts.models import ServiceProvider
from vpspanel.provider_accounts.repository import ProviderAccountRepository
from vpspanel.providers.base import Provider
from vpspanel.providers.errors import ProviderError
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

# (account id, kind) -> the in-flight refresh of this process.
_in_flight: dict[tuple[uuid.UUID, str], asyncio.Future[CatalogSnapshot[Any]]] = {}


class UpstreamCatalog:
    """Cached upstream catalog reads for provider accounts, in the caller's transaction."""

    def __init__(self, db: AsyncSession, state: AppState) -> None:
        self.db = db
        self.state = state
        self.cache = CatalogCacheRepository(db)

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
        self, account: ServiceProvider, kind: CatalogKind, items: list[BaseModel]
    ) -> None:
        """Store a list fetched elsewhere (e.g. while connecting the account)."""
        now = self.state.clock()
        row = await self.cache.claim_new(account.id, kind, now, now + CLAIM_LIFETIME)
        if row is not None:
            await self.cache.store(row, _dump(items), now, now + CACHE_LIFETIME[kind])

    async def invalidate(self, provider_id: uuid.UUID) -> None:
        await self.cache.invalidate(provider_id)

    async def resolve_account(
        self, provider_type: str | None, provider_id: uuid.UUID | None
    ) -> ServiceProvider:
        """The account an upstream request is about: `provider_id` if given; else the active
        account of the type marked default; else the only active account of the type."""
        accounts = ProviderAccountRepository(self.db)
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

    # --- the cache ------------------------------------------------------------------------

    async def _get(
        self, account: ServiceProvider, kind: str, *, force: bool = False
    ) -> CatalogSnapshot[Any]:
        now = self.state.clock()
        row = await self.cache.get(account.id, kind)
        if row is not None and not force and _is_fresh(row, now):
            return _snapshot(row, kind, stale=False)
        key = (account.id, kind)
        running = _in_flight.get(key)
        if running is not None:
            return await asyncio.shield(running)
        future: asyncio.Future[CatalogSnapshot[Any]] = asyncio.get_running_loop().create_future()
        _in_flight[key] = future
        try:
            snapshot = await self._refresh(account, kind, row, force=force)
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
        self,
        account: ServiceProvider,
        kind: str,
        seen: UpstreamCatalogCache | None,
        *,
        force: bool,
    ) -> CatalogSnapshot[Any]:
        now = self.state.clock()
        claimed_new = False
        if seen is not None:
            if not force and seen.refreshing_until is not None and seen.refreshing_until > now:
                return _snapshot(seen, kind, stale=True)
            row = await self.cache.lock_for_refresh(account.id, kind)
            if row is None:  # another process is refreshing it: serve what we have
                return _snapshot(seen, kind, stale=True)
            if not force and _is_fresh(row, now):
                return _snapshot(row, kind, stale=False)
        else:
            row = await self.cache.claim_new(account.id, kind, now, now + CLAIM_LIFETIME)
            if row is None:  # another transaction filled it first
                filled = await self.cache.get(account.id, kind)
                if filled is None:
                    raise NotFound("Provider account not found.")
                return _snapshot(filled, kind, stale=not _is_fresh(filled, now))
            claimed_new = True
        try:
            items = await _FETCHERS[kind](self.state.providers.for_account(account))
        except ProviderError as exc:
            log.warning(
                "upstream_catalog_fetch_failed",
                provider_id=str(account.id),
                kind=kind,
                error_type=type(exc).__name__,
            )
            if claimed_new:
                await self.db.delete(row)
                await self.db.flush()
                raise app_error_from_provider(exc) from None
            await self.cache.back_off(row, now + RETRY_BACKOFF)
            return _snapshot(row, kind, stale=True)
        fetched_at = self.state.clock()
        await self.cache.store(row, _dump(items), fetched_at, fetched_at + CACHE_LIFETIME[kind])
        return CatalogSnapshot(account.id, items, fetched_at, stale=False)


def _is_fresh(row: UpstreamCatalogCache, now: datetime) -> bool:
    return row.expires_at > now


def _dump(items: list[Any]) -> list[dict[str, Any]]:
    return [item.model_dump(mode="json", by_alias=True) for item in items]


def _snapshot(row: UpstreamCatalogCache, kind: str, *, stale: bool) -> CatalogSnapshot[Any]:
    model = _MODELS[kind]
    return CatalogSnapshot(
        provider_id=row.provider_id,
        items=[model.model_validate(item) for item in row.payload],
        fetched_at=row.fetched_at,
        stale=stale,
    )
