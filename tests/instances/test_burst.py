"""A burst of deploys at once, with a cold image cache: each one is accepted, or told to come
back (503 `service_busy` with Retry-After); never a 500; and every accepted deploy ends as
exactly one server at the provider."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator

import pytest
from httpx import ASGITransport, AsyncClient, Response
from sqlalchemy import delete, func, select

from tests.factories import signed_in_headers
from tests.fixtures.providers import InstantClock
from tests.instances.support import (
    create_offer,
    deploy_body,
    pick_image,
    run_until_idle,
    servers_at_provider,
)
from vpspanel.app import create_app
from vpspanel.config import Settings
from vpspanel.instances.models import VpsInstance
from vpspanel.provider_accounts.connect import ProviderConnector
from vpspanel.provider_accounts.models import UpstreamCatalogCache
from vpspanel.simulator.testing import SimulatorServer
from vpspanel.state import AppState
from vpspanel.worker.config import WorkerConfig
from vpspanel.worker.runner import Worker

BURST = 100


@pytest.fixture
async def burst_state(state: AppState, test_settings: Settings) -> AsyncIterator[AppState]:
    """The app on an engine of its own with the production pool settings (the tables are
    emptied by `state`)."""
    burst = AppState.from_settings(test_settings)
    burst.providers = ProviderConnector(burst.secret_box, clock=InstantClock())
    yield burst
    await burst.engine.dispose()


@pytest.mark.slow
async def test_a_hundred_concurrent_deploys_are_accepted_or_asked_to_retry(
    burst_state: AppState, sim: SimulatorServer
) -> None:
    sim.configure(digitalocean_droplet_limit=BURST * 2, rate_limits={"enabled": False})
    offer = await create_offer(burst_state, sim, "digitalocean")
    transport = ASGITransport(app=create_app(state=burst_state), client=("203.0.113.7", 50000))
    async with AsyncClient(transport=transport, base_url="http://testserver") as client:
        headers, _, _ = await signed_in_headers(burst_state, client)
        image = await pick_image(client, headers, offer.small.id, "Ubuntu")
        async with burst_state.sessionmaker() as session, session.begin():
            await session.execute(delete(UpstreamCatalogCache))  # a cold cache

        responses: list[Response] = await asyncio.gather(
            *(
                client.post(
                    "/api/vps", json=deploy_body(offer, image, label=f"burst-{n}"), headers=headers
                )
                for n in range(BURST)
            )
        )

    statuses = Counter(response.status_code for response in responses)
    assert set(statuses) <= {201, 503}, statuses
    for response in responses:
        if response.status_code == 503:
            assert response.json()["error"] == "service_busy"
            assert response.headers["Retry-After"].isdigit()
    # The pool serves the burst in turn rather than locking up (before, only the first ~20
    # got in); how many are asked to retry depends on the machine's speed.
    assert statuses[201] >= BURST // 4, statuses
    async with burst_state.read_sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(VpsInstance)) == statuses[201]

    await run_until_idle(Worker(burst_state, config=WorkerConfig.instant()), max_steps=BURST * 20)
    assert len(await servers_at_provider(burst_state, offer.account)) == statuses[201]
