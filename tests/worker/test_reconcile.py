"""Reconciliation with what the providers report."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from httpx import AsyncClient

from tests.factories import running_instance, signed_in_headers
from tests.instances.support import ROOT_PASS, create_offer, provider_for, run_until_idle
from vpspanel.providers.types import CreateInstanceSpec
from vpspanel.simulator.testing import SimulatorServer
from vpspanel.state import AppState
from vpspanel.worker.reconcile import reconcile
from vpspanel.worker.runner import Worker


class TestReconcile:
    async def test_a_server_stopped_behind_our_back_shows_stopped(
        self, fast_state: AppState, client: AsyncClient, sim: SimulatorServer, worker: Worker
    ) -> None:
        offer = await create_offer(fast_state, sim, "linode")
        headers, _, _ = await signed_in_headers(fast_state, client)
        instance = await running_instance(client, headers, offer, worker)
        (server,) = sim.instances("linode", token=offer.token)
        sim.set_instance_status("linode", server["id"], "offline")

        report = await reconcile(fast_state)

        assert report.updated == 1 and report.untracked == 0
        after = (await client.get(f"/api/vps/{instance['id']}", headers=headers)).json()
        assert after["instance"]["status"] == "stopped"
        assert after["instance"]["allowed_actions"][0] == "boot"

    async def test_a_tagged_server_nobody_owns_is_reported_not_deleted(
        self, fast_state: AppState, sim: SimulatorServer
    ) -> None:
        offer = await create_offer(fast_state, sim, "digitalocean")
        stray = await provider_for(fast_state, offer.account).create_instance(
            CreateInstanceSpec(
                instance_id=uuid.uuid4(),
                label="stray-1",
                plan_id=offer.setup.small,
                region_id=offer.setup.region,
                image_id="ubuntu-22-04-x64",
                root_pass=ROOT_PASS,
            )
        )
        report = await reconcile(fast_state)
        assert report.untracked == 1
        assert [server["id"] for server in sim.instances("digitalocean", token=offer.token)] == [
            int(stray.id)
        ]

    @pytest.mark.parametrize("provider_type", ["linode", "digitalocean"])
    async def test_an_operation_finishing_after_the_listing_is_not_overwritten(
        self,
        provider_type: str,
        fast_state: AppState,
        client: AsyncClient,
        sim: SimulatorServer,
        worker: Worker,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        offer = await create_offer(fast_state, sim, provider_type)
        headers, _, _ = await signed_in_headers(fast_state, client)
        instance = await running_instance(client, headers, offer, worker)
        assert (
            await client.post(f"/api/vps/{instance['id']}/shutdown", headers=headers)
        ).status_code == 202
        driver = type(provider_for(fast_state, offer.account))
        real_list = driver.list_instances

        async def list_then_let_the_shutdown_finish(self: Any, tagged_only: bool = True) -> Any:
            listed = await real_list(self, tagged_only=tagged_only)  # still running here
            await run_until_idle(worker)
            return listed

        monkeypatch.setattr(driver, "list_instances", list_then_let_the_shutdown_finish)
        report = await reconcile(fast_state)

        assert report.updated == 0
        after = (await client.get(f"/api/vps/{instance['id']}", headers=headers)).json()
        assert after["instance"]["status"] == "stopped"

    async def test_a_server_with_an_unfinished_operation_is_left_to_it(
        self, fast_state: AppState, client: AsyncClient, sim: SimulatorServer, worker: Worker
    ) -> None:
        offer = await create_offer(fast_state, sim, "linode")
        headers, _, _ = await signed_in_headers(fast_state, client)
        instance = await running_instance(client, headers, offer, worker)
        await client.post(f"/api/vps/{instance['id']}/reboot", headers=headers)
        (server,) = sim.instances("linode", token=offer.token)
        sim.set_instance_status("linode", server["id"], "offline")

        report = await reconcile(fast_state)

        assert report.updated == 0
        after = (await client.get(f"/api/vps/{instance['id']}", headers=headers)).json()
        assert after["instance"]["status"] == "rebooting"
