"""The simulator's clouds written to disk and read back (the demo's restarts)."""

from __future__ import annotations

import json
from pathlib import Path

import httpx

from vpspanel.simulator import ManualClock, SimulatorSettings, create_simulator_app
from vpspanel.simulator.persistence import SimulatorSnapshots

LINODE = "http://sim/linode/v4"
DO = "http://sim/digitalocean/v2"
AUTH = {"Authorization": "Bearer demo-account"}
ED25519 = (
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIP71BkG4a7ZCR5AUhtgitpPEpM0sdYeoaf+6RD8hjKZf me@laptop"
)


def simulator(clock: ManualClock, settings: SimulatorSettings | None = None) -> httpx.AsyncClient:
    app = create_simulator_app(settings or SimulatorSettings.instant(), clock)
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://sim")
    client.app = app  # type: ignore[attr-defined]
    return client


async def make_servers(client: httpx.AsyncClient, suffix: str = "1") -> tuple[int, int]:
    linode = await client.post(
        f"{LINODE}/linode/instances",
        headers=AUTH,
        json={
            "type": "g6-nanode-1",
            "region": "us-east",
            "image": "linode/ubuntu24.04",
            "label": f"web-{suffix}",
            "root_pass": "A-Strong-Root-Pass-42!",
            "tags": ["vpspanel:one"],
        },
    )
    assert linode.status_code == 200, linode.text
    keys = await client.get(f"{DO}/account/keys", headers=AUTH)
    key_ids = [key["id"] for key in keys.json()["ssh_keys"]]
    if not key_ids:
        key = await client.post(
            f"{DO}/account/keys", headers=AUTH, json={"name": "me", "public_key": ED25519}
        )
        key_ids = [key.json()["ssh_key"]["id"]]
    droplet = await client.post(
        f"{DO}/droplets",
        headers=AUTH,
        json={
            "name": f"web-{suffix}",
            "region": "nyc3",
            "size": "s-1vcpu-1gb",
            "image": "ubuntu-24-04-x64",
            "ssh_keys": key_ids,
            "tags": ["vpspanel:two"],
        },
    )
    assert droplet.status_code == 202, droplet.text
    return linode.json()["id"], droplet.json()["droplet"]["id"]


class TestSnapshots:
    async def test_servers_keys_and_ids_survive_a_restart(self, tmp_path: Path) -> None:
        path = tmp_path / "vpspanel-simulator.json"
        clock = ManualClock()
        first = simulator(clock)
        linode_id, droplet_id = await make_servers(first)
        await first.get(f"{LINODE}/linode/instances", headers=AUTH)  # instant: now running
        snapshots = SimulatorSnapshots(first.app.state.simulator, path)  # type: ignore[attr-defined]
        assert snapshots.save() is True
        assert snapshots.save() is False  # unchanged: not written again

        second = simulator(clock)
        assert SimulatorSnapshots(second.app.state.simulator, path).load() is True  # type: ignore[attr-defined]
        linode = await second.get(f"{LINODE}/linode/instances/{linode_id}", headers=AUTH)
        assert (linode.status_code, linode.json()["status"]) == (200, "running")
        droplet = await second.get(f"{DO}/droplets/{droplet_id}", headers=AUTH)
        assert (droplet.status_code, droplet.json()["droplet"]["status"]) == (200, "active")
        keys = await second.get(f"{DO}/account/keys", headers=AUTH)
        assert [k["public_key"] for k in keys.json()["ssh_keys"]] == [ED25519]

        reboot = await second.post(f"{LINODE}/linode/instances/{linode_id}/reboot", headers=AUTH)
        assert reboot.status_code == 200
        stats = await second.get(f"{LINODE}/linode/instances/{linode_id}/stats", headers=AUTH)
        assert stats.status_code == 200
        # New ids continue after the saved ones: nothing is handed out twice.
        new_linode, new_droplet = await make_servers(second, suffix="2")
        assert new_linode > linode_id and new_droplet > droplet_id

    async def test_a_lifecycle_in_flight_is_saved_as_finished(self, tmp_path: Path) -> None:
        path = tmp_path / "state.json"
        clock = ManualClock()
        first = simulator(clock, SimulatorSettings())  # real durations: still provisioning
        linode_id, droplet_id = await make_servers(first)
        SimulatorSnapshots(first.app.state.simulator, path).save()  # type: ignore[attr-defined]

        second = simulator(clock, SimulatorSettings())
        SimulatorSnapshots(second.app.state.simulator, path).load()  # type: ignore[attr-defined]
        linode = await second.get(f"{LINODE}/linode/instances/{linode_id}", headers=AUTH)
        assert linode.json()["status"] == "running"
        droplet = await second.get(f"{DO}/droplets/{droplet_id}", headers=AUTH)
        assert droplet.json()["droplet"]["status"] == "active"
        events = await second.get(f"{LINODE}/account/events", headers=AUTH)
        assert all(event["status"] == "finished" for event in events.json()["data"])

    def test_the_file_is_replaced_whole(self, tmp_path: Path) -> None:
        path = tmp_path / "state.json"
        snapshots = SimulatorSnapshots(create_simulator_app().state.simulator, path)
        snapshots.save()
        assert json.loads(path.read_text())["format"] == 1
        assert [p.name for p in tmp_path.iterdir()] == ["state.json"]  # no temporary left

    def test_an_unreadable_file_is_set_aside(self, tmp_path: Path) -> None:
        path = tmp_path / "state.json"
        path.write_text("{not json")
        snapshots = SimulatorSnapshots(create_simulator_app().state.simulator, path)
        assert snapshots.load() is False
        assert (tmp_path / "state.json.unreadable").exists()
