"""The whole life of a server on both providers, observed only through the API."""

from __future__ import annotations

from typing import Any

import pytest
from httpx import AsyncClient

from tests.factories import running_instance, signed_in_headers
from tests.instances.support import (
    ROOT_PASS,
    create_offer,
    deploy_body,
    pick_image,
    rebuild_body,
    servers_at_provider,
    wait_for_status,
)
from vpspanel.simulator.testing import SimulatorServer
from vpspanel.state import AppState
from vpspanel.worker.runner import Worker


@pytest.mark.parametrize("provider_type", ["linode", "digitalocean"])
class TestFullLifecycle:
    async def test_catalog_deploy_and_every_action_to_deleted(
        self,
        provider_type: str,
        fast_state: AppState,
        client: AsyncClient,
        sim: SimulatorServer,
        worker: Worker,
    ) -> None:
        offer = await create_offer(fast_state, sim, provider_type)
        headers, _user, _org = await signed_in_headers(fast_state, client)

        regions = (await client.get("/api/vps/regions", headers=headers)).json()["regions"]
        assert offer.setup.public_region in [region["id"] for region in regions]
        plans = (
            await client.get(f"/api/vps/plans?region={offer.setup.public_region}", headers=headers)
        ).json()["plans"]
        assert {plan["id"] for plan in plans} == {str(offer.small.id), str(offer.large.id)}
        image = await pick_image(client, headers, offer.small.id, offer.setup.image_distribution)

        created = await client.post("/api/vps", json=deploy_body(offer, image), headers=headers)
        assert created.status_code == 201, created.text
        instance = created.json()["instance"]
        assert instance["status"] == "pending"
        assert instance["is_transitional"] is True
        assert instance["allowed_actions"] == ["delete"]  # deleting cancels the create
        assert instance["plan"] == {"id": str(offer.small.id), "name": "Standard 1GB"}
        assert instance["region"] == {
            "id": offer.setup.public_region,
            "label": offer.setup.region_label,
        }
        instance_id = instance["id"]

        running = await wait_for_status(client, headers, instance_id, "running", worker)
        assert running["ip_address"]
        # The server runs in the provider's region the public id stands for, and no customer
        # answer names that region by the provider's own id.
        [at_provider] = await servers_at_provider(fast_state, offer.account)
        assert at_provider.region_id == offer.setup.region
        answers = [
            (await client.get(path, headers=headers)).text
            for path in (
                "/api/vps/regions",
                "/api/vps/plans",
                f"/api/vps/plans?region={offer.setup.public_region}",
                "/api/vps",
                f"/api/vps/{instance_id}",
                f"/api/vps/{instance_id}/resize-plans",
                f"/api/vps/{instance_id}/events",
            )
        ]
        assert running["region"]["id"] == offer.setup.public_region
        for answer in answers:
            assert offer.setup.region not in answer, answer
        assert running["progress"] is None
        assert set(running["allowed_actions"]) == {
            "shutdown",
            "reboot",
            "rebuild",
            "resize",
            "delete",
        }

        async def act(path: str, body: dict[str, str] | None = None) -> dict[str, Any]:
            response = await client.post(
                f"/api/vps/{instance_id}/{path}", json=body, headers=headers
            )
            assert response.status_code == 202, response.text
            answer: dict[str, Any] = response.json()["instance"]
            return answer

        assert (await act("shutdown"))["status"] == "stopping"
        stopped = await wait_for_status(client, headers, instance_id, "stopped", worker)
        assert stopped["allowed_actions"] == ["boot", "rebuild", "resize", "delete"]

        assert (await act("boot"))["status"] == "starting"
        await wait_for_status(client, headers, instance_id, "running", worker)

        assert (await act("reboot"))["status"] == "rebooting"
        await wait_for_status(client, headers, instance_id, "running", worker)

        rebuilt = await act("rebuild", rebuild_body(provider_type, image))
        assert rebuilt["status"] == "rebuilding"
        await wait_for_status(client, headers, instance_id, "running", worker)

        assert (await act("resize", {"type": str(offer.large.id)}))["status"] == "resizing"
        resized = (
            await wait_for_status(client, headers, instance_id, "running", worker)
            if provider_type == "linode"
            else await _stable(client, headers, instance_id, worker)
        )
        assert resized["plan"]["id"] == str(offer.large.id)

        deleting = await client.delete(f"/api/vps/{instance_id}", headers=headers)
        assert deleting.status_code == 202, deleting.text
        assert deleting.json()["instance"]["status"] == "deleting"
        deleted = await wait_for_status(client, headers, instance_id, "deleted", worker)
        assert deleted["allowed_actions"] == []
        assert await servers_at_provider(fast_state, offer.account) == []

        events = (await client.get(f"/api/vps/{instance_id}/events", headers=headers)).json()
        kinds = [(event["type"], event["status"]) for event in events["events"]]
        for action in ("create", "shutdown", "boot", "reboot", "rebuild", "resize", "delete"):
            assert (action, "succeeded") in kinds
        assert ("created", "succeeded") in kinds
        assert ROOT_PASS not in str(events)
        rebuild_message = next(
            e["message"]
            for e in events["events"]
            if e["type"] == "rebuild" and e["status"] == "succeeded"
        )
        # DigitalOcean cannot set a password on rebuild: the customer is told, not misled.
        keeps_password = "keeps the root password" in rebuild_message
        assert keeps_password is (provider_type == "digitalocean")


async def _stable(
    client: AsyncClient, headers: dict[str, str], instance_id: str, worker: Worker
) -> dict[str, Any]:
    """A resized DigitalOcean droplet may come back powered off: running or stopped."""
    for _ in range(200):
        instance: dict[str, Any] = (
            await client.get(f"/api/vps/{instance_id}", headers=headers)
        ).json()["instance"]
        if instance["status"] in ("running", "stopped"):
            return instance
        await worker.run_once()
    raise AssertionError("resize never finished")


async def test_an_actions_event_reads_running_from_its_first_step(
    fast_state: AppState, client: AsyncClient, sim: SimulatorServer, worker: Worker
) -> None:
    """queued (requested) → running (the worker took it up) → succeeded, for every action as
    for a create: an API client polling the events sees the action under way."""
    offer = await create_offer(fast_state, sim, "linode")
    headers, _user, _org = await signed_in_headers(fast_state, client)
    server = await running_instance(client, headers, offer, worker)

    async def reboot_event() -> dict[str, Any]:
        events = (await client.get(f"/api/vps/{server['id']}/events", headers=headers)).json()
        found: dict[str, Any] = [e for e in events["events"] if e["type"] == "reboot"][-1]
        return found

    assert (
        await client.post(f"/api/vps/{server['id']}/reboot", headers=headers)
    ).status_code == 202
    assert (await reboot_event())["status"] == "queued"
    assert await worker.run_once()
    assert (await reboot_event())["status"] == "running"
    await wait_for_status(client, headers, server["id"], "running", worker)
    assert (await reboot_event())["status"] == "succeeded"
