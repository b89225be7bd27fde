"""DigitalOcean API v2: every served operation, its envelopes and its errors, checked against
the official document (the `sim` helper validates every response)."""

from __future__ import annotations

import base64
import hashlib
import re
from typing import Any
from urllib.parse import parse_qs, urlparse

from tests.simulator.conftest import SSH_ED25519, SSH_ED25519_OTHER, Sim

ISO_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


def _md5_fingerprint(public_key: str) -> str:
    digest = hashlib.md5(base64.b64decode(public_key.split()[1])).hexdigest()  # noqa: S324
    return ":".join(digest[i : i + 2] for i in range(0, 32, 2))


class TestCatalog:
    async def test_account(self, sim: Sim) -> None:
        body = (await sim.do("GET", "/account")).json()["account"]
        assert body["status"] == "active" and body["droplet_limit"] == 25

    async def test_no_token_is_401_everywhere(self, sim: Sim) -> None:
        for path in ("/account", "/sizes", "/regions", "/images", "/droplets"):
            response = await sim.do("GET", path, token=None)
            assert response.status_code == 401
            body = response.json()
            assert (body["id"], body["message"]) == ("unauthorized", "Unable to authenticate you")
            assert body["request_id"]

    async def test_sizes_prices_units_and_regions(self, sim: Sim) -> None:
        body = (await sim.do("GET", "/sizes", params={"per_page": 200})).json()
        sizes = {s["slug"]: s for s in body["sizes"]}
        assert len(sizes) >= 12 and body["meta"]["total"] == len(sizes)
        basic = sizes["s-1vcpu-1gb"]
        assert (basic["price_monthly"], basic["price_hourly"]) == (5.0, 0.00744)
        assert isinstance(basic["transfer"], float) and basic["transfer"] == 1.0  # TB
        assert "blr1" not in sizes["c-2"]["regions"]
        assert any(not s["available"] for s in sizes.values())

    async def test_regions_some_unavailable(self, sim: Sim) -> None:
        body = (await sim.do("GET", "/regions", params={"per_page": 50})).json()
        regions = {r["slug"]: r for r in body["regions"]}
        assert len(regions) >= 10
        assert regions["nyc2"]["available"] is False
        assert "s-1vcpu-1gb" in regions["nyc3"]["sizes"]
        assert "c-2" not in regions["blr1"]["sizes"]

    async def test_images_distribution_filter(self, sim: Sim) -> None:
        everything = (await sim.do("GET", "/images", params={"per_page": 100})).json()
        distros = (
            await sim.do("GET", "/images", params={"type": "distribution", "per_page": 100})
        ).json()
        assert distros["meta"]["total"] >= 12
        assert distros["meta"]["total"] < everything["meta"]["total"]
        slugs = {i["slug"] for i in distros["images"]}
        assert {"ubuntu-24-04-x64", "debian-12-x64"} <= slugs
        one = (await sim.do("GET", "/images/ubuntu-24-04-x64")).json()["image"]
        assert one["distribution"] == "Ubuntu"
        assert (await sim.do("GET", f"/images/{one['id']}")).json()["image"]["slug"] == one["slug"]
        assert (await sim.do("GET", "/images/nope")).status_code == 404

    async def test_pagination_links_are_absolute(self, sim: Sim) -> None:
        first = (await sim.do("GET", "/sizes", params={"per_page": 5})).json()
        pages = first["links"]["pages"]
        assert set(pages) == {"next", "last"}
        assert pages["next"].startswith("http://sim.test/digitalocean/v2/sizes?")
        assert parse_qs(urlparse(pages["last"]).query) == {"page": ["3"], "per_page": ["5"]}
        middle = (await sim.do("GET", "/sizes", params={"per_page": 5, "page": 2})).json()
        assert set(middle["links"]["pages"]) == {"first", "prev", "next", "last"}
        last = (await sim.do("GET", "/sizes", params={"per_page": 5, "page": 3})).json()
        assert set(last["links"]["pages"]) == {"first", "prev"}
        assert len(last["sizes"]) == 4 and last["meta"]["total"] == 14
        short = (await sim.do("GET", "/regions")).json()
        assert short["links"] == {}

    async def test_head_gives_headers_without_a_body(self, sim: Sim) -> None:
        response = await sim.do("HEAD", "/droplets", validate=False)
        assert response.status_code == 200 and response.content == b""
        assert response.headers["ratelimit-limit"] == "5000"

    async def test_per_page_is_capped_at_200(self, sim: Sim) -> None:
        body = (await sim.do("GET", "/images", params={"per_page": 1000})).json()
        assert len(body["images"]) == body["meta"]["total"]
        assert (await sim.do("GET", "/images", params={"page": 0})).status_code == 400


class TestSshKeys:
    async def test_create_get_by_id_and_fingerprint(self, sim: Sim) -> None:
        response = await sim.do(
            "POST", "/account/keys", json={"name": "alice", "public_key": SSH_ED25519}
        )
        assert response.status_code == 201
        key = response.json()["ssh_key"]
        assert key["fingerprint"] == _md5_fingerprint(SSH_ED25519)
        by_id = (await sim.do("GET", f"/account/keys/{key['id']}")).json()["ssh_key"]
        by_fp = (await sim.do("GET", f"/account/keys/{key['fingerprint']}")).json()["ssh_key"]
        assert by_id == by_fp == key
        listed = (await sim.do("GET", "/account/keys")).json()
        assert listed["ssh_keys"] == [key] and listed["meta"]["total"] == 1

    async def test_duplicate_and_invalid_keys_are_422(self, sim: Sim) -> None:
        await sim.do("POST", "/account/keys", json={"name": "a", "public_key": SSH_ED25519})
        duplicate = await sim.do(
            "POST", "/account/keys", json={"name": "b", "public_key": SSH_ED25519}
        )
        assert duplicate.status_code == 422
        assert duplicate.json()["id"] == "unprocessable_entity"
        invalid = await sim.do(
            "POST", "/account/keys", json={"name": "c", "public_key": "ssh-rsa AAAA"}
        )
        assert invalid.status_code == 422

    async def test_keys_are_per_account_and_deletable(self, sim: Sim) -> None:
        key = (
            await sim.do("POST", "/account/keys", json={"name": "a", "public_key": SSH_ED25519})
        ).json()["ssh_key"]
        assert (
            await sim.do("GET", f"/account/keys/{key['id']}", token="tok-beta")
        ).status_code == 404
        renamed = await sim.do("PUT", f"/account/keys/{key['id']}", json={"name": "renamed"})
        assert renamed.json()["ssh_key"]["name"] == "renamed"
        assert (await sim.do("DELETE", f"/account/keys/{key['id']}")).status_code == 204
        assert (await sim.do("GET", f"/account/keys/{key['id']}")).status_code == 404


class TestTags:
    async def test_creating_a_tag_is_201_and_repeating_it_is_harmless(self, sim: Sim) -> None:
        await sim.create_droplet(tags=["vpspanel"])
        first = await sim.do("POST", "/tags", json={"name": "vpspanel"})
        again = await sim.do("POST", "/tags", json={"name": "vpspanel"})
        assert first.status_code == again.status_code == 201
        assert again.json()["tag"]["name"] == "vpspanel"
        assert again.json()["tag"]["resources"]["droplets"]["count"] == 1

    async def test_bad_names_are_400_and_read_only_tokens_403(self, sim: Sim) -> None:
        bad = await sim.do("POST", "/tags", json={"name": "has space"})
        assert bad.status_code == 400
        read_only = await sim.do("POST", "/tags", json={"name": "ok"}, token="readonly-x")
        assert read_only.status_code == 403
        assert read_only.json()["id"] == "forbidden"


class TestDroplets:
    async def test_create_is_202_with_action_link(self, sim: Sim) -> None:
        body = await sim.create_droplet(
            tags=["order:42"], ipv6=True, backups=True, monitoring=True, user_data="#cloud-config\n"
        )
        droplet = body["droplet"]
        assert droplet["status"] == "new" and droplet["locked"] is True
        assert droplet["networks"] == {"v4": [], "v6": []}
        assert ISO_Z.match(droplet["created_at"])
        assert droplet["size_slug"] == "s-1vcpu-1gb" and droplet["region"]["slug"] == "nyc3"
        [link] = body["links"]["actions"]
        assert link["rel"] == "create"
        assert link["href"] == f"http://sim.test/digitalocean/v2/actions/{link['id']}"
        action = (await sim.do("GET", f"/actions/{link['id']}")).json()["action"]
        assert (action["type"], action["status"]) == ("create", "completed")

    async def test_active_droplet_has_networks(self, sim: Sim) -> None:
        droplet = (await sim.create_droplet(ipv6=True))["droplet"]
        got = (await sim.do("GET", f"/droplets/{droplet['id']}")).json()["droplet"]
        assert got["status"] == "active" and got["locked"] is False
        types = {n["type"] for n in got["networks"]["v4"]}
        assert types == {"public", "private"} and len(got["networks"]["v6"]) == 1

    async def test_create_with_registered_keys_only(self, sim: Sim) -> None:
        key = (
            await sim.do("POST", "/account/keys", json={"name": "a", "public_key": SSH_ED25519})
        ).json()["ssh_key"]
        await sim.create_droplet(ssh_keys=[key["id"], key["fingerprint"]])
        unknown = await sim.do(
            "POST",
            "/droplets",
            json={
                "name": "web",
                "size": "s-1vcpu-1gb",
                "image": "ubuntu-24-04-x64",
                "ssh_keys": [_md5_fingerprint(SSH_ED25519_OTHER)],
            },
        )
        assert unknown.status_code == 422
        other_account = await sim.do(
            "POST",
            "/droplets",
            token="tok-beta",
            json={
                "name": "web",
                "size": "s-1vcpu-1gb",
                "image": "ubuntu-24-04-x64",
                "ssh_keys": [key["id"]],
            },
        )
        assert other_account.status_code == 422

    async def test_create_validation(self, sim: Sim) -> None:
        base = {
            "name": "web-1",
            "size": "s-1vcpu-1gb",
            "image": "ubuntu-24-04-x64",
            "region": "nyc3",
        }
        for override in (
            {"name": "bad_name"},
            {"name": "x-"},
            {"name": "a" * 256},
            {"size": "s-99"},
            {"image": "windows"},
            {"region": "mars1"},
            {"region": "nyc2"},
            {"size": "c-2", "region": "blr1"},
            {"user_data": "x" * (64 * 1024 + 1)},
            {"tags": ["no spaces"]},
        ):
            response = await sim.do("POST", "/droplets", json={**base, **override})
            assert response.status_code == 422, override
            assert response.json()["id"] == "unprocessable_entity"

    async def test_the_droplet_limit_is_configurable(self, sim: Sim) -> None:
        await sim.configure(digitalocean_droplet_limit=2)
        assert (await sim.do("GET", "/account")).json()["account"]["droplet_limit"] == 2
        await sim.create_droplet(name="one")
        await sim.create_droplet(name="two")
        refused = await sim.do(
            "POST",
            "/droplets",
            json={"name": "three", "size": "s-1vcpu-1gb", "image": "debian-12-x64"},
        )
        assert refused.status_code == 422
        assert "droplet limit" in refused.json()["message"]

    async def test_names_need_not_be_unique_and_region_is_optional(self, sim: Sim) -> None:
        first = (await sim.create_droplet(name="same"))["droplet"]
        second = (await sim.create_droplet(name="same", region=None))["droplet"]
        assert first["id"] != second["id"] and second["region"]["slug"]

    async def test_multi_create(self, sim: Sim) -> None:
        response = await sim.do(
            "POST",
            "/droplets",
            json={"names": ["a-1", "a-2"], "size": "s-1vcpu-1gb", "image": "debian-12-x64"},
        )
        assert response.status_code == 202
        assert [d["name"] for d in response.json()["droplets"]] == ["a-1", "a-2"]
        assert len(response.json()["links"]["actions"]) == 2

    async def test_list_filters_and_paginates(self, sim: Sim) -> None:
        for n in range(25):
            await sim.create_droplet(name=f"vm-{n}", tags=["even" if n % 2 == 0 else "odd"])
        page = (await sim.do("GET", "/droplets")).json()
        assert len(page["droplets"]) == 20 and page["meta"]["total"] == 25
        assert "page=2" in page["links"]["pages"]["next"]
        odd = (await sim.do("GET", "/droplets", params={"tag_name": "odd"})).json()
        assert odd["meta"]["total"] == 12
        assert (
            "tag_name=even"
            in (
                await sim.do("GET", "/droplets", params={"tag_name": "even", "per_page": 5})
            ).json()["links"]["pages"]["next"]
        )
        named = (await sim.do("GET", "/droplets", params={"name": "VM-7"})).json()
        assert [d["name"] for d in named["droplets"]] == ["vm-7"]
        both = await sim.do("GET", "/droplets", params={"tag_name": "odd", "name": "vm-1"})
        assert both.status_code == 422

    async def test_get_other_account_is_404(self, sim: Sim) -> None:
        droplet = (await sim.create_droplet())["droplet"]
        response = await sim.do("GET", f"/droplets/{droplet['id']}", token="tok-beta")
        assert response.status_code == 404
        assert response.json()["id"] == "not_found"

    async def test_delete_is_204_empty(self, sim: Sim) -> None:
        droplet = (await sim.create_droplet())["droplet"]
        response = await sim.do("DELETE", f"/droplets/{droplet['id']}")
        assert (response.status_code, response.content) == (204, b"")
        assert (await sim.do("GET", f"/droplets/{droplet['id']}")).status_code == 404
        assert (await sim.do("DELETE", f"/droplets/{droplet['id']}")).status_code == 404

    async def test_delete_by_tag(self, sim: Sim) -> None:
        await sim.create_droplet(tags=["cleanup"])
        keep = (await sim.create_droplet(tags=["keep"]))["droplet"]
        response = await sim.do("DELETE", "/droplets", params={"tag_name": "cleanup"})
        assert response.status_code == 204
        remaining = (await sim.do("GET", "/droplets")).json()["droplets"]
        assert [d["id"] for d in remaining] == [keep["id"]]


class TestActions:
    async def _active(self, sim: Sim, **overrides: Any) -> int:
        droplet = (await sim.create_droplet(**overrides))["droplet"]
        await sim.do("GET", f"/droplets/{droplet['id']}")
        return int(droplet["id"])

    async def test_power_actions_are_201_and_complete(self, sim: Sim) -> None:
        droplet_id = await self._active(sim)
        path = f"/droplets/{droplet_id}"
        for action_type, expected in (
            ("shutdown", "off"),
            ("power_on", "active"),
            ("power_off", "off"),
            ("power_on", "active"),
            ("reboot", "active"),
            ("power_cycle", "active"),
        ):
            response = await sim.do("POST", f"{path}/actions", json={"type": action_type})
            assert response.status_code == 201, action_type
            action = response.json()["action"]
            assert (action["type"], action["status"]) == (action_type, "in-progress")
            assert action["resource_id"] == droplet_id and action["region_slug"] == "nyc3"
            got = (await sim.do("GET", path)).json()["droplet"]
            assert (got["status"], got["locked"]) == (expected, False), action_type
            done = (await sim.do("GET", f"{path}/actions/{action['id']}")).json()["action"]
            assert done["status"] == "completed" and ISO_Z.match(done["completed_at"])

    async def test_rebuild_and_resize(self, sim: Sim) -> None:
        droplet_id = await self._active(sim)
        path = f"/droplets/{droplet_id}"
        rebuild = await sim.do(
            "POST", f"{path}/actions", json={"type": "rebuild", "image": "debian-12-x64"}
        )
        assert rebuild.status_code == 201
        await sim.do("GET", path)
        resize = await sim.do(
            "POST", f"{path}/actions", json={"type": "resize", "size": "s-2vcpu-4gb", "disk": True}
        )
        assert resize.status_code == 201
        got = (await sim.do("GET", path)).json()["droplet"]
        assert (got["image"]["slug"], got["size_slug"], got["disk"]) == (
            "debian-12-x64",
            "s-2vcpu-4gb",
            80,
        )
        bad = await sim.do("POST", f"{path}/actions", json={"type": "resize", "size": "nope"})
        assert bad.status_code == 422
        unknown = await sim.do("POST", f"{path}/actions", json={"type": "explode"})
        assert unknown.status_code == 422

    async def test_action_lists(self, sim: Sim) -> None:
        droplet_id = await self._active(sim)
        await sim.do("POST", f"/droplets/{droplet_id}/actions", json={"type": "reboot"})
        mine = (await sim.do("GET", f"/droplets/{droplet_id}/actions")).json()
        assert [a["type"] for a in mine["actions"]] == ["reboot", "create"]
        everything = (await sim.do("GET", "/actions")).json()
        assert everything["meta"]["total"] == 2
        assert (await sim.do("GET", "/actions/1")).status_code == 404
        assert (await sim.do("GET", f"/droplets/{droplet_id}/actions/1")).status_code == 404


class TestMonitoring:
    async def test_cpu_is_cumulative_seconds_per_mode(self, sim: Sim) -> None:
        droplet = (await sim.create_droplet(monitoring=True))["droplet"]
        start = int(sim.clock.now())
        sim.clock.advance(3600)
        params = {"host_id": str(droplet["id"]), "start": start, "end": start + 3600}
        body = (await sim.do("GET", "/monitoring/metrics/droplet/cpu", params=params)).json()
        assert body["status"] == "success" and body["data"]["resultType"] == "matrix"
        series = {r["metric"]["mode"]: r["values"] for r in body["data"]["result"]}
        assert {"idle", "user", "system", "iowait", "steal"} <= set(series)
        user = [float(v) for _, v in series["user"]]
        assert all(isinstance(v, str) for _, v in series["user"])
        assert user == sorted(user) and user[-1] > user[0]
        total_delta = sum(float(v[-1][1]) - float(v[0][1]) for v in series.values())
        elapsed = series["idle"][-1][0] - series["idle"][0][0]
        assert abs(total_delta - elapsed) < 1  # one vCPU: modes add up to wall time
        again = (await sim.do("GET", "/monitoring/metrics/droplet/cpu", params=params)).json()
        assert again == body

    async def test_bandwidth_in_mbps(self, sim: Sim) -> None:
        droplet = (await sim.create_droplet())["droplet"]
        start = int(sim.clock.now())
        params = {
            "host_id": str(droplet["id"]),
            "start": start,
            "end": start + 1800,
            "interface": "public",
            "direction": "outbound",
        }
        body = (await sim.do("GET", "/monitoring/metrics/droplet/bandwidth", params=params)).json()
        [result] = body["data"]["result"]
        assert result["metric"] == {
            "direction": "outbound",
            "host_id": str(droplet["id"]),
            "interface": "public",
        }
        assert all(0 <= float(v) < 100 for _, v in result["values"])
        bad = await sim.do(
            "GET", "/monitoring/metrics/droplet/bandwidth", params={**params, "interface": "wifi"}
        )
        assert bad.status_code == 400
        missing = await sim.do("GET", "/monitoring/metrics/droplet/cpu", params={"host_id": "1"})
        assert missing.status_code == 400
