"""Only ids the customer catalog shows (issue 8, item 13): resize takes our plan ids and
rebuild our image ids; the cloud's own ids are refused, each on the field the request used.
Deploy keeps taking a provider plan id sold in its region."""

from __future__ import annotations

import uuid

import pytest
from httpx import AsyncClient

from tests.factories import running_instance, signed_in_headers
from tests.instances.support import (
    STRONG_PASS,
    create_offer,
    create_plan,
    deploy_body,
    pick_image,
    provider_for,
)
from vpspanel.simulator.testing import SimulatorServer
from vpspanel.state import AppState
from vpspanel.worker.runner import Worker

PROVIDERS = ["linode", "digitalocean"]


def _field_error(response: object) -> tuple[str, str]:
    assert response.status_code == 422, response.text  # type: ignore[attr-defined]
    (field,) = response.json()["fields"]  # type: ignore[attr-defined]
    return field["field"], field["message"]


@pytest.mark.parametrize("provider_type", PROVIDERS)
async def test_resize_takes_only_our_plan_ids(
    provider_type: str,
    fast_state: AppState,
    client: AsyncClient,
    sim: SimulatorServer,
    worker: Worker,
) -> None:
    offer = await create_offer(fast_state, sim, provider_type)
    headers, _, _ = await signed_in_headers(fast_state, client)
    server = await running_instance(client, headers, offer, worker)
    resize = f"/api/vps/{server['id']}/resize"

    for unknown in (offer.setup.large, str(uuid.uuid4()), "not-a-plan"):
        field, message = _field_error(
            await client.post(resize, json={"type": unknown}, headers=headers)
        )
        assert (field, message.split(":")[0]) == ("type", "Unknown plan")

    accepted = await client.post(resize, json={"type": str(offer.large.id)}, headers=headers)
    assert accepted.status_code == 202, accepted.text


async def test_a_plan_of_another_cloud_or_region_is_reported_on_type(
    fast_state: AppState, client: AsyncClient, sim: SimulatorServer, worker: Worker
) -> None:
    linode = await create_offer(fast_state, sim, "linode")
    other_cloud = await create_offer(fast_state, sim, "digitalocean")
    elsewhere = await create_plan(
        fast_state,
        linode.account,
        provider_plan_id="g6-standard-4",
        specs={"vcpus": 4, "memory": 8192, "disk": 160},
        regions=[("eu-west", "London, UK", "gb")],
    )
    headers, _, _ = await signed_in_headers(fast_state, client)
    server = await running_instance(client, headers, linode, worker)
    resize = f"/api/vps/{server['id']}/resize"

    field, message = _field_error(
        await client.post(resize, json={"type": str(other_cloud.large.id)}, headers=headers)
    )
    assert field == "type" and "not available for this server" in message
    field, message = _field_error(
        await client.post(resize, json={"type": str(elsewhere.id)}, headers=headers)
    )
    assert field == "type" and "region" in message


@pytest.mark.parametrize("provider_type", PROVIDERS)
async def test_rebuild_takes_only_our_image_ids(
    provider_type: str,
    fast_state: AppState,
    client: AsyncClient,
    sim: SimulatorServer,
    worker: Worker,
) -> None:
    offer = await create_offer(fast_state, sim, provider_type)
    headers, _, _ = await signed_in_headers(fast_state, client)
    server = await running_instance(client, headers, offer, worker)
    image = await pick_image(client, headers, offer.small.id, offer.setup.image_distribution)
    upstream_ids = [i.id for i in await provider_for(fast_state, offer.account).list_images()]
    assert image not in upstream_ids
    body: dict[str, str] = {"root_pass": STRONG_PASS}
    if provider_type == "digitalocean":
        body = {}  # DigitalOcean cannot set credentials on rebuild

    for upstream_id in upstream_ids[:3]:
        response = await client.post(
            f"/api/vps/{server['id']}/rebuild", json={**body, "image": upstream_id}, headers=headers
        )
        field, _ = _field_error(response)
        assert field == "image"

    accepted = await client.post(
        f"/api/vps/{server['id']}/rebuild", json={**body, "image": image}, headers=headers
    )
    assert accepted.status_code == 202, accepted.text


async def test_deploy_still_takes_a_provider_plan_id_sold_in_the_region(
    fast_state: AppState, client: AsyncClient, sim: SimulatorServer
) -> None:
    offer = await create_offer(fast_state, sim, "linode")
    headers, _, _ = await signed_in_headers(fast_state, client)
    image = await pick_image(client, headers, offer.small.id, "Ubuntu")
    response = await client.post(
        "/api/vps", json=deploy_body(offer, image, type=offer.setup.small), headers=headers
    )
    assert response.status_code == 201, response.text
    assert response.json()["instance"]["plan"]["id"] == str(offer.small.id)

    unknown = await client.post(
        "/api/vps", json=deploy_body(offer, image, type="g6-dedicated-8"), headers=headers
    )
    field, message = _field_error(unknown)
    assert field == "type" and message.startswith("Unknown plan")
