"""The provider's reason is kept and trouble during a create is visible (issue 8, item 11)."""

from __future__ import annotations

import httpx
import pytest
from httpx import AsyncClient

from tests.factories import running_instance, signed_in_headers
from tests.instances.support import (
    create_offer,
    deploy_body,
    operations_of,
    pick_image,
    servers_at_provider,
    wait_for_status,
)
from vpspanel import provider_errors
from vpspanel.auth.models import UserRole
from vpspanel.instances import tasks
from vpspanel.providers import errors as perr
from vpspanel.simulator.testing import SimulatorServer
from vpspanel.state import AppState
from vpspanel.worker.config import WorkerConfig
from vpspanel.worker.runner import Worker


async def test_an_account_at_its_server_limit_tells_customer_and_admin_why(
    fast_state: AppState,
    client: AsyncClient,
    sim: SimulatorServer,
    worker: Worker,
) -> None:
    offer = await create_offer(fast_state, sim, "digitalocean")
    # The account already holds as many droplets as its limit allows.
    sim.configure(digitalocean_droplet_limit=1)
    occupied = httpx.post(
        f"{sim.digitalocean_url}/droplets",
        headers={"Authorization": f"Bearer {offer.token}"},
        json={
            "name": "elsewhere",
            "region": offer.setup.region,
            "size": offer.setup.small,
            "image": "ubuntu-24-04-x64",
        },
    )
    assert occupied.status_code == 202, occupied.text
    headers, _, _ = await signed_in_headers(fast_state, client)
    image = await pick_image(client, headers, offer.small.id, "Ubuntu")
    created = await client.post("/api/vps", json=deploy_body(offer, image), headers=headers)
    assert created.status_code == 201, created.text
    instance_id = created.json()["instance"]["id"]

    failed = await wait_for_status(client, headers, instance_id, "failed", worker)
    assert failed["error"] == provider_errors.NOT_PLACED
    (operation,) = await operations_of(fast_state, instance_id)
    assert "droplet limit" in operation.result["provider_error"]

    admin_headers, _, _ = await signed_in_headers(fast_state, client, role=UserRole.ADMIN)
    one = await client.get(f"/api/admin/instances/{instance_id}", headers=admin_headers)
    assert one.status_code == 200, one.text
    seen = one.json()["instance"]
    assert "droplet limit" in seen["provider_error"]
    assert seen["last_operation"]["type"] == "create"
    assert seen["last_operation"]["status"] == "failed"
    listed = (await client.get("/api/admin/instances", headers=admin_headers)).json()
    assert "droplet limit" in listed["instances"][0]["provider_error"]
    # The customer never sees the provider's words.
    customer_view = (await client.get(f"/api/vps/{instance_id}", headers=headers)).text
    assert "droplet limit" not in customer_view and "provider_error" not in customer_view


@pytest.mark.parametrize("provider_type", ["linode", "digitalocean"])
async def test_each_retry_of_a_create_is_an_event_the_customer_reads(
    provider_type: str,
    fast_state: AppState,
    client: AsyncClient,
    sim: SimulatorServer,
    worker: Worker,
) -> None:
    offer = await create_offer(fast_state, sim, provider_type)
    headers, _, _ = await signed_in_headers(fast_state, client)
    path = "/linode/instances" if provider_type == "linode" else "/droplets"
    # Refused outright (the connection answered 503 before anything was made), twice.
    sim.inject_fault(provider_type, "server_error", method="POST", path=f"^{path}$", times=2)
    instance_id = (await running_instance(client, headers, offer, worker))["id"]
    events = (await client.get(f"/api/vps/{instance_id}/events", headers=headers)).json()
    retries = [e["message"] for e in events["events"] if e["type"] == "retry"]
    assert retries, events
    bound = WorkerConfig().max_retries + 1
    assert sorted(retries) == [
        f"The cloud had a temporary problem; retrying (attempt 2 of at most {bound}).",
        f"The cloud had a temporary problem; retrying (attempt 3 of at most {bound}).",
    ]


@pytest.mark.parametrize("provider_type", ["linode", "digitalocean"])
async def test_a_create_the_cloud_keeps_failing_stops_at_its_bound(
    provider_type: str,
    fast_state: AppState,
    client: AsyncClient,
    sim: SimulatorServer,
) -> None:
    worker = Worker(fast_state, config=WorkerConfig.instant(max_retries=2))
    offer = await create_offer(fast_state, sim, provider_type)
    headers, _, _ = await signed_in_headers(fast_state, client)
    image = await pick_image(client, headers, offer.small.id, "Ubuntu")
    path = "/linode/instances" if provider_type == "linode" else "/droplets"
    sim.inject_fault(provider_type, "server_error", method="POST", path=f"^{path}$", times=10)
    created = await client.post("/api/vps", json=deploy_body(offer, image), headers=headers)
    instance_id = created.json()["instance"]["id"]

    failed = await wait_for_status(client, headers, instance_id, "failed", worker)

    assert failed["error"] == tasks.NOT_RESPONDING
    assert sim.request_count(provider_type, "POST", path) == 3
    assert len(await servers_at_provider(fast_state, offer.account)) == 0
    events = (await client.get(f"/api/vps/{instance_id}/events", headers=headers)).json()
    retries = [e["message"] for e in events["events"] if e["type"] == "retry"]
    assert sorted(retries) == [
        "The cloud had a temporary problem; retrying (attempt 2 of at most 3).",
        "The cloud had a temporary problem; retrying (attempt 3 of at most 3).",
    ]


def test_the_provider_reason_is_scrubbed_of_anything_secret() -> None:
    error = perr.ProviderValidationError(
        "root_pass",
        "root_pass=Hunter2-Secret! rejected; token: abcdEFGH1234abcdEFGH1234abcdEFGH1234 bad",
    )
    text = provider_errors.provider_error_text(error)
    assert text.startswith("ProviderValidationError: ")
    assert "Hunter2" not in text and "abcdEFGH1234" not in text
    assert "rejected" in text


@pytest.mark.parametrize("provider_type", ["linode", "digitalocean"])
async def test_a_last_create_that_lands_late_is_found_not_left_behind(
    provider_type: str,
    fast_state: AppState,
    client: AsyncClient,
    sim: SimulatorServer,
) -> None:
    # No retries allowed, and the only create is answered 504 but carried out later: the
    # create waits out its quiet period and finds it rather than failing with a server left.
    worker = Worker(
        fast_state, config=WorkerConfig.instant(max_retries=0, create_quiet_period_s=1.0)
    )
    offer = await create_offer(fast_state, sim, provider_type)
    headers, _, _ = await signed_in_headers(fast_state, client)
    path = "/linode/instances" if provider_type == "linode" else "/droplets"
    sim.inject_fault(
        provider_type, "late_write", method="POST", path=f"^{path}$", write_delay_seconds=0.5
    )

    running = await running_instance(client, headers, offer, worker, max_steps=2000)

    assert running["ip_address"]
    assert sim.request_count(provider_type, "POST", path) == 1
    assert len(await servers_at_provider(fast_state, offer.account)) == 1


@pytest.mark.parametrize("provider_type", ["linode", "digitalocean"])
async def test_a_refused_create_tells_the_customer_what_to_do_next(
    provider_type: str,
    fast_state: AppState,
    client: AsyncClient,
    sim: SimulatorServer,
    worker: Worker,
) -> None:
    offer = await create_offer(fast_state, sim, provider_type)
    headers, _, _ = await signed_in_headers(fast_state, client)
    image = await pick_image(client, headers, offer.small.id, "Ubuntu")
    path = "/linode/instances" if provider_type == "linode" else "/droplets"
    # A 400 is a refusal, not retried.
    sim.inject_fault(provider_type, "server_error", method="POST", path=f"^{path}$", status=400)
    created = await client.post("/api/vps", json=deploy_body(offer, image), headers=headers)
    instance_id = created.json()["instance"]["id"]

    failed = await wait_for_status(client, headers, instance_id, "failed", worker)

    assert failed["error"] == provider_errors.CREATE_REFUSED
    assert "choose another plan or region" in failed["error"]
