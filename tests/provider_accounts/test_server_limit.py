"""The admin provider view shows the cloud account's server limit and its use, as read from
the provider whenever the key is checked (issue 8, item 11)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import httpx
from httpx import AsyncClient

from tests.provider_accounts.support import connect, new_token
from vpspanel.simulator.testing import SimulatorServer


def _make_droplet(sim: SimulatorServer, token: str, name: str) -> None:
    made = httpx.post(
        f"{sim.digitalocean_url}/droplets",
        headers={"Authorization": f"Bearer {token}"},
        json={"name": name, "region": "nyc3", "size": "s-1vcpu-1gb", "image": "ubuntu-24-04-x64"},
    )
    assert made.status_code == 202, made.text


async def _shown(client: AsyncClient, admin: dict[str, str], provider_id: str) -> Any:
    one = await client.get(f"/api/admin/providers/{provider_id}", headers=admin)
    assert one.status_code == 200, one.text
    listed = (await client.get("/api/admin/providers", headers=admin)).json()["providers"]
    (same,) = [item for item in listed if item["id"] == provider_id]
    assert same["server_limit"] == one.json()["provider"]["server_limit"]
    return one.json()["provider"]["server_limit"]


async def test_digitalocean_limit_and_use_are_read_on_connect_and_on_test(
    client: AsyncClient, admin: dict[str, str], sim: SimulatorServer
) -> None:
    sim.configure(digitalocean_droplet_limit=3)
    token = new_token()
    provider = await connect(client, admin, sim, "digitalocean", token=token)
    connected = provider["server_limit"]
    assert (connected["limit"], connected["used"]) == (3, 0)
    datetime.fromisoformat(connected["checked_at"])

    _make_droplet(sim, token, "one")
    _make_droplet(sim, token, "two")
    # Stored, not read live: unchanged until the provider is checked again.
    assert (await _shown(client, admin, provider["id"]))["used"] == 0
    tested = await client.post(f"/api/admin/providers/{provider['id']}/test", headers=admin)
    assert tested.status_code == 200, tested.text

    shown = await _shown(client, admin, provider["id"])
    assert (shown["limit"], shown["used"]) == (3, 2)
    assert shown["checked_at"] > connected["checked_at"]


async def test_digitalocean_limit_is_read_again_when_the_key_changes(
    client: AsyncClient, admin: dict[str, str], sim: SimulatorServer
) -> None:
    token = new_token()
    provider = await connect(client, admin, sim, "digitalocean", token=token)
    _make_droplet(sim, token, "one")
    sim.configure(digitalocean_droplet_limit=10)

    rotated = await client.post(
        f"/api/admin/providers/{provider['id']}/api-key",
        json={"api_key": token + "~second"},  # another key of the same cloud account
        headers=admin,
    )

    assert rotated.status_code == 200, rotated.text
    shown = rotated.json()["provider"]["server_limit"]
    assert (shown["limit"], shown["used"]) == (10, 1)


async def test_a_failed_check_keeps_the_last_reading(
    client: AsyncClient, admin: dict[str, str], sim: SimulatorServer
) -> None:
    provider = await connect(client, admin, sim, "digitalocean")
    sim.inject_fault("digitalocean", "server_error", method="GET", path="^/account$", times=50)

    tested = await client.post(f"/api/admin/providers/{provider['id']}/test", headers=admin)

    assert tested.json()["ok"] is False
    assert await _shown(client, admin, provider["id"]) == provider["server_limit"]


async def test_linode_has_no_server_limit(
    client: AsyncClient, admin: dict[str, str], sim: SimulatorServer
) -> None:
    provider = await connect(client, admin, sim, "linode")
    assert provider["server_limit"] is None
    tested = await client.post(f"/api/admin/providers/{provider['id']}/test", headers=admin)
    assert tested.status_code == 200, tested.text
    assert await _shown(client, admin, provider["id"]) is None
