"""Worker pacing under the providers' request limits (issue 8 item 21): a step parks on a full
budget instead of holding its slot, watching servers ranks ahead of sending creates, SSH key
ids are remembered, and a bulk deploy runs close to the create limit's minimum."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import timedelta

import pytest
from bench.bulk_deploys import bulk_deploy, scaled_limits
from httpx import AsyncClient

from tests.factories import signed_in_headers
from tests.instances.support import (
    create_offer,
    deploy_body,
    operations_of,
    pick_image,
    run_until_idle,
)
from vpspanel.operations.repository import OperationPriority, OperationRepository
from vpspanel.provider_accounts.connect import ProviderConnector
from vpspanel.providers.registry import default_limits
from vpspanel.simulator.testing import SimulatorServer
from vpspanel.state import AppState
from vpspanel.worker.config import WorkerConfig
from vpspanel.worker.runner import Worker


@pytest.fixture
def real_clock_providers(state: AppState) -> Iterator[AppState]:
    """Drivers on the real clock (the simulator counts real time), one Linode create per
    minute, and the bench's scaled budgets otherwise."""
    original = state.providers
    limits = scaled_limits()
    limits["linode"] = default_limits("linode").with_limit(
        "linode_create", max_requests=1, window_s=60.0
    )
    state.providers = ProviderConnector(state.secret_box, limits=limits)
    yield state
    state.providers = original


async def _deploy_two(
    state: AppState, client: AsyncClient, sim: SimulatorServer
) -> tuple[str, str, dict[str, str]]:
    offer = await create_offer(state, sim, "linode")
    headers, _, _ = await signed_in_headers(state, client)
    image = await pick_image(client, headers, offer.small.id, "Ubuntu")
    ids = []
    for label in ("first", "second"):
        response = await client.post(
            "/api/vps", json=deploy_body(offer, image, label=label), headers=headers
        )
        assert response.status_code == 201, response.text
        ids.append(response.json()["instance"]["id"])
    return ids[0], ids[1], headers


class TestBudgetWait:
    async def test_a_full_budget_parks_the_operation_and_frees_the_slot(
        self, real_clock_providers: AppState, client: AsyncClient, sim: SimulatorServer
    ) -> None:
        state = real_clock_providers
        sim.configure(rate_limits={"linode": {"create": {"limit": 1, "window_seconds": 60}}})
        first, second, headers = await _deploy_two(state, client, sim)
        worker = Worker(state, config=WorkerConfig.instant(budget_patience_s=0.0))
        # The first create takes the minute's only create. The second must not wait it out
        # inside its step (the old transport slept 60 s there, holding the slot): it parks,
        # and the slot watches the first server to running meanwhile.
        await asyncio.wait_for(run_until_idle(worker), 15)
        (created,) = await operations_of(state, first)
        assert created.status == "succeeded"
        (parked,) = await operations_of(state, second)
        assert parked.status == "queued"
        assert parked.run_after >= state.clock() + timedelta(seconds=45)
        assert parked.result.get("sent") is False
        assert sim.request_count("linode", "POST", "/linode/instances") == 1
        events = await client.get(f"/api/vps/{second}/events", headers=headers)
        assert "retrying" not in events.text  # a budget wait is not a fault


class TestPriority:
    async def test_watching_a_server_is_claimed_before_an_older_queued_create(
        self, fast_state: AppState, client: AsyncClient, sim: SimulatorServer
    ) -> None:
        first, second, _ = await _deploy_two(fast_state, client, sim)
        worker = Worker(fast_state, config=WorkerConfig.instant())
        claimed = await worker._claim()
        assert claimed is not None and str(claimed.instance.id) == first
        await worker._apply(claimed, await worker._execute(claimed))  # sent: now watching
        (watching,) = await operations_of(fast_state, first)
        assert watching.priority == OperationPriority.WATCH
        (queued,) = await operations_of(fast_state, second)
        assert queued.priority == OperationPriority.CREATE
        # The create waiting to be sent is older and was due first; the watch goes first.
        async with fast_state.sessionmaker() as session, session.begin():
            row = await OperationRepository(session).get(queued.id, for_update=True)
            assert row is not None
            row.run_after = row.run_after - timedelta(minutes=1)
        claimed = await worker._claim()
        assert claimed is not None and claimed.operation.id == watching.id


@pytest.mark.slow
class TestBulkDeploys:
    @pytest.mark.parametrize("provider", ["linode", "digitalocean"])
    async def test_100_deploys_with_one_key(
        self, real_clock_providers: AppState, sim: SimulatorServer, provider: str
    ) -> None:
        state = real_clock_providers
        state.providers = ProviderConnector(state.secret_box, limits=scaled_limits())
        result = await bulk_deploy(state, sim, provider, count=100, provision_s=2.0)
        assert result.key_requests <= (2 if provider == "digitalocean" else 0)
        # One listing answers many servers: far fewer reads than one per server per poll.
        assert result.polls < 100
        # How close the run comes to the create-limit minimum is a timing, measured by
        # bench/bulk_deploys.py; asserting it here flaked on a loaded machine (1.18 once).
        assert result.all_running_s >= result.minimum_s, result.line()
