"""An error belongs to the operation that failed: once the server is seen in another state,
the old error text no longer describes it and is cleared."""

from __future__ import annotations

import uuid

import pytest
from httpx import AsyncClient

from tests.factories import running_instance, signed_in_headers
from tests.instances.support import create_offer
from vpspanel.instances import tasks
from vpspanel.instances.models import VpsInstance
from vpspanel.simulator.testing import SimulatorServer
from vpspanel.state import AppState
from vpspanel.worker.reconcile import reconcile
from vpspanel.worker.runner import Worker


class TestStaleErrors:
    @pytest.mark.parametrize("provider_type", ["linode", "digitalocean"])
    async def test_a_server_found_running_again_loses_the_gone_error(
        self,
        provider_type: str,
        fast_state: AppState,
        client: AsyncClient,
        sim: SimulatorServer,
        worker: Worker,
    ) -> None:
        offer = await create_offer(fast_state, sim, provider_type)
        headers, _, _ = await signed_in_headers(fast_state, client)
        instance = await running_instance(client, headers, offer, worker)
        # What a sync that could not read the server leaves behind.
        async with fast_state.sessionmaker() as session, session.begin():
            row = await session.get(VpsInstance, uuid.UUID(instance["id"]))
            assert row is not None
            row.status, row.error = "failed", tasks.GONE_AT_PROVIDER

        report = await reconcile(fast_state)

        assert report.updated == 1
        after = (await client.get(f"/api/vps/{instance['id']}", headers=headers)).json()
        assert after["instance"]["status"] == "running"
        assert after["instance"]["error"] is None

    async def test_a_refused_action_error_goes_when_the_server_changes_state(
        self, fast_state: AppState, client: AsyncClient, sim: SimulatorServer, worker: Worker
    ) -> None:
        offer = await create_offer(fast_state, sim, "digitalocean")
        headers, _, _ = await signed_in_headers(fast_state, client)
        instance = await running_instance(client, headers, offer, worker)
        sim.inject_fault(
            "digitalocean", "server_error", method="POST", path=r"/actions$", status=403
        )
        await client.post(f"/api/vps/{instance['id']}/shutdown", headers=headers)
        for _ in range(50):
            if not await worker.run_once():
                break
        refused = (await client.get(f"/api/vps/{instance['id']}", headers=headers)).json()
        assert refused["instance"]["error"] is not None
        (server,) = sim.instances("digitalocean", token=offer.token)
        sim.set_instance_status("digitalocean", server["id"], "off")

        await reconcile(fast_state)

        after = (await client.get(f"/api/vps/{instance['id']}", headers=headers)).json()
        assert after["instance"]["status"] == "stopped"
        assert after["instance"]["error"] is None
