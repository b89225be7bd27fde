"""Statuses the provider imposes ("hands off") through the simulator: maintenance and
suspension have states of their own with no actions and a reason the customer can read; a
status we do not know is `unknown` (no actions, admins alerted), never the last one kept; a
deleted server keeps no address."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from httpx import AsyncClient

from tests.factories import running_instance, signed_in_headers
from tests.instances.support import create_offer
from vpspanel.auth.models import UserRole
from vpspanel.simulator.testing import SimulatorServer
from vpspanel.state import AppState
from vpspanel.worker.reconcile import reconcile
from vpspanel.worker.runner import Worker


async def _seen_after(
    provider_status: str,
    provider_type: str,
    fast_state: AppState,
    client: AsyncClient,
    sim: SimulatorServer,
    worker: Worker,
) -> tuple[dict[str, str], dict[str, Any]]:
    offer = await create_offer(fast_state, sim, provider_type)
    headers, _, _ = await signed_in_headers(fast_state, client)
    instance = await running_instance(client, headers, offer, worker)
    (server,) = sim.instances(provider_type, token=offer.token)
    sim.set_instance_status(provider_type, server["id"], provider_status)
    await reconcile(fast_state)
    body = (await client.get(f"/api/vps/{instance['id']}", headers=headers)).json()
    return headers, body["instance"]


class TestHandsOffStatuses:
    @pytest.mark.parametrize(
        ("provider_status", "status", "words"),
        [
            pytest.param("stopped", "maintenance", "maintenance", id="host-maintenance"),
            pytest.param("billing_suspension", "suspended", "suspended", id="billing-suspension"),
        ],
    )
    async def test_imposed_states_offer_no_action_and_say_why(
        self,
        provider_status: str,
        status: str,
        words: str,
        fast_state: AppState,
        client: AsyncClient,
        sim: SimulatorServer,
        worker: Worker,
    ) -> None:
        headers, instance = await _seen_after(
            provider_status, "linode", fast_state, client, sim, worker
        )

        assert instance["status"] == status
        assert instance["allowed_actions"] == []
        assert words in instance["status_detail"]
        boot = await client.post(f"/api/vps/{instance['id']}/boot", headers=headers)
        assert boot.status_code == 409
        admin, _, _ = await signed_in_headers(fast_state, client, role=UserRole.ADMIN)
        (listed,) = (await client.get("/api/admin/instances", headers=admin)).json()["instances"]
        assert listed["provider_status"] == provider_status

    async def test_an_unknown_status_is_unknown_with_no_action_and_alerts_admins(
        self,
        fast_state: AppState,
        client: AsyncClient,
        sim: SimulatorServer,
        worker: Worker,
        caplog: pytest.LogCaptureFixture,
    ) -> None:
        with caplog.at_level(logging.WARNING, logger="vpspanel.worker.reconcile"):
            headers, instance = await _seen_after(
                "contact_support", "linode", fast_state, client, sim, worker
            )

        assert instance["status"] == "unknown"
        assert instance["allowed_actions"] == []
        assert instance["status_detail"] is not None
        assert any("contact_support" in record.getMessage() for record in caplog.records)
        events = (await client.get(f"/api/vps/{instance['id']}/events", headers=headers)).json()
        assert "status_unknown" in [event["type"] for event in events["events"]]

    async def test_back_from_maintenance_the_actions_return(
        self, fast_state: AppState, client: AsyncClient, sim: SimulatorServer, worker: Worker
    ) -> None:
        headers, instance = await _seen_after("stopped", "linode", fast_state, client, sim, worker)
        (server,) = sim.instances("linode")
        sim.set_instance_status("linode", server["id"], "running")
        await reconcile(fast_state)

        after = (await client.get(f"/api/vps/{instance['id']}", headers=headers)).json()
        assert after["instance"]["status"] == "running"
        assert after["instance"]["status_detail"] is None
        assert "reboot" in after["instance"]["allowed_actions"]

    async def test_an_archived_droplet_is_deleted_without_its_addresses(
        self, fast_state: AppState, client: AsyncClient, sim: SimulatorServer, worker: Worker
    ) -> None:
        _, instance = await _seen_after("archive", "digitalocean", fast_state, client, sim, worker)
        assert instance["status"] == "deleted"
        assert instance["ip_address"] is None and instance["ipv6"] is None
