"""The accounts' activity feeds: Linode `GET /account/events` and DigitalOcean `GET /actions`,
filled by the provider APIs and by changes made "in the console" through the control API.
Every provider answer here is checked against the official OpenAPI document (see conftest)."""

from __future__ import annotations

import ipaddress
import json
from typing import Any

from tests.simulator.conftest import Sim


def xfilter(value: dict[str, Any]) -> dict[str, str]:
    return {"X-Filter": json.dumps(value)}


async def linode_events(sim: Sim, **kwargs: Any) -> list[dict[str, Any]]:
    response = await sim.linode("GET", "/account/events", **kwargs)
    assert response.status_code == 200, response.text
    events: list[dict[str, Any]] = response.json()["data"]
    return events


async def do_actions(sim: Sim, **kwargs: Any) -> dict[str, Any]:
    response = await sim.do("GET", "/actions", **kwargs)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


class TestLinodeEvents:
    async def test_events_come_newest_first_with_their_linode(self, sim: Sim) -> None:
        await sim.configure(durations={"shutdown": 60})
        server = await sim.create_linode(label="feed-1")
        await sim.linode("GET", "/linode/instances")  # lets the create finish
        await sim.linode("POST", f"/linode/instances/{server['id']}/shutdown")
        events = await linode_events(sim)
        assert [e["action"] for e in events] == ["linode_shutdown", "linode_create"]
        assert events[0]["id"] > events[1]["id"]
        assert events[0]["entity"] == {
            "id": server["id"],
            "label": "feed-1",
            "type": "linode",
            "url": f"/v4/linode/instances/{server['id']}",
        }
        assert events[0]["status"] == "started" and events[1]["status"] == "finished"
        sim.clock.advance(60)
        assert (await linode_events(sim))[0]["status"] == "finished"

    async def test_x_filter_on_id_and_order(self, sim: Sim) -> None:
        server = await sim.create_linode()
        for _ in range(3):
            await sim.linode(
                "PUT", f"/linode/instances/{server['id']}", json={"tags": ["x" * _ + "abc"]}
            )
        everything = await linode_events(sim)
        oldest = everything[-1]["id"]
        newer = await linode_events(sim, headers=xfilter({"id": {"+gt": oldest}}))
        assert [e["id"] for e in newer] == [e["id"] for e in everything[:-1]]
        ascending = await linode_events(
            sim, headers=xfilter({"id": {"+gt": oldest}, "+order_by": "id", "+order": "asc"})
        )
        assert [e["id"] for e in ascending] == sorted(e["id"] for e in newer)
        either = await linode_events(
            sim, headers=xfilter({"+or": [{"id": {"+gt": everything[0]["id"]}}, {"id": oldest}]})
        )
        assert [e["id"] for e in either] == [oldest]

    async def test_x_filter_on_created_compares_times(self, sim: Sim) -> None:
        server = await sim.create_linode()
        first = (await linode_events(sim))[0]
        sim.clock.advance(5)
        await sim.linode("PUT", f"/linode/instances/{server['id']}", json={"label": "renamed"})
        later = await linode_events(sim, headers=xfilter({"created": {"+gt": first["created"]}}))
        assert [e["action"] for e in later] == ["linode_update"]
        since = await linode_events(sim, headers=xfilter({"created": {"+gte": first["created"]}}))
        assert len(since) == 2
        bad = await sim.linode(
            "GET", "/account/events", headers=xfilter({"created": {"+gt": "yesterday"}})
        )
        assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "X-Filter"

    async def test_a_label_change_through_the_api_is_an_update_event(self, sim: Sim) -> None:
        server = await sim.create_linode()
        await sim.linode("PUT", f"/linode/instances/{server['id']}", json={"label": "web-2"})
        await sim.linode("PUT", f"/linode/instances/{server['id']}", json={"label": "web-2"})
        events = await linode_events(sim)
        assert [e["action"] for e in events] == ["linode_update", "linode_create"]
        assert events[0]["entity"]["label"] == "web-2"

    async def test_console_changes_are_recorded(self, sim: Sim) -> None:
        server = await sim.create_linode()
        path = f"/linode/instances/{server['id']}"
        changes: list[tuple[dict[str, Any], str]] = [
            ({"status": "offline"}, "linode_shutdown"),
            ({"status": "running"}, "linode_boot"),
            ({"label": "renamed-in-console"}, "linode_update"),
            ({"plan": "g6-standard-1"}, "linode_resize"),
            ({"ipv4": "172.105.200.9"}, "linode_addip"),
        ]
        for change, action in changes:
            response = await sim.control("PATCH", path, json=change)
            assert response.status_code == 200, response.text
            latest = (await linode_events(sim))[0]
            assert (latest["action"], latest["entity"]["id"]) == (action, server["id"])
            assert latest["status"] == "finished"
        now = (await sim.linode("GET", path)).json()
        assert (now["label"], now["type"], now["ipv4"][0]) == (
            "renamed-in-console",
            "g6-standard-1",
            "172.105.200.9",
        )
        ips = (await sim.linode("GET", f"{path}/ips")).json()
        assert ips["ipv4"]["public"][0]["address"] == "172.105.200.9"
        assert (await sim.control("DELETE", path)).status_code == 204
        latest = (await linode_events(sim))[0]
        assert (latest["action"], latest["entity"]["id"]) == ("linode_delete", server["id"])

    async def test_silent_console_changes_leave_no_event(self, sim: Sim) -> None:
        server = await sim.create_linode()
        path = f"/linode/instances/{server['id']}"
        before = await linode_events(sim)
        await sim.control("PATCH", path, json={"status": "offline", "silent": True})
        await sim.control("DELETE", path, params={"silent": "true"})
        assert await linode_events(sim) == before

    async def test_an_unknown_plan_is_refused(self, sim: Sim) -> None:
        server = await sim.create_linode()
        response = await sim.control(
            "PATCH", f"/linode/instances/{server['id']}", json={"plan": "g6-huge-99"}
        )
        assert response.status_code == 422 and "plan" in response.json()["detail"]


class TestDigitalOceanActions:
    async def test_actions_come_newest_first_and_paged(self, sim: Sim) -> None:
        droplet = (await sim.create_droplet())["droplet"]
        await sim.do("GET", "/droplets")  # lets the create finish
        for kind in ("power_off", "power_on"):
            response = await sim.do(
                "POST", f"/droplets/{droplet['id']}/actions", json={"type": kind}
            )
            assert response.status_code == 201
            await sim.do("GET", "/droplets")
        body = await do_actions(sim, params={"per_page": 2})
        assert [a["type"] for a in body["actions"]] == ["power_on", "power_off"]
        assert body["meta"] == {"total": 3}
        assert "next" in body["links"]["pages"]
        older = await do_actions(sim, params={"per_page": 2, "page": 2})
        assert [a["type"] for a in older["actions"]] == ["create"]
        assert older["actions"][0]["resource_id"] == droplet["id"]
        assert older["actions"][0]["resource_type"] == "droplet"

    async def test_a_destroy_is_an_action(self, sim: Sim) -> None:
        droplet = (await sim.create_droplet())["droplet"]
        assert (await sim.do("DELETE", f"/droplets/{droplet['id']}")).status_code == 204
        latest = (await do_actions(sim))["actions"][0]
        assert (latest["type"], latest["resource_id"], latest["status"]) == (
            "destroy",
            droplet["id"],
            "completed",
        )

    async def test_console_changes_are_recorded(self, sim: Sim) -> None:
        droplet = (await sim.create_droplet())["droplet"]
        path = f"/digitalocean/instances/{droplet['id']}"
        changes: list[tuple[dict[str, Any], str]] = [
            ({"status": "off"}, "power_off"),
            ({"status": "active"}, "power_on"),
            ({"label": "renamed"}, "rename"),
            ({"plan": "s-1vcpu-2gb"}, "resize"),
        ]
        for change, kind in changes:
            response = await sim.control("PATCH", path, json=change)
            assert response.status_code == 200, response.text
            latest = (await do_actions(sim))["actions"][0]
            assert (latest["type"], latest["resource_id"]) == (kind, droplet["id"])
        droplet_actions = f"/droplets/{droplet['id']}/actions"
        total = (await sim.do("GET", droplet_actions)).json()["meta"]["total"]
        # A new address is a reserved IP assigned to the droplet: an action on the reserved
        # IP (naming the address as an integer), none on the droplet.
        await sim.control("PATCH", path, json={"ipv4": "164.90.250.9"})
        latest = (await do_actions(sim))["actions"][0]
        assert (latest["type"], latest["resource_type"], latest["resource_id"]) == (
            "assign_ip",
            "reserved_ip",
            int(ipaddress.IPv4Address("164.90.250.9")),
        )
        assert latest["status"] == "completed"
        assert (await sim.do("GET", droplet_actions)).json()["meta"]["total"] == total
        one = await sim.do("GET", f"{droplet_actions}/{latest['id']}")
        assert one.status_code == 404  # not one of the droplet's actions
        now = (await sim.do("GET", f"/droplets/{droplet['id']}")).json()["droplet"]
        assert (now["name"], now["size_slug"], now["networks"]["v4"][0]["ip_address"]) == (
            "renamed",
            "s-1vcpu-2gb",
            "164.90.250.9",
        )
        assert (await sim.control("DELETE", path)).status_code == 204
        latest = (await do_actions(sim))["actions"][0]
        assert (latest["type"], latest["resource_id"]) == ("destroy", droplet["id"])
