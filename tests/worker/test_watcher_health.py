"""The shared status watcher and account health (issue 12): an account whose listing is
refused (401) or fails because the provider is down (503) is recorded as failing and left
alone while it backs off; the watcher keeps listing the other accounts, and the first answer
after the backoff clears the streak."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy import update

from tests.factories import signed_in_headers
from tests.instances.support import Offer, create_offer, deploy_body, operations_of, pick_image
from vpspanel.provider_accounts.models import ServiceProvider
from vpspanel.simulator.testing import SimulatorServer
from vpspanel.state import AppState
from vpspanel.worker.config import WorkerConfig
from vpspanel.worker.polling import MIN_SHARED, _watch_once
from vpspanel.worker.runner import Worker

LINODE_LISTING = "^/linode/instances$"
DIGITALOCEAN_LISTING = "^/droplets$"


async def deploy_watched(
    state: AppState, client: AsyncClient, offer: Offer, count: int
) -> list[str]:
    """`count` creates of `offer`'s account, queued (not yet sent)."""
    headers, _, _ = await signed_in_headers(state, client)
    image = await pick_image(client, headers, offer.small.id, offer.setup.image_distribution)
    ids = []
    for number in range(count):
        response = await client.post(
            "/api/vps", json=deploy_body(offer, image, label=f"watched-{number}"), headers=headers
        )
        assert response.status_code == 201, response.text
        ids.append(response.json()["instance"]["id"])
    return ids


async def account_row(state: AppState, account_id: uuid.UUID) -> ServiceProvider:
    async with state.read_sessionmaker() as session:
        account = await session.get(ServiceProvider, account_id)
        assert account is not None
        return account


class TestWatcherBacksOff:
    @pytest.mark.parametrize(
        ("status", "reason"), [(401, "rejected the API key"), (503, "answered 503")]
    )
    async def test_a_failing_account_is_left_alone_while_another_keeps_being_polled(
        self,
        fast_state: AppState,
        client: AsyncClient,
        sim: SimulatorServer,
        status: int,
        reason: str,
    ) -> None:
        failing = await create_offer(fast_state, sim, "linode")
        healthy = await create_offer(fast_state, sim, "digitalocean")
        failing_ids = await deploy_watched(fast_state, client, failing, MIN_SHARED)
        healthy_ids = await deploy_watched(fast_state, client, healthy, MIN_SHARED)
        worker = Worker(fast_state, config=WorkerConfig.instant())
        assert await worker.run_batch(16)  # all six sent and bound: now watched
        for instance_id in failing_ids + healthy_ids:
            (operation,) = await operations_of(fast_state, instance_id)
            assert operation.status == "queued" and operation.result.get("sent")

        settled: list[uuid.UUID] = []

        async def record(account_id: uuid.UUID, servers: dict[Any, Any]) -> list[Any]:
            settled.append(account_id)
            return list(servers)  # leave them to step on their own

        sim.inject_fault("linode", "server_error", path=LINODE_LISTING, status=status, times=100)
        await _watch_once(fast_state, worker.polls, record)
        down = await account_row(fast_state, failing.account.id)
        assert down.status_ok is False and down.status_failures == 1
        assert reason in (down.status_error or "")
        assert down.status_next_attempt_at is not None
        assert down.status_next_attempt_at > fast_state.clock()
        assert settled == [healthy.account.id]
        assert (await account_row(fast_state, healthy.account.id)).status_ok is not False

        # Backing off: the next pass does not ask the failing account, the other is listed.
        failing_lists = sim.request_count("linode", "GET", LINODE_LISTING)
        healthy_lists = sim.request_count("digitalocean", "GET", DIGITALOCEAN_LISTING)
        await _watch_once(fast_state, worker.polls, record)
        assert sim.request_count("linode", "GET", LINODE_LISTING) == failing_lists
        assert sim.request_count("digitalocean", "GET", DIGITALOCEAN_LISTING) == healthy_lists + 1
        assert settled == [healthy.account.id, healthy.account.id]
        assert (await account_row(fast_state, failing.account.id)).status_failures == 1

        # Once the backoff is over and the provider answers, the streak is cleared.
        sim.clear_faults()
        async with fast_state.sessionmaker() as session, session.begin():
            await session.execute(
                update(ServiceProvider)
                .where(ServiceProvider.id == failing.account.id)
                .values(status_next_attempt_at=fast_state.clock() - timedelta(seconds=1))
            )
        await _watch_once(fast_state, worker.polls, record)
        assert sim.request_count("linode", "GET", LINODE_LISTING) == failing_lists + 1
        back = await account_row(fast_state, failing.account.id)
        assert back.status_ok is True and back.status_failures == 0
        assert back.status_next_attempt_at is None and back.status_error is None
