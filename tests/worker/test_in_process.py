"""The application with its in-process worker, as `vpspanel serve` runs it."""

from __future__ import annotations

import asyncio
from typing import Any

from httpx import ASGITransport, AsyncClient

from tests.factories import signed_in_headers
from tests.instances.support import create_offer, deploy_body, operations_of, pick_image
from vpspanel.app import WorkerMode, create_app
from vpspanel.simulator.testing import SimulatorServer
from vpspanel.state import AppState


async def _deploy_and_watch(
    state: AppState, sim: SimulatorServer, mode: WorkerMode, wanted: set[str]
) -> dict[str, Any]:
    offer = await create_offer(state, sim, "linode")
    app = create_app(state=state, worker=mode)
    async with (
        app.router.lifespan_context(app),
        AsyncClient(transport=ASGITransport(app=app), base_url="http://t") as client,
    ):
        headers, _, _ = await signed_in_headers(state, client)
        image = await pick_image(client, headers, offer.small.id, offer.setup.image_distribution)
        created = await client.post("/api/vps", json=deploy_body(offer, image), headers=headers)
        assert created.status_code == 201, created.text
        instance_id = created.json()["instance"]["id"]
        instance: dict[str, Any] = {}
        for _ in range(300):
            response = await client.get(f"/api/vps/{instance_id}", headers=headers)
            instance = response.json()["instance"]
            if instance["status"] in wanted:
                break
            await asyncio.sleep(0.05)
        return instance


class TestInProcessWorker:
    async def test_serve_runs_a_deploy_to_running_by_itself(
        self, fast_state: AppState, sim: SimulatorServer
    ) -> None:
        instance = await _deploy_and_watch(fast_state, sim, "all", {"running"})
        assert instance["status"] == "running", instance
        assert instance["ip_address"]

    async def test_no_worker_mode_still_sends_the_passwords_it_sealed(
        self, fast_state: AppState, sim: SimulatorServer
    ) -> None:
        """With --no-worker, only this process can unseal the root password it accepted, so it
        makes the create call itself and leaves the waiting to the standalone workers."""
        instance = await _deploy_and_watch(
            fast_state, sim, "sealed_only", {"provisioning", "running"}
        )
        assert instance["status"] in {"provisioning", "running"}, instance
        assert len(sim.instances("linode")) == 1
        operations = await operations_of(fast_state, instance["id"])
        assert all(operation.sealed_secret is None for operation in operations)
