"""Deleting a server whose create has not finished cancels the create (issue 8, item 19): a
create not yet sent is never sent, one that reached (or may have reached) the provider is
found by its tag and deleted, however late it lands within the create's quiet period, and
no server is left behind."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta
from typing import Any

import pytest
from httpx import AsyncClient

from tests.factories import signed_in_headers
from tests.instances.support import (
    create_offer,
    deploy_body,
    operations_of,
    pick_image,
    servers_at_provider,
)
from vpspanel.instances.service import DEPLOY_CANCELLED
from vpspanel.simulator.testing import SimulatorServer
from vpspanel.state import AppState
from vpspanel.worker.config import WorkerConfig
from vpspanel.worker.runner import LeaseLost, Worker

CREATE_PATHS = {"linode": "/linode/instances", "digitalocean": "/droplets"}
PROVIDERS = pytest.mark.parametrize("provider_type", ["linode", "digitalocean"])


async def _deploy(
    client: AsyncClient, headers: dict[str, str], state: AppState, sim: SimulatorServer, kind: str
) -> tuple[Any, str]:
    offer = await create_offer(state, sim, kind)
    image = await pick_image(client, headers, offer.small.id, "Ubuntu")
    created = await client.post("/api/vps", json=deploy_body(offer, image), headers=headers)
    assert created.status_code == 201, created.text
    return offer, created.json()["instance"]["id"]


async def _instance(client: AsyncClient, headers: dict[str, str], instance_id: str) -> Any:
    response = await client.get(f"/api/vps/{instance_id}", headers=headers)
    assert response.status_code == 200, response.text
    return response.json()["instance"]


async def _drive_until_deleted(
    client: AsyncClient, headers: dict[str, str], instance_id: str, worker: Worker
) -> dict[str, Any]:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        instance: dict[str, Any] = await _instance(client, headers, instance_id)
        if instance["status"] == "deleted":
            return instance
        if not await worker.run_once():
            await asyncio.sleep(0.02)
    raise AssertionError(f"{instance_id} was never deleted: {instance}")


async def _timeline(client: AsyncClient, headers: dict[str, str], instance_id: str) -> list[Any]:
    response = await client.get(f"/api/vps/{instance_id}/events", headers=headers)
    assert response.status_code == 200, response.text
    events: list[Any] = response.json()["events"]
    return events


@PROVIDERS
async def test_delete_before_the_create_is_sent_never_sends_it(
    provider_type: str,
    fast_state: AppState,
    client: AsyncClient,
    sim: SimulatorServer,
    worker: Worker,
) -> None:
    headers, _, _ = await signed_in_headers(fast_state, client)
    offer, instance_id = await _deploy(client, headers, fast_state, sim, provider_type)
    assert "delete" in (await _instance(client, headers, instance_id))["allowed_actions"]

    deleting = await client.delete(f"/api/vps/{instance_id}", headers=headers)

    assert deleting.status_code == 202, deleting.text
    assert deleting.json()["instance"]["status"] == "deleting"
    create, delete = await operations_of(fast_state, instance_id)
    assert (create.type, create.status, create.sealed_secret) == ("create", "cancelled", None)
    assert delete.payload["cancelled_create"] == {"sent": False}
    await _drive_until_deleted(client, headers, instance_id, worker)
    assert sim.request_count(provider_type, "POST", CREATE_PATHS[provider_type]) == 0
    assert await servers_at_provider(fast_state, offer.account) == []
    events = await _timeline(client, headers, instance_id)
    cancelled = [e for e in events if e["type"] == "create"]
    assert [(e["status"], e["message"]) for e in cancelled] == [("cancelled", DEPLOY_CANCELLED)]
    assert any(e["type"] == "delete" and e["status"] == "succeeded" for e in events)


@PROVIDERS
async def test_a_worker_holding_the_create_when_it_is_cancelled_does_not_send_it(
    provider_type: str,
    fast_state: AppState,
    client: AsyncClient,
    sim: SimulatorServer,
    worker: Worker,
) -> None:
    headers, _, _ = await signed_in_headers(fast_state, client)
    offer, instance_id = await _deploy(client, headers, fast_state, sim, provider_type)
    claimed = await worker._claim()  # the worker has taken the create, not yet sent it
    assert claimed is not None and claimed.operation.type == "create"
    assert (await _instance(client, headers, instance_id))["status"] == "provisioning"

    deleting = await client.delete(f"/api/vps/{instance_id}", headers=headers)
    assert deleting.status_code == 202, deleting.text
    with pytest.raises(LeaseLost):
        await worker._execute(claimed)

    await _drive_until_deleted(client, headers, instance_id, worker)
    assert sim.request_count(provider_type, "POST", CREATE_PATHS[provider_type]) == 0
    assert await servers_at_provider(fast_state, offer.account) == []


@PROVIDERS
async def test_delete_while_provisioning_deletes_the_server_the_provider_has(
    provider_type: str,
    fast_state: AppState,
    client: AsyncClient,
    sim: SimulatorServer,
    worker: Worker,
) -> None:
    headers, _, _ = await signed_in_headers(fast_state, client)
    offer, instance_id = await _deploy(client, headers, fast_state, sim, provider_type)
    assert await worker.run_once()  # the create is sent and the server is made
    provisioning = await _instance(client, headers, instance_id)
    assert provisioning["status"] == "provisioning"
    assert "delete" in provisioning["allowed_actions"]
    assert len(await servers_at_provider(fast_state, offer.account)) == 1

    deleting = await client.delete(f"/api/vps/{instance_id}", headers=headers)
    assert deleting.status_code == 202, deleting.text
    await _drive_until_deleted(client, headers, instance_id, worker)

    assert await servers_at_provider(fast_state, offer.account) == []
    assert sim.request_count(provider_type, "POST", CREATE_PATHS[provider_type]) == 1
    statuses = [op.status for op in await operations_of(fast_state, instance_id)]
    assert statuses == ["cancelled", "succeeded"]


@PROVIDERS
async def test_a_create_of_unknown_outcome_that_lands_late_is_deleted(
    provider_type: str,
    fast_state: AppState,
    client: AsyncClient,
    sim: SimulatorServer,
) -> None:
    quiet_period_s, lands_after_s = 2.0, 1.0
    worker = Worker(fast_state, config=WorkerConfig.instant(create_quiet_period_s=quiet_period_s))
    path = CREATE_PATHS[provider_type]
    # Answered 504 at once; the cloud makes the server a second later all the same.
    sim.inject_fault(
        provider_type,
        "late_write",
        method="POST",
        path=f"^{path}$",
        write_delay_seconds=lands_after_s,
    )
    headers, _, _ = await signed_in_headers(fast_state, client)
    offer, instance_id = await _deploy(client, headers, fast_state, sim, provider_type)
    assert await worker.run_once()  # sent; the answer was lost
    assert (await _instance(client, headers, instance_id))["status"] == "provisioning"
    assert await servers_at_provider(fast_state, offer.account) == []

    deleting = await client.delete(f"/api/vps/{instance_id}", headers=headers)
    assert deleting.status_code == 202, deleting.text
    assert await worker.run_once()  # the first look finds nothing yet
    assert (await _instance(client, headers, instance_id))["status"] == "deleting"
    (_, watching) = await operations_of(fast_state, instance_id)
    assert watching.result.get("absent_since") and not watching.result.get("sent")
    await _drive_until_deleted(client, headers, instance_id, worker)
    await asyncio.sleep(0.2)

    assert await servers_at_provider(fast_state, offer.account) == []
    assert sim.request_count(provider_type, "POST", path) == 1
    (_, delete) = await operations_of(fast_state, instance_id)
    assert delete.payload["cancelled_create"] == {"sent": True}
    assert delete.result["sent"] is True  # it appeared, and was deleted


async def test_deleting_twice_is_deleting_once(
    fast_state: AppState, client: AsyncClient, sim: SimulatorServer, worker: Worker
) -> None:
    headers, _, _ = await signed_in_headers(fast_state, client)
    offer, instance_id = await _deploy(client, headers, fast_state, sim, "digitalocean")

    first = await client.delete(f"/api/vps/{instance_id}", headers=headers)
    second = await client.delete(f"/api/vps/{instance_id}", headers=headers)

    assert (first.status_code, second.status_code) == (202, 202)
    assert second.json()["instance"]["status"] == "deleting"
    assert [op.type for op in await operations_of(fast_state, instance_id)] == [
        "create",
        "delete",
    ]
    await _drive_until_deleted(client, headers, instance_id, worker)
    again = await client.delete(f"/api/vps/{instance_id}", headers=headers)
    assert again.status_code == 202, again.text
    assert again.json()["instance"]["status"] == "deleted"
    assert len(await operations_of(fast_state, instance_id)) == 2
    assert await servers_at_provider(fast_state, offer.account) == []


@PROVIDERS
async def test_deleting_a_failed_create_whose_send_may_land_late_leaves_nothing(
    provider_type: str,
    fast_state: AppState,
    client: AsyncClient,
    sim: SimulatorServer,
) -> None:
    # The create runs out of time right after a send answered 504 that the cloud carries out
    # a second later; the customer deletes the failed server before it lands.
    worker = Worker(
        fast_state,
        config=WorkerConfig.instant(
            create_quiet_period_s=2.0, timeouts={"create": timedelta(seconds=0.3)}
        ),
    )
    path = CREATE_PATHS[provider_type]
    sim.inject_fault(
        provider_type, "late_write", method="POST", path=f"^{path}$", write_delay_seconds=1.0
    )
    headers, _, _ = await signed_in_headers(fast_state, client)
    offer, instance_id = await _deploy(client, headers, fast_state, sim, provider_type)
    sent_at = time.monotonic()
    assert await worker.run_once()  # sent; the answer was lost
    await asyncio.sleep(0.35)
    assert await worker.run_once()  # past its deadline: failed
    assert (await _instance(client, headers, instance_id))["status"] == "failed"
    assert await servers_at_provider(fast_state, offer.account) == []

    deleting = await client.delete(f"/api/vps/{instance_id}", headers=headers)
    assert deleting.status_code == 202, deleting.text
    await _drive_until_deleted(client, headers, instance_id, worker)
    await asyncio.sleep(max(sent_at + 1.5 - time.monotonic(), 0))  # it has landed by now

    assert await servers_at_provider(fast_state, offer.account) == []
    assert sim.request_count(provider_type, "POST", path) == 1
