"""What a server can do on rebuild (issue 8, item 10): the instance says whether a rebuild sets
new credentials; where it cannot, a root_pass is refused (422 naming it and why) instead of
being silently dropped, and a rebuild without one is accepted."""

from __future__ import annotations

import pytest
from httpx import AsyncClient

from tests.factories import running_instance, signed_in_headers
from tests.instances.support import STRONG_PASS, create_offer, pick_image, wait_for_status
from vpspanel.simulator.testing import SimulatorServer
from vpspanel.state import AppState
from vpspanel.worker.runner import Worker


@pytest.mark.parametrize(
    ("provider_type", "sets_credentials"), [("linode", True), ("digitalocean", False)]
)
async def test_every_instance_view_shows_the_capability(
    provider_type: str,
    sets_credentials: bool,
    fast_state: AppState,
    client: AsyncClient,
    sim: SimulatorServer,
    worker: Worker,
) -> None:
    offer = await create_offer(fast_state, sim, provider_type)
    headers, _, _ = await signed_in_headers(fast_state, client)
    server = await running_instance(client, headers, offer, worker)
    expected = {"rebuild_sets_credentials": sets_credentials}
    assert server["capabilities"] == expected
    listed = (await client.get("/api/vps", headers=headers)).json()["instances"]
    assert [item["capabilities"] for item in listed] == [expected]


async def test_digitalocean_refuses_a_root_pass_and_rebuilds_without_one(
    fast_state: AppState,
    client: AsyncClient,
    sim: SimulatorServer,
    worker: Worker,
) -> None:
    offer = await create_offer(fast_state, sim, "digitalocean")
    headers, _, _ = await signed_in_headers(fast_state, client)
    server = await running_instance(client, headers, offer, worker)
    image = await pick_image(client, headers, offer.small.id, offer.setup.image_distribution)
    rebuild = f"/api/vps/{server['id']}/rebuild"

    refused = await client.post(
        rebuild, json={"image": image, "root_pass": STRONG_PASS}, headers=headers
    )
    assert refused.status_code == 422, refused.text
    (field,) = refused.json()["fields"]
    assert field["field"] == "root_pass"
    assert "keeps the password and SSH keys" in field["message"]
    assert STRONG_PASS not in refused.text

    accepted = await client.post(rebuild, json={"image": image}, headers=headers)
    assert accepted.status_code == 202, accepted.text
    await wait_for_status(client, headers, server["id"], "running", worker)
    events = (await client.get(f"/api/vps/{server['id']}/events", headers=headers)).json()
    rebuilt = [e for e in events["events"] if e["type"] == "rebuild"]
    assert rebuilt[-1]["status"] == "succeeded"
    assert "keeps the root password" in rebuilt[-1]["message"]


async def test_linode_requires_a_root_pass_to_rebuild(
    fast_state: AppState,
    client: AsyncClient,
    sim: SimulatorServer,
    worker: Worker,
) -> None:
    offer = await create_offer(fast_state, sim, "linode")
    headers, _, _ = await signed_in_headers(fast_state, client)
    server = await running_instance(client, headers, offer, worker)
    image = await pick_image(client, headers, offer.small.id, offer.setup.image_distribution)
    missing = await client.post(
        f"/api/vps/{server['id']}/rebuild", json={"image": image}, headers=headers
    )
    assert missing.status_code == 422, missing.text
    assert [f["field"] for f in missing.json()["fields"]] == ["root_pass"]


async def test_the_capability_is_documented_in_openapi(client: AsyncClient) -> None:
    schema = (await client.get("/openapi.json")).json()["components"]["schemas"]
    field = schema["InstanceCapabilities"]["properties"]["rebuild_sets_credentials"]
    assert "root password" in field["description"]
    assert "capabilities" in schema["InstanceOut"]["required"]
    assert "root_pass" not in schema["RebuildIn"].get("required", [])
