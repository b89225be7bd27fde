"""Provider faults during a create: every one ends with exactly one server per instance,
counted through the provider's own list API."""

from __future__ import annotations

from datetime import timedelta

import pytest
from httpx import AsyncClient

from tests.factories import signed_in_headers
from tests.instances.support import (
    create_offer,
    deploy_body,
    operations_of,
    pick_image,
    servers_at_provider,
    wait_for_status,
)
from vpspanel.simulator.testing import SimulatorServer
from vpspanel.state import AppState
from vpspanel.worker.config import WorkerConfig
from vpspanel.worker.runner import Worker

CREATE_PATHS = {"linode": "/linode/instances", "digitalocean": "/droplets"}
FAULTS = [
    pytest.param("server_error", {"status": 500}, id="5xx"),
    pytest.param("server_error", {"status": 503, "times": 3}, id="503-repeated"),
    pytest.param("rate_limit", {"times": 6}, id="429"),
    pytest.param("lost_response", {"status": 502}, id="lost-create-response"),
    pytest.param("timeout", {"delay_seconds": 1.0}, id="timeout"),
]


class TestCreateFaults:
    @pytest.mark.parametrize("provider_type", ["linode", "digitalocean"])
    @pytest.mark.parametrize(("kind", "options"), FAULTS)
    async def test_fault_ends_with_exactly_one_running_server(
        self,
        provider_type: str,
        kind: str,
        options: dict[str, object],
        fast_state: AppState,
        client: AsyncClient,
        sim: SimulatorServer,
    ) -> None:
        # The step gives up on a hung request after 0.3 s; a request we gave up on is looked
        # for by tag twice (0.3 s apart) before anything is sent again.
        worker = Worker(
            fast_state,
            config=WorkerConfig.instant(step_timeout_s=0.3, lost_create_recheck_s=0.3),
        )
        offer = await create_offer(fast_state, sim, provider_type)
        headers, _, _ = await signed_in_headers(fast_state, client)
        image = await pick_image(client, headers, offer.small.id, "Ubuntu")
        path = CREATE_PATHS[provider_type]
        sim.inject_fault(provider_type, kind, method="POST", path=f"^{path}$", **options)  # type: ignore[arg-type]

        created = await client.post("/api/vps", json=deploy_body(offer, image), headers=headers)
        instance_id = created.json()["instance"]["id"]
        running = await wait_for_status(
            client, headers, instance_id, "running", worker, max_steps=400
        )

        assert running["ip_address"]
        assert len(await servers_at_provider(fast_state, offer.account)) == 1
        operations = await operations_of(fast_state, instance_id)
        assert [(op.type, op.status, op.sealed_secret) for op in operations] == [
            ("create", "succeeded", None)
        ]


class TestActionFaults:
    async def test_an_action_that_keeps_failing_ends_failed_with_a_readable_reason(
        self, fast_state: AppState, client: AsyncClient, sim: SimulatorServer
    ) -> None:
        worker = Worker(
            fast_state,
            config=WorkerConfig.instant(timeouts={"reboot": timedelta(seconds=1)}),
        )
        offer = await create_offer(fast_state, sim, "linode")
        headers, _, _ = await signed_in_headers(fast_state, client)
        image = await pick_image(client, headers, offer.small.id, "Ubuntu")
        created = await client.post("/api/vps", json=deploy_body(offer, image), headers=headers)
        instance_id = created.json()["instance"]["id"]
        await wait_for_status(client, headers, instance_id, "running", worker)
        sim.inject_fault(
            "linode", "server_error", method="POST", path=r"/reboot$", status=503, times=10_000
        )

        assert (
            await client.post(f"/api/vps/{instance_id}/reboot", headers=headers)
        ).status_code == 202
        # Fails at the deadline, then the instance is re-read from the provider.
        after = await wait_for_status(
            client, headers, instance_id, "running", worker, max_steps=10_000
        )
        assert after["error"] == "The cloud provider did not finish in time. Please try again."
        events = (await client.get(f"/api/vps/{instance_id}/events", headers=headers)).json()
        reboot = next(event for event in events["events"] if event["type"] == "reboot")
        assert reboot["status"] == "failed"
        assert "503" not in reboot["message"]
        assert [(op.type, op.status) for op in await operations_of(fast_state, instance_id)] == [
            ("create", "succeeded"),
            ("reboot", "failed"),
            ("sync", "succeeded"),
        ]

    async def test_a_permanent_refusal_fails_at_once(
        self, fast_state: AppState, client: AsyncClient, sim: SimulatorServer, worker: Worker
    ) -> None:
        offer = await create_offer(fast_state, sim, "digitalocean")
        headers, _, _ = await signed_in_headers(fast_state, client)
        image = await pick_image(client, headers, offer.small.id, "Ubuntu")
        created = await client.post("/api/vps", json=deploy_body(offer, image), headers=headers)
        instance_id = created.json()["instance"]["id"]
        await wait_for_status(client, headers, instance_id, "running", worker)
        sim.inject_fault(
            "digitalocean", "server_error", method="POST", path=r"/actions$", status=403
        )

        await client.post(f"/api/vps/{instance_id}/shutdown", headers=headers)
        after = await wait_for_status(client, headers, instance_id, "running", worker)
        assert after["error"] is not None and "refused" in after["error"]
        operations = await operations_of(fast_state, instance_id)
        assert [(op.type, op.status, op.attempts) for op in operations][1] == (
            "shutdown",
            "failed",
            1,
        )
