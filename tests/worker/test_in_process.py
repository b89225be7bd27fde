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
from vpspanel.worker.config import WorkerConfig
from vpspanel.worker.runner import Worker


async def _deploy_and_watch(
    state: AppState,
    sim: SimulatorServer,
    mode: WorkerMode,
    wanted: set[str],
    *,
    watch_s: float = 15.0,
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
        for _ in range(int(watch_s / 0.05)):
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

    async def test_no_worker_mode_accepts_a_deploy_and_sends_nothing_until_a_worker_runs(
        self, fast_state: AppState, sim: SimulatorServer
    ) -> None:
        """`serve --no-worker`: the deploy is accepted (201), no provider write leaves this
        process; a worker elsewhere (here: one with its own sessions) completes it."""
        instance = await _deploy_and_watch(fast_state, sim, "none", {"running"}, watch_s=1.0)
        assert instance["status"] == "pending", instance
        assert sim.request_count("linode", "POST") == 0
        assert sim.instances("linode") == []
        worker = Worker(fast_state, config=WorkerConfig.instant())
        while await worker.run_once():
            pass
        assert len(sim.instances("linode")) == 1
        assert sim.request_count("linode", "POST") == 1
        (operation,) = await operations_of(fast_state, instance["id"])
        assert (operation.status, operation.sealed_secret) == ("succeeded", None)
