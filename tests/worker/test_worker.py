"""The runner's rules: leases, sealed secrets (any worker sends them, never after their
expiry), one operation per instance, deadlines."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from httpx import AsyncClient

from tests.factories import signed_in_headers
from tests.instances.support import (
    Offer,
    create_offer,
    deploy_body,
    operations_of,
    pick_image,
    servers_at_provider,
)
from vpspanel.db.types import utcnow
from vpspanel.instances.tasks import SECRET_LOST_REASON, TOO_SLOW
from vpspanel.operations.repository import OperationRepository
from vpspanel.security.secrets import SecretBox, generate_key
from vpspanel.simulator.testing import SimulatorServer
from vpspanel.state import AppState
from vpspanel.worker.config import WorkerConfig
from vpspanel.worker.main import in_process_worker
from vpspanel.worker.runner import Worker, run_worker


@pytest.fixture
def shifted_clock(fast_state: AppState) -> Iterator[list[timedelta]]:
    """`shift[0]` moves the app clock forward."""
    shift = [timedelta(0)]

    def clock() -> datetime:
        return utcnow() + shift[0]

    original = fast_state.clock
    fast_state.clock = clock
    yield shift
    fast_state.clock = original


async def _deploy(
    state: AppState, client: AsyncClient, sim: SimulatorServer, count: int = 1
) -> tuple[Offer, dict[str, str], list[str]]:
    offer = await create_offer(state, sim, "linode")
    headers, _, _ = await signed_in_headers(state, client)
    image = await pick_image(client, headers, offer.small.id, "Ubuntu")
    ids = []
    for number in range(count):
        response = await client.post(
            "/api/vps", json=deploy_body(offer, image, label=f"web-{number}"), headers=headers
        )
        ids.append(response.json()["instance"]["id"])
    return offer, headers, ids


class TestSealedSecrets:
    async def test_a_worker_never_sends_a_password_past_its_expiry(
        self,
        fast_state: AppState,
        client: AsyncClient,
        sim: SimulatorServer,
        shifted_clock: list[timedelta],
    ) -> None:
        """Even a worker whose own deadline is later (misconfigured) finds the password gone:
        it expires with the deadline it was accepted under."""
        offer, headers, (instance_id,) = await _deploy(fast_state, client, sim)
        (operation,) = await operations_of(fast_state, instance_id)
        assert operation.secret_expires_at is not None
        shifted_clock[0] = operation.secret_expires_at - utcnow() + timedelta(seconds=1)
        lenient = Worker(
            fast_state, config=WorkerConfig.instant(timeouts={"create": timedelta(hours=2)})
        )
        while await lenient.run_once():
            pass
        instance = (await client.get(f"/api/vps/{instance_id}", headers=headers)).json()
        assert instance["instance"]["status"] == "failed"
        assert instance["instance"]["error"] == SECRET_LOST_REASON
        assert sim.request_count("linode", "POST") == 0
        assert await servers_at_provider(fast_state, offer.account) == []
        (operation,) = await operations_of(fast_state, instance_id)
        assert (operation.sealed_secret, operation.secret_expires_at) == (None, None)

    async def test_a_password_sealed_with_a_key_no_longer_configured_is_lost_not_a_crash(
        self, fast_state: AppState, client: AsyncClient, sim: SimulatorServer, worker: Worker
    ) -> None:
        offer, headers, (instance_id,) = await _deploy(fast_state, client, sim)
        original = fast_state.secret_box
        fast_state.secret_box = SecretBox([generate_key()])
        try:
            while await worker.run_once():
                pass
        finally:
            fast_state.secret_box = original
        instance = (await client.get(f"/api/vps/{instance_id}", headers=headers)).json()
        assert instance["instance"]["error"] == SECRET_LOST_REASON
        assert sim.request_count("linode", "POST") == 0
        assert await servers_at_provider(fast_state, offer.account) == []

    async def test_the_sweep_erases_expired_passwords_and_keeps_the_others(
        self,
        fast_state: AppState,
        client: AsyncClient,
        sim: SimulatorServer,
        shifted_clock: list[timedelta],
    ) -> None:
        _, _, (instance_id,) = await _deploy(fast_state, client, sim)
        # Nothing can be claimed (no slots): only the periodic sweep runs.
        sweeping = WorkerConfig.instant(concurrency=0, secret_sweep_interval_s=0.01)
        assert await Worker(fast_state, config=sweeping).erase_expired_secrets() == 0
        (operation,) = await operations_of(fast_state, instance_id)
        assert operation.sealed_secret is not None and operation.secret_expires_at is not None
        shifted_clock[0] = operation.secret_expires_at - utcnow()
        stop = asyncio.Event()
        task = asyncio.create_task(run_worker(fast_state, stop, config=sweeping))
        try:
            async with asyncio.timeout(10):
                while operation.sealed_secret is not None:
                    await asyncio.sleep(0.02)
                    (operation,) = await operations_of(fast_state, instance_id)
        finally:
            stop.set()
            await asyncio.wait_for(task, timeout=10)
        assert (operation.status, operation.secret_expires_at) == ("queued", None)
        assert sim.request_count("linode", "POST") == 0


class TestClaiming:
    async def test_an_instance_runs_one_operation_at_a_time(
        self, fast_state: AppState, client: AsyncClient, sim: SimulatorServer, worker: Worker
    ) -> None:
        _, _, (_instance_id,) = await _deploy(fast_state, client, sim)
        claimed = await worker._claim()
        assert claimed is not None and claimed.operation.type == "create"
        # The create is running (leased): nothing else of this instance may start.
        async with fast_state.sessionmaker() as session, session.begin():
            OperationRepository(session).add(
                instance_id=claimed.instance.id, type="sync", now=fast_state.clock()
            )
        other = Worker(fast_state, config=WorkerConfig.instant())
        assert await other._claim() is None

    async def test_a_dead_workers_lease_lapses_and_another_takes_over(
        self,
        fast_state: AppState,
        client: AsyncClient,
        sim: SimulatorServer,
        worker: Worker,
        shifted_clock: list[timedelta],
    ) -> None:
        _, _headers, (_instance_id,) = await _deploy(fast_state, client, sim)
        assert await worker._claim() is not None  # ... and the worker dies here
        successor = Worker(fast_state, config=WorkerConfig.instant())
        assert await successor._claim() is None
        shifted_clock[0] = WorkerConfig.instant().lease + timedelta(seconds=1)
        taken = await successor._claim()
        assert taken is not None
        assert taken.operation.lease_owner == successor.owner
        assert taken.operation.attempts == 2

    async def test_concurrent_workers_claim_different_operations(
        self, fast_state: AppState, client: AsyncClient, sim: SimulatorServer
    ) -> None:
        await _deploy(fast_state, client, sim, count=4)
        workers = [Worker(fast_state, config=WorkerConfig.instant()) for _ in range(4)]
        claims = await asyncio.gather(*(w._claim() for w in workers))
        ids = [claim.operation.id for claim in claims if claim is not None]
        assert len(ids) == 4
        assert len(set(ids)) == 4

    async def test_an_operation_past_its_deadline_fails(
        self,
        fast_state: AppState,
        client: AsyncClient,
        sim: SimulatorServer,
        worker: Worker,
        shifted_clock: list[timedelta],
    ) -> None:
        _, headers, (instance_id,) = await _deploy(fast_state, client, sim)
        shifted_clock[0] = timedelta(hours=1)
        while await worker.run_once():
            pass
        instance = (await client.get(f"/api/vps/{instance_id}", headers=headers)).json()
        assert instance["instance"]["status"] == "failed"
        assert instance["instance"]["error"] == TOO_SLOW


class TestRunWorker:
    async def test_runs_in_the_background_until_stopped(
        self, fast_state: AppState, client: AsyncClient, sim: SimulatorServer
    ) -> None:
        _, headers, ids = await _deploy(fast_state, client, sim, count=3)
        stop = asyncio.Event()
        task = asyncio.create_task(
            run_worker(fast_state, stop, config=WorkerConfig.instant(concurrency=2))
        )
        try:
            async with asyncio.timeout(30):
                while True:
                    listed = (await client.get("/api/vps", headers=headers)).json()["instances"]
                    if all(item["status"] == "running" for item in listed):
                        break
                    await asyncio.sleep(0.05)
        finally:
            stop.set()
            await asyncio.wait_for(task, timeout=10)
        assert sorted(item["id"] for item in listed) == sorted(ids)


class TestEntryPoints:
    async def test_the_in_process_worker_runs_creates_sealed_by_its_own_api(
        self, fast_state: AppState, client: AsyncClient, sim: SimulatorServer
    ) -> None:
        _, headers, (instance_id,) = await _deploy(fast_state, client, sim)
        async with in_process_worker(fast_state, config=WorkerConfig.instant()):
            async with asyncio.timeout(30):
                while True:
                    got = (await client.get(f"/api/vps/{instance_id}", headers=headers)).json()
                    if got["instance"]["status"] == "running":
                        break
                    await asyncio.sleep(0.05)
