"""SSH keys at deploy (issue 8, item 17): every entry is checked fully and named when bad, and
the same key twice (under any comment) reaches the cloud once."""

from __future__ import annotations

import uuid

import pytest
from httpx import AsyncClient

from tests.factories import signed_in_headers
from tests.instances.support import (
    SSH_KEY,
    create_offer,
    deploy_body,
    pick_image,
    wait_for_status,
)
from vpspanel.instances.models import VpsInstance
from vpspanel.simulator.testing import SimulatorServer
from vpspanel.state import AppState
from vpspanel.worker.runner import Worker

SECOND_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl me@x"


@pytest.mark.parametrize(
    "bad_entry",
    [
        f"{SSH_KEY}\nthis is not a key",
        f"{SSH_KEY}\n{SECOND_KEY}",
        SSH_KEY.replace("ssh-ed25519", "ssh-rsa"),
        "ssh-dss AAAAB3NzaC1kc3MAAACBAP",
    ],
)
async def test_a_bad_entry_is_named_and_nothing_is_accepted(
    bad_entry: str, fast_state: AppState, client: AsyncClient, sim: SimulatorServer
) -> None:
    offer = await create_offer(fast_state, sim, "linode")
    headers, _, _ = await signed_in_headers(fast_state, client)
    image = await pick_image(client, headers, offer.small.id, "Ubuntu")
    body = deploy_body(offer, image, ssh_keys=[SSH_KEY, bad_entry])
    response = await client.post("/api/vps", json=body, headers=headers)
    assert response.status_code == 422, response.text
    fields = response.json()["fields"]
    assert [field["field"] for field in fields] == ["ssh_keys[1]"]
    assert "AAAA" not in fields[0]["message"]


@pytest.mark.parametrize("provider_type", ["linode", "digitalocean"])
async def test_the_same_key_twice_reaches_the_cloud_once(
    provider_type: str,
    fast_state: AppState,
    client: AsyncClient,
    sim: SimulatorServer,
    worker: Worker,
) -> None:
    offer = await create_offer(fast_state, sim, provider_type)
    headers, _, _ = await signed_in_headers(fast_state, client)
    image = await pick_image(client, headers, offer.small.id, "Ubuntu")
    same_key_other_comment = SSH_KEY.replace("me@laptop", "me@desk")
    body = deploy_body(
        offer, image, ssh_keys=[SSH_KEY, SECOND_KEY, f"  {same_key_other_comment}\n"]
    )
    response = await client.post("/api/vps", json=body, headers=headers)
    assert response.status_code == 201, response.text
    instance_id = response.json()["instance"]["id"]
    async with fast_state.sessionmaker() as session:
        instance = await session.get(VpsInstance, uuid.UUID(instance_id))
        assert instance is not None
        assert instance.configuration["ssh_keys"] == [SSH_KEY, SECOND_KEY]
    await wait_for_status(client, headers, instance_id, "running", worker)
    if provider_type == "digitalocean":
        # One registration per distinct key, and the droplet carries two key ids.
        assert sim.request_count("digitalocean", "POST", ".*/account/keys") == 2
