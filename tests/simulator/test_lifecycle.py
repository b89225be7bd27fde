"""Lifecycles on a manual clock with real durations."""

from __future__ import annotations

import pytest

from tests.simulator.conftest import STRONG_PASSWORD, Sim
from vpspanel.simulator import SimulatorSettings

DURATIONS = {
    "provision": 10,
    "boot": 5,
    "shutdown": 4,
    "reboot": 6,
    "rebuild": 20,
    "resize": 30,
    "delete": 3,
}


@pytest.fixture
def settings() -> SimulatorSettings:
    return SimulatorSettings.instant().patched(
        {"durations": DURATIONS, "rate_limits": {"enabled": False}}
    )


async def _linode_status(sim: Sim, linode_id: int) -> str:
    response = await sim.linode("GET", f"/linode/instances/{linode_id}")
    if response.status_code == 404:
        return "gone"
    status: str = response.json()["status"]
    return status


async def _droplet(sim: Sim, droplet_id: int) -> dict[str, object]:
    droplet: dict[str, object] = (await sim.do("GET", f"/droplets/{droplet_id}")).json()["droplet"]
    return droplet


class TestLinodeLifecycle:
    async def test_provisioning_booting_running(self, sim: Sim) -> None:
        linode_id = (await sim.create_linode())["id"]
        assert await _linode_status(sim, linode_id) == "provisioning"
        sim.clock.advance(9.9)
        assert await _linode_status(sim, linode_id) == "provisioning"
        sim.clock.advance(0.1)
        assert await _linode_status(sim, linode_id) == "booting"
        sim.clock.advance(5)
        assert await _linode_status(sim, linode_id) == "running"

    async def test_not_booted_ends_offline(self, sim: Sim) -> None:
        linode_id = (await sim.create_linode(booted=False))["id"]
        sim.clock.advance(10)
        assert await _linode_status(sim, linode_id) == "offline"

    async def test_busy_instance_refuses_a_second_action(self, sim: Sim) -> None:
        linode_id = (await sim.create_linode())["id"]
        for action in ("reboot", "shutdown", "boot"):
            response = await sim.linode("POST", f"/linode/instances/{linode_id}/{action}")
            assert response.status_code == 400
            assert response.json() == {"errors": [{"reason": "Linode busy."}]}
        resize = await sim.linode(
            "POST", f"/linode/instances/{linode_id}/resize", json={"type": "g6-standard-2"}
        )
        assert resize.status_code == 400

    async def test_shutdown_boot_reboot_statuses(self, sim: Sim) -> None:
        linode_id = (await sim.create_linode())["id"]
        sim.clock.advance(15)
        path = f"/linode/instances/{linode_id}"
        for action, during, seconds, after in (
            ("shutdown", "shutting_down", 4, "offline"),
            ("boot", "booting", 5, "running"),
            ("reboot", "rebooting", 6, "running"),
        ):
            await sim.linode("POST", f"{path}/{action}")
            assert await _linode_status(sim, linode_id) == during
            sim.clock.advance(seconds)
            assert await _linode_status(sim, linode_id) == after

    async def test_rebuild_then_boot(self, sim: Sim) -> None:
        linode_id = (await sim.create_linode())["id"]
        sim.clock.advance(15)
        await sim.linode(
            "POST",
            f"/linode/instances/{linode_id}/rebuild",
            json={"image": "linode/debian11", "root_pass": STRONG_PASSWORD},
        )
        sim.clock.advance(20)
        assert await _linode_status(sim, linode_id) == "booting"
        sim.clock.advance(5)
        assert await _linode_status(sim, linode_id) == "running"

    async def test_resize_changes_type_when_done(self, sim: Sim) -> None:
        linode_id = (await sim.create_linode())["id"]
        sim.clock.advance(15)
        await sim.linode(
            "POST", f"/linode/instances/{linode_id}/resize", json={"type": "g6-standard-1"}
        )
        during = (await sim.linode("GET", f"/linode/instances/{linode_id}")).json()
        assert (during["status"], during["type"]) == ("resizing", "g6-nanode-1")
        sim.clock.advance(30)
        after = (await sim.linode("GET", f"/linode/instances/{linode_id}")).json()
        assert (after["status"], after["type"]) == ("running", "g6-standard-1")
        assert after["specs"]["memory"] == 2048

    async def test_delete_shows_deleting_then_404(self, sim: Sim) -> None:
        linode_id = (await sim.create_linode())["id"]
        await sim.linode("DELETE", f"/linode/instances/{linode_id}")
        assert await _linode_status(sim, linode_id) == "deleting"
        sim.clock.advance(3)
        assert await _linode_status(sim, linode_id) == "gone"

    async def test_label_is_free_again_after_delete(self, sim: Sim) -> None:
        linode_id = (await sim.create_linode(label="reuse-me"))["id"]
        await sim.linode("DELETE", f"/linode/instances/{linode_id}")
        sim.clock.advance(3)
        await sim.create_linode(label="reuse-me")


class TestDropletLifecycle:
    async def test_new_then_active_with_networks(self, sim: Sim) -> None:
        created = await sim.create_droplet()
        droplet_id = created["droplet"]["id"]
        action_id = created["links"]["actions"][0]["id"]
        sim.clock.advance(14)
        droplet = await _droplet(sim, droplet_id)
        assert (droplet["status"], droplet["locked"]) == ("new", True)
        assert droplet["networks"] == {"v4": [], "v6": []}
        action = (await sim.do("GET", f"/actions/{action_id}")).json()["action"]
        assert (action["status"], action["completed_at"]) == ("in-progress", None)
        sim.clock.advance(1)
        droplet = await _droplet(sim, droplet_id)
        assert (droplet["status"], droplet["locked"]) == ("active", False)
        assert droplet["networks"]["v4"]  # type: ignore[index]
        action = (await sim.do("GET", f"/actions/{action_id}")).json()["action"]
        assert action["status"] == "completed"

    async def test_locked_droplet_refuses_a_second_action_with_422(self, sim: Sim) -> None:
        droplet_id = (await sim.create_droplet())["droplet"]["id"]
        during_create = await sim.do(
            "POST", f"/droplets/{droplet_id}/actions", json={"type": "reboot"}
        )
        assert during_create.status_code == 422
        assert during_create.json()["message"] == "Droplet already has a pending event."
        sim.clock.advance(15)
        first = await sim.do("POST", f"/droplets/{droplet_id}/actions", json={"type": "power_off"})
        assert first.status_code == 201
        second = await sim.do("POST", f"/droplets/{droplet_id}/actions", json={"type": "power_on"})
        assert second.status_code == 422
        droplet = await _droplet(sim, droplet_id)
        assert (droplet["status"], droplet["locked"]) == ("active", True)
        sim.clock.advance(4)
        droplet = await _droplet(sim, droplet_id)
        assert (droplet["status"], droplet["locked"]) == ("off", False)

    async def test_resize_applies_when_the_action_completes(self, sim: Sim) -> None:
        droplet_id = (await sim.create_droplet())["droplet"]["id"]
        sim.clock.advance(15)
        await sim.do(
            "POST",
            f"/droplets/{droplet_id}/actions",
            json={"type": "resize", "size": "s-2vcpu-2gb", "disk": False},
        )
        assert (await _droplet(sim, droplet_id))["size_slug"] == "s-1vcpu-1gb"
        sim.clock.advance(30)
        droplet = await _droplet(sim, droplet_id)
        assert (droplet["size_slug"], droplet["disk"]) == ("s-2vcpu-2gb", 25)  # disk kept
