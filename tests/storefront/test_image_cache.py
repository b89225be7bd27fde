"""The upstream image list a purchase needs is cached for good even when the purchase fails,
stored at once in a transaction of its own."""

from __future__ import annotations

import asyncio

from httpx import AsyncClient
from sqlalchemy import select

from tests.factories import signed_in_headers
from tests.instances.support import create_offer
from vpspanel.provider_accounts.models import ServiceProvider, UpstreamCatalogCache
from vpspanel.simulator.testing import SimulatorServer
from vpspanel.state import AppState
from vpspanel.storefront import plans as catalog
from vpspanel.storefront import service as storefront


class RequestFailedLater(Exception):
    pass


async def cached_kinds(state: AppState) -> set[str]:
    async with state.read_sessionmaker() as db:
        rows = await db.scalars(
            select(UpstreamCatalogCache).where(UpstreamCatalogCache.expires_at > state.clock())
        )
        return {row.kind for row in rows}


async def test_images_fetched_by_a_failing_purchase_stay_cached(
    fast_state: AppState, sim: SimulatorServer
) -> None:
    offer = await create_offer(fast_state, sim, "linode")
    before = sim.request_count("linode", "GET", "/images")
    for _ in range(3):
        # Like a deploy: the plan and its images are read first, then the request's write
        # session runs its statements, fails and rolls back.
        async with fast_state.read_sessionmaker() as read:
            plan = await catalog.get_sellable_plan(read, offer.small.id)
        assert plan is not None
        images = await storefront.plan_images(fast_state, plan, offer.setup.region)
        assert images
        try:
            async with fast_state.sessionmaker() as db, db.begin():
                await catalog.get_sellable_plan(db, offer.small.id)
                raise RequestFailedLater
        except RequestFailedLater:
            pass
    assert sim.request_count("linode", "GET", "/images") == before + 1
    assert "images" in await cached_kinds(fast_state)


async def test_images_are_stored_at_once_in_a_transaction_of_their_own(
    fast_state: AppState, sim: SimulatorServer
) -> None:
    offer = await create_offer(fast_state, sim, "linode")
    async with fast_state.read_sessionmaker() as read:
        known = await read.get(ServiceProvider, offer.account.id)
        assert known is not None
    await storefront.account_images(fast_state, known)
    assert "images" in await cached_kinds(fast_state)


async def test_hundred_concurrent_image_lists_make_one_upstream_call(
    fast_state: AppState, client: AsyncClient, sim: SimulatorServer
) -> None:
    offer = await create_offer(fast_state, sim, "linode")
    headers, _, _ = await signed_in_headers(fast_state, client)
    before = sim.request_count("linode", "GET", "/images")
    sim.configure(latency_ms=100)  # keep the first fetch in flight while the rest arrive
    try:
        responses = await asyncio.gather(
            *[
                client.get(f"/api/vps/images?plan={offer.small.id}", headers=headers)
                for _ in range(100)
            ]
        )
    finally:
        sim.configure(latency_ms=0)
    assert [r.text for r in responses if r.status_code != 200] == []
    assert len({r.text for r in responses}) == 1
    assert sim.request_count("linode", "GET", "/images") == before + 1
