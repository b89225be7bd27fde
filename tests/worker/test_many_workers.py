"""Two workers, each with its own engine and its own provider clients, share one database
(PostgreSQL in CI: `FOR UPDATE SKIP LOCKED` claims): 100 creates and then 100 reboots,
shutdowns and rebuilds, with the simulator refusing (429), losing answers and failing reads.
Every operation runs exactly once at the provider: one server per instance, and per server one
accepted action request (plus one for each refusal injected on its path)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable

import httpx
import pytest
from httpx import AsyncClient
from sqlalchemy import func, select

from tests.factories import signed_in_headers
from tests.fixtures.providers import InstantClock
from tests.instances.support import (
    create_offer,
    pick_image,
    queue_sealed_creates,
    rebuild_body,
)
from vpspanel.config import Settings
from vpspanel.instances.models import VpsInstance
from vpspanel.operations.models import Operation
from vpspanel.provider_accounts.connect import ProviderConnector
from vpspanel.simulator.testing import SimulatorServer
from vpspanel.state import AppState
from vpspanel.worker.config import WorkerConfig
from vpspanel.worker.runner import Worker

SERVERS = 100
ACTIONS = ("reboot", "shutdown", "rebuild")
CREATE_PATH = "/linode/instances"
# Power actions are never sent twice here: the test counts requests per server.
CONFIG = WorkerConfig.instant(concurrency=2, claim_batch=4, power_resend_after_s=600.0)


@pytest.fixture
async def second_state(test_settings: Settings) -> AsyncIterator[AppState]:
    """Another process's view: its own engine, key ring object and provider clients."""
    state = AppState.from_settings(test_settings)
    state.providers = ProviderConnector(state.secret_box, clock=InstantClock())
    yield state
    await state.close()


async def _run_two_workers(
    states: list[AppState], done: Callable[[], Awaitable[bool]], timeout: float = 40.0
) -> list[Worker]:
    workers = [Worker(state, config=CONFIG) for state in states]
    stop = asyncio.Event()
    tasks = [asyncio.create_task(worker.run(stop)) for worker in workers]
    deadline = time.monotonic() + timeout
    try:
        while not await done():
            assert time.monotonic() < deadline, "the workers did not finish in time"
            assert not any(task.done() for task in tasks)
            await asyncio.sleep(0.1)
    finally:
        stop.set()
        await asyncio.gather(*tasks)
    return workers


async def _all_finished(state: AppState) -> bool:
    async with state.read_sessionmaker() as session:
        unfinished = await session.scalar(
            select(func.count())
            .select_from(Operation)
            .where(Operation.status.in_(("queued", "running")))
        )
    return unfinished == 0


async def _operations(state: AppState) -> list[tuple[str, str]]:
    async with state.read_sessionmaker() as session:
        rows = await session.execute(select(Operation.type, Operation.status))
    return [(type_, status) for type_, status in rows.all()]


def _faults_left(sim: SimulatorServer) -> list[object]:
    faults: list[object] = httpx.get(f"{sim.control_url}/faults").json()["faults"]
    return faults


class TestTwoWorkersOneDatabase:
    async def test_every_operation_runs_once_despite_faults(
        self,
        fast_state: AppState,
        second_state: AppState,
        client: AsyncClient,
        sim: SimulatorServer,
    ) -> None:
        sim.configure(rate_limits={"enabled": False})
        offer = await create_offer(fast_state, sim, "linode")
        headers, _, organization = await signed_in_headers(fast_state, client)
        await queue_sealed_creates(fast_state, offer, organization.id, SERVERS, label="many")
        sim.inject_fault("linode", "rate_limit", method="POST", path=f"^{CREATE_PATH}$", times=5)
        sim.inject_fault("linode", "lost_response", method="POST", path=f"^{CREATE_PATH}$", times=5)
        sim.inject_fault("linode", "server_error", method="GET", path=r"^/linode/instances/\d+$")
        states = [fast_state, second_state]

        workers = await _run_two_workers(states, lambda: _all_finished(fast_state))

        assert await _operations(fast_state) == [("create", "succeeded")] * SERVERS
        assert all(worker.writes.transactions > 0 for worker in workers)
        servers = sim.instances("linode")
        assert len(servers) == SERVERS  # one per instance: no lost answer made a second
        # Each create was sent once, plus once more for each of the 5 refused (429).
        assert sim.request_count("linode", "POST", CREATE_PATH) == SERVERS + 5
        async with fast_state.read_sessionmaker() as session:
            bound = list(await session.scalars(select(VpsInstance.provider_instance_id)))
        assert sorted(bound, key=str) == sorted((str(s["id"]) for s in servers), key=str)

        # Then one action per server, accepted through the API (rebuilds seal a password).
        image = await pick_image(client, headers, offer.small.id, "Ubuntu")
        action_of: dict[str, str] = {}
        async with fast_state.read_sessionmaker() as session:
            rows = (
                await session.execute(select(VpsInstance.id, VpsInstance.provider_instance_id))
            ).all()
        for number, (instance_id, server_id) in enumerate(sorted(rows, key=lambda r: str(r[1]))):
            action = ACTIONS[number % len(ACTIONS)]
            body = rebuild_body("linode", image) if action == "rebuild" else None
            answer = await client.post(
                f"/api/vps/{instance_id}/{action}", json=body, headers=headers
            )
            assert answer.status_code == 202, answer.text
            action_of[str(server_id)] = action
        refused = list(action_of)[:6]  # two of each action
        lost = list(action_of)[6:12]
        for server_id in refused:
            path = f"^/linode/instances/{server_id}/{action_of[server_id]}$"
            sim.inject_fault("linode", "rate_limit", method="POST", path=path)
        for server_id in lost:
            path = f"^/linode/instances/{server_id}/{action_of[server_id]}$"
            sim.inject_fault("linode", "lost_response", method="POST", path=path)
        sim.clear_requests()

        await _run_two_workers(states, lambda: _all_finished(fast_state))

        finished = await _operations(fast_state)
        assert sorted(finished) == sorted(
            [("create", "succeeded")] * SERVERS
            + [(action, "succeeded") for action in action_of.values()]
        )
        assert _faults_left(sim) == []
        for server_id, action in action_of.items():
            sent = sim.request_count("linode", "POST", rf"/linode/instances/{server_id}/.*")
            expected = 2 if server_id in refused else 1
            assert sent == expected, (server_id, action, sent)
            assert (
                sim.request_count("linode", "POST", f"/linode/instances/{server_id}/{action}")
                == expected
            )
        assert sim.request_count("linode", "POST", CREATE_PATH) == 0
        assert len(sim.instances("linode")) == SERVERS
        async with fast_state.read_sessionmaker() as session:
            sealed = await session.scalar(
                select(func.count())
                .select_from(Operation)
                .where(Operation.sealed_secret.is_not(None))
            )
        assert sealed == 0
