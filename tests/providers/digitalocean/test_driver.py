"""The DigitalOcean driver against respx: pagination, SSH keys, cloud-init, errors, verify."""

from __future__ import annotations

import asyncio
import json
from typing import Any
from uuid import UUID

import httpx
import pytest
import respx
import yaml

from tests.providers.support import FakeClock, do_yaml
from vpspanel.providers.digitalocean.driver import DigitalOceanProvider
from vpspanel.providers.errors import (
    ProviderConflict,
    ProviderPermissionError,
    ProviderUnavailable,
    ProviderValidationError,
)
from vpspanel.providers.http import RateBudgets
from vpspanel.providers.sha512_crypt import sha512_crypt
from vpspanel.providers.types import CreateInstanceSpec, CreateOptions, InstanceStatus
from vpspanel.providers.validation import ssh_fingerprint_md5

BASE = "https://api.digitalocean.com/v2"
INSTANCE_ID = UUID("0b6f1e2a-3c4d-4e5f-8a9b-0c1d2e3f4a5b")
KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl me@x"
# `ssh-keygen -l -E md5` of KEY.
KEY_FINGERPRINT = "65:96:2d:fc:e8:d5:a9:11:64:0c:0f:ea:00:6e:5b:bd"


def make_driver(clock: FakeClock | None = None) -> DigitalOceanProvider:
    return DigitalOceanProvider(
        "dop_v1_token", http=httpx.AsyncClient(), clock=clock or FakeClock(), budgets=RateBudgets()
    )


def droplet(id: int = 7, status: str = "new", locked: bool = False) -> dict[str, Any]:
    item: dict[str, Any] = dict(
        do_yaml("resources/droplets/responses/examples.yml")["droplets_all"]["value"]["droplets"][0]
    )
    item.update(id=id, status=status, locked=locked, tags=["vpspanel", f"vpspanel:{INSTANCE_ID}"])
    return item


def spec(**changes: Any) -> CreateInstanceSpec:
    values: dict[str, Any] = {
        "instance_id": INSTANCE_ID,
        "label": "web-1.example.com",
        "plan_id": "s-1vcpu-1gb",
        "region_id": "nyc3",
        "image_id": "ubuntu-24-04-x64",
        "root_pass": "Correct-Horse-42",
        "ssh_public_keys": [KEY],
        "options": CreateOptions(
            backups=True, ipv6=True, vpc_uuid="760e09ef-dc84-11e8-981e-3cfdfeaae000"
        ),
    }
    values.update(changes)
    return CreateInstanceSpec(**values)


class TestSshKeys:
    def test_md5_fingerprint_matches_ssh_keygen(self) -> None:
        assert ssh_fingerprint_md5(KEY) == KEY_FINGERPRINT


class TestDigitalOceanCreate:
    @respx.mock
    async def test_registers_a_new_key_then_creates_with_ids_and_hashed_password(self) -> None:
        respx.get(f"{BASE}/account/keys/{KEY_FINGERPRINT}").respond(
            404,
            json={"id": "not_found", "message": "The resource you requested could not be found."},
        )
        register = respx.post(f"{BASE}/account/keys").respond(
            201,
            json={
                "ssh_key": {
                    "id": 512190,
                    "fingerprint": KEY_FINGERPRINT,
                    "public_key": KEY,
                    "name": "x",
                }
            },
        )
        create = respx.post(f"{BASE}/droplets").respond(
            202, json={"droplet": droplet(), "links": {}}
        )
        instance = await make_driver().create_instance(spec())
        assert instance.status is InstanceStatus.PROVISIONING
        assert json.loads(register.calls.last.request.content)["public_key"] == KEY
        body = json.loads(create.calls.last.request.content)
        assert body["ssh_keys"] == [512190]
        assert body["name"] == "web-1.example.com"
        assert body["tags"] == ["vpspanel", f"vpspanel:{INSTANCE_ID}"]
        assert (body["backups"], body["ipv6"], body["monitoring"]) == (True, True, True)
        assert body["vpc_uuid"] == "760e09ef-dc84-11e8-981e-3cfdfeaae000"
        assert "Correct-Horse-42" not in create.calls.last.request.content.decode()
        user_data = body["user_data"]
        assert user_data.startswith("#cloud-config\n")
        config = yaml.safe_load(user_data)
        assert config["ssh_pwauth"] is True
        entry = config["chpasswd"]["users"][0]
        assert (entry["name"], entry["type"]) == ("root", "hash")
        salt = entry["password"].split("$")[2]
        assert entry["password"] == sha512_crypt("Correct-Horse-42", salt)

    @respx.mock
    async def test_reuses_an_existing_key_by_fingerprint(self) -> None:
        respx.get(f"{BASE}/account/keys/{KEY_FINGERPRINT}").respond(
            200,
            json={
                "ssh_key": {
                    "id": 77,
                    "fingerprint": KEY_FINGERPRINT,
                    "public_key": KEY,
                    "name": "x",
                }
            },
        )
        register = respx.post(f"{BASE}/account/keys").respond(201, json={})
        create = respx.post(f"{BASE}/droplets").respond(202, json={"droplet": droplet()})
        await make_driver().create_instance(spec())
        assert register.call_count == 0
        assert json.loads(create.calls.last.request.content)["ssh_keys"] == [77]

    @respx.mock
    async def test_a_key_is_looked_up_once_per_account(self) -> None:
        lookup = respx.get(f"{BASE}/account/keys/{KEY_FINGERPRINT}").respond(
            200, json={"ssh_key": {"id": 77, "fingerprint": KEY_FINGERPRINT, "public_key": KEY}}
        )
        create = respx.post(f"{BASE}/droplets").respond(202, json={"droplet": droplet()})
        await asyncio.gather(*(make_driver().create_instance(spec()) for _ in range(5)))
        await make_driver().create_instance(spec())
        assert lookup.call_count == 1
        assert create.call_count == 6
        assert all(json.loads(c.request.content)["ssh_keys"] == [77] for c in create.calls)
        other = DigitalOceanProvider(
            "dop_v1_other", http=httpx.AsyncClient(), clock=FakeClock(), budgets=RateBudgets()
        )
        await other.create_instance(spec())
        assert lookup.call_count == 2  # another account learns its own ids

    @respx.mock
    async def test_a_key_deleted_at_the_provider_is_looked_up_again(self) -> None:
        lookup = respx.get(f"{BASE}/account/keys/{KEY_FINGERPRINT}").mock(
            side_effect=[
                httpx.Response(200, json={"ssh_key": {"id": 77, "fingerprint": KEY_FINGERPRINT}}),
                httpx.Response(404, json={"id": "not_found", "message": "not found"}),
            ]
        )
        register = respx.post(f"{BASE}/account/keys").respond(
            201, json={"ssh_key": {"id": 78, "fingerprint": KEY_FINGERPRINT}}
        )
        unknown_key = {
            "id": "unprocessable_entity",
            "message": "You specified an invalid SSH key id or fingerprint.",
        }
        create = respx.post(f"{BASE}/droplets").mock(
            side_effect=[
                httpx.Response(202, json={"droplet": droplet()}),
                httpx.Response(422, json=unknown_key),
                httpx.Response(202, json={"droplet": droplet()}),
            ]
        )
        await make_driver().create_instance(spec())
        await make_driver().create_instance(spec())
        assert lookup.call_count == 2 and register.call_count == 1
        sent = [json.loads(c.request.content)["ssh_keys"] for c in create.calls]
        assert sent == [[77], [77], [78]]

    @respx.mock
    async def test_lost_create_is_unknown_and_not_looked_up(self) -> None:
        create = respx.post(f"{BASE}/droplets").respond(504)
        lookup = respx.get(f"{BASE}/droplets")
        with pytest.raises(ProviderUnavailable) as caught:
            await make_driver().create_instance(spec(ssh_public_keys=[]))
        assert caught.value.may_have_succeeded is True
        assert create.call_count == 1 and lookup.call_count == 0

    @respx.mock
    async def test_create_refused_before_sending_is_not_looked_up(self) -> None:
        respx.post(f"{BASE}/droplets").mock(side_effect=httpx.ConnectError("refused"))
        lookup = respx.get(f"{BASE}/droplets")
        with pytest.raises(ProviderUnavailable) as caught:
            await make_driver().create_instance(spec(ssh_public_keys=[]))
        assert caught.value.may_have_succeeded is False
        assert lookup.call_count == 0

    @respx.mock
    async def test_unknown_size_is_a_validation_error_on_plan(self) -> None:
        respx.post(f"{BASE}/droplets").respond(
            422,
            json={
                "id": "unprocessable_entity",
                "message": "You specified an invalid size for Droplet creation.",
            },
        )
        with pytest.raises(ProviderValidationError) as caught:
            await make_driver().create_instance(spec(ssh_public_keys=[]))
        assert caught.value.field == "plan_id"


class TestDigitalOceanActions:
    @respx.mock
    async def test_locked_droplet_is_a_conflict(self) -> None:
        respx.post(f"{BASE}/droplets/5/actions").respond(
            422,
            json={"id": "unprocessable_entity", "message": "Droplet already has a pending event."},
        )
        with pytest.raises(ProviderConflict):
            await make_driver().reboot("5")

    @respx.mock
    async def test_resize_is_permanent_with_disk(self) -> None:
        route = respx.post(f"{BASE}/droplets/5/actions").respond(201, json={"action": {"id": 1}})
        await make_driver().resize("5", "s-2vcpu-2gb")
        assert json.loads(route.calls.last.request.content) == {
            "type": "resize",
            "size": "s-2vcpu-2gb",
            "disk": True,
        }

    @respx.mock
    async def test_locked_droplet_status_comes_from_its_action(self) -> None:
        respx.get(f"{BASE}/droplets/5").respond(
            200, json={"droplet": droplet(5, "off", locked=True)}
        )
        respx.get(f"{BASE}/droplets/5/actions").respond(
            200,
            json={
                "actions": [{"id": 3, "type": "power_on", "status": "in-progress"}],
                "links": {},
                "meta": {"total": 1},
            },
        )
        instance = await make_driver().get_instance("5")
        assert instance is not None and instance.status is InstanceStatus.STARTING

    @respx.mock
    async def test_delete_twice_is_fine(self) -> None:
        route = respx.delete(f"{BASE}/droplets/5")
        route.side_effect = [
            httpx.Response(204),
            httpx.Response(404, json={"id": "not_found", "message": "gone"}),
        ]
        driver = make_driver()
        await driver.delete_instance("5")
        await driver.delete_instance("5")


class TestDigitalOceanLists:
    @respx.mock
    async def test_follows_links_next_on_our_own_base_url(self) -> None:
        sizes = do_yaml("resources/sizes/responses/all_sizes.yml")["content"]["application/json"][
            "schema"
        ]["example"]["sizes"]
        route = respx.get(f"{BASE}/sizes")
        route.side_effect = [
            httpx.Response(
                200,
                json={
                    "sizes": sizes,
                    "links": {
                        "pages": {"next": "https://elsewhere.example/v2/sizes?page=2&per_page=200"}
                    },
                    "meta": {"total": 2},
                },
            ),
            httpx.Response(
                200,
                json={
                    "sizes": [{**sizes[0], "slug": "s-2"}],
                    "links": {"pages": {"prev": "x"}},
                    "meta": {"total": 2},
                },
            ),
        ]
        plans = await make_driver().list_plans()
        assert [p.id for p in plans] == ["s-1vcpu-1gb", "s-2"]
        assert [c.request.url.params["page"] for c in route.calls] == ["1", "2"]
        assert all(c.request.url.host == "api.digitalocean.com" for c in route.calls)


class TestDigitalOceanVerify:
    @respx.mock
    async def test_probes_report_missing_read_scopes_and_write_is_unknown(self) -> None:
        respx.get(f"{BASE}/account").respond(
            200,
            json={
                "account": {
                    "uuid": "u-1",
                    "email": "a@b.c",
                    "status": "active",
                    "droplet_limit": 25,
                }
            },
        )
        respx.get(f"{BASE}/droplets").respond(
            200, json={"droplets": [], "links": {}, "meta": {"total": 0}}
        )
        respx.get(f"{BASE}/sizes").respond(
            403, json={"id": "forbidden", "message": "You do not have access"}
        )
        respx.get(f"{BASE}/regions").respond(
            200, json={"regions": [], "links": {}, "meta": {"total": 0}}
        )
        respx.get(f"{BASE}/images").respond(
            200, json={"images": [], "links": {}, "meta": {"total": 0}}
        )
        tag_probe = respx.post(f"{BASE}/tags").respond(
            201, json={"tag": {"name": "vpspanel", "resources": {"count": 0}}}
        )
        result = await make_driver().verify()
        assert result.account.provider_account_id == "u-1"
        assert result.permissions.read is False
        assert result.permissions.write is None
        assert result.permissions.missing == ["sizes:read"]
        assert result.permissions.note
        assert json.loads(tag_probe.calls.last.request.content) == {"name": "vpspanel"}

    @respx.mock
    async def test_a_token_that_cannot_create_our_tag_cannot_write(self) -> None:
        respx.get(f"{BASE}/account").respond(200, json={"account": {"uuid": "u-1"}})
        for path, key in [
            ("droplets", "droplets"),
            ("sizes", "sizes"),
            ("regions", "regions"),
            ("images", "images"),
        ]:
            respx.get(f"{BASE}/{path}").respond(
                200, json={key: [], "links": {}, "meta": {"total": 0}}
            )
        respx.post(f"{BASE}/tags").respond(
            403, json={"id": "forbidden", "message": "You do not have access"}
        )
        permissions = (await make_driver().verify()).permissions
        assert permissions.read is True
        assert permissions.write is False
        assert permissions.missing == ["tag:create"]

    @respx.mock
    async def test_403_on_create_names_the_scope(self) -> None:
        respx.post(f"{BASE}/droplets").respond(403, json={"id": "forbidden", "message": "no"})
        with pytest.raises(ProviderPermissionError) as caught:
            await make_driver().create_instance(spec(ssh_public_keys=[]))
        assert caught.value.missing_permission == "droplet:create"


class TestDigitalOceanMetrics:
    @respx.mock
    async def test_cpu_and_bandwidth(self) -> None:
        examples = do_yaml("resources/monitoring/responses/examples.yml")
        respx.get(f"{BASE}/monitoring/metrics/droplet/cpu").respond(
            200, json=examples["droplet_cpu"]["value"]
        )
        bandwidth = respx.get(f"{BASE}/monitoring/metrics/droplet/bandwidth")
        bandwidth.side_effect = lambda request: httpx.Response(
            200,
            json=examples[f"{request.url.params['direction']}_public_droplet_bandwidth"]["value"],
        )
        clock = FakeClock(wall_start=1_635_390_000.0)
        metrics = await make_driver(clock).get_metrics("222651441", period_hours=1)
        # Samples at 1635387000 and 1635387120 (CPU), 1634052360.. (the bandwidth example is
        # from another day, so outside the hour asked for).
        assert metrics.cpu_percent and all(t % 300 == 0 for t, _ in metrics.cpu_percent)
        assert metrics.network_in_bps == [] and metrics.network_out_bps == []
        params = bandwidth.calls.last.request.url.params
        # One resolution step before the hour, so that its first slot has a CPU rate.
        assert (params["host_id"], params["start"], params["end"]) == (
            "222651441",
            "1635386100",
            "1635390000",
        )
