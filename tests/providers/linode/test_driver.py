"""The Linode driver against respx: pagination, error mapping, lost creates, verify."""

from __future__ import annotations

import json
from uuid import UUID

import httpx
import pytest
import respx

from tests.providers.support import FakeClock, linode_fixture
from vpspanel.providers.errors import (
    ProviderAlreadyExists,
    ProviderAuthError,
    ProviderConflict,
    ProviderPermissionError,
    ProviderUnavailable,
    ProviderValidationError,
)
from vpspanel.providers.http import RateBudgets
from vpspanel.providers.linode.driver import LinodeProvider
from vpspanel.providers.types import CreateInstanceSpec, InstanceStatus

BASE = "https://api.linode.com/v4"
INSTANCE_ID = UUID("0b6f1e2a-3c4d-4e5f-8a9b-0c1d2e3f4a5b")
KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl me@x"


def make_driver(clock: FakeClock | None = None) -> LinodeProvider:
    return LinodeProvider(
        "linode-token",
        http=httpx.AsyncClient(),
        clock=clock or FakeClock(),
        budgets=RateBudgets(),
    )


def spec(**changes: object) -> CreateInstanceSpec:
    values: dict[str, object] = {
        "instance_id": INSTANCE_ID,
        "label": "web-1",
        "plan_id": "g6-nanode-1",
        "region_id": "us-east",
        "image_id": "linode/debian12",
        "root_pass": "Correct-Horse-42",
        "ssh_public_keys": [KEY],
    }
    values.update(changes)
    return CreateInstanceSpec(**values)  # type: ignore[arg-type]


def linode(id: int = 7, status: str = "provisioning", tags: list[str] | None = None) -> dict:  # type: ignore[type-arg]
    item = dict(linode_fixture("linode_instances.json")["data"][0])
    item.update(id=id, status=status, tags=tags or [])
    return item


class TestLinodeLists:
    @respx.mock
    async def test_every_page_is_read(self) -> None:
        types = linode_fixture("linode_types.json")["data"]
        route = respx.get(f"{BASE}/linode/types")
        route.side_effect = [
            httpx.Response(200, json={"data": types[:3], "page": 1, "pages": 2, "results": 5}),
            httpx.Response(200, json={"data": types[3:], "page": 2, "pages": 2, "results": 5}),
        ]
        plans = await make_driver().list_plans()
        assert [p.id for p in plans] == [t["id"] for t in types]
        assert [c.request.url.params["page"] for c in route.calls] == ["1", "2"]

    @respx.mock
    async def test_list_instances_filters_on_our_namespace_tag(self) -> None:
        route = respx.get(f"{BASE}/linode/instances").respond(
            200, json={"data": [linode(tags=["vpspanel"])], "page": 1, "pages": 1, "results": 1}
        )
        instances = await make_driver().list_instances()
        assert json.loads(route.calls.last.request.headers["X-Filter"]) == {"tags": "vpspanel"}
        assert instances[0].status is InstanceStatus.PROVISIONING

    @respx.mock
    async def test_get_instance_is_none_on_404_and_delete_is_repeatable(self) -> None:
        respx.get(f"{BASE}/linode/instances/9").respond(
            404, json={"errors": [{"reason": "Not found"}]}
        )
        respx.delete(f"{BASE}/linode/instances/9").respond(
            404, json={"errors": [{"reason": "Not found"}]}
        )
        driver = make_driver()
        assert await driver.get_instance("9") is None
        await driver.delete_instance("9")


class TestLinodeErrors:
    @respx.mock
    async def test_401_is_auth_error(self) -> None:
        respx.get(f"{BASE}/linode/instances/1").respond(
            401, json={"errors": [{"reason": "Invalid Token"}]}
        )
        with pytest.raises(ProviderAuthError):
            await make_driver().get_instance("1")

    @respx.mock
    async def test_403_names_the_missing_scope(self) -> None:
        respx.post(f"{BASE}/linode/instances/1/boot").respond(
            403, json={"errors": [{"reason": "Unauthorized"}]}
        )
        with pytest.raises(ProviderPermissionError) as caught:
            await make_driver().boot("1")
        assert caught.value.missing_permission == "linodes:read_write"

    @respx.mock
    async def test_401_for_a_scope_the_token_lacks_is_a_permission_error(self) -> None:
        respx.post(f"{BASE}/linode/instances/1/shutdown").respond(
            401,
            json={
                "errors": [{"reason": "Your OAuth token is not authorized to use this endpoint."}]
            },
        )
        with pytest.raises(ProviderPermissionError):
            await make_driver().shutdown("1")

    @respx.mock
    async def test_400_with_field_is_validation_error_in_our_field_names(self) -> None:
        respx.post(f"{BASE}/linode/instances").respond(
            400,
            json={
                "errors": [
                    {"reason": "A valid plan type by that ID was not found", "field": "type"}
                ]
            },
        )
        with pytest.raises(ProviderValidationError) as caught:
            await make_driver().create_instance(spec(plan_id="g0-nope"))
        assert caught.value.field == "plan_id"

    @respx.mock
    async def test_busy_is_conflict(self) -> None:
        respx.post(f"{BASE}/linode/instances/1/reboot").respond(
            400, json={"errors": [{"reason": "Linode busy."}]}
        )
        with pytest.raises(ProviderConflict):
            await make_driver().reboot("1")

    @respx.mock
    async def test_429_is_waited_out(self) -> None:
        route = respx.get(f"{BASE}/linode/instances/1")
        route.side_effect = [
            httpx.Response(
                429, headers={"Retry-After": "4"}, json={"errors": [{"reason": "Too many"}]}
            ),
            httpx.Response(200, json=linode(1, "running")),
        ]
        clock = FakeClock()
        instance = await make_driver(clock).get_instance("1")
        assert instance is not None and instance.status is InstanceStatus.RUNNING
        assert clock.sleeps == [4.0]


class TestLinodeCreate:
    @respx.mock
    async def test_create_sends_identity_and_credentials(self) -> None:
        route = respx.post(f"{BASE}/linode/instances").respond(200, json=linode())
        await make_driver().create_instance(spec())
        body = json.loads(route.calls.last.request.content)
        assert body["tags"] == ["vpspanel", f"vpspanel:{INSTANCE_ID}"]
        assert body["label"] == "web-1-0b6f1e2a3c4d"
        assert body["root_pass"] == "Correct-Horse-42"
        assert body["authorized_keys"] == [KEY]
        assert (body["type"], body["region"], body["image"]) == (
            "g6-nanode-1",
            "us-east",
            "linode/debian12",
        )

    @pytest.mark.parametrize(
        "failure",
        [httpx.Response(500), httpx.ReadTimeout("no answer")],
        ids=["5xx", "timeout"],
    )
    @respx.mock
    async def test_lost_create_is_unknown_and_not_looked_up(
        self, failure: httpx.Response | Exception
    ) -> None:
        create = respx.post(f"{BASE}/linode/instances")
        if isinstance(failure, httpx.Response):
            create.mock(return_value=failure)
        else:
            create.mock(side_effect=failure)
        lookup = respx.get(f"{BASE}/linode/instances")
        with pytest.raises(ProviderUnavailable) as caught:
            await make_driver().create_instance(spec())
        assert caught.value.may_have_succeeded is True
        assert create.call_count == 1 and lookup.call_count == 0

    @respx.mock
    async def test_a_label_taken_by_an_earlier_send_is_already_exists(self) -> None:
        clash = {"field": "label", "reason": "Label must be unique among your linodes"}
        respx.post(f"{BASE}/linode/instances").respond(400, json={"errors": [clash]})
        with pytest.raises(ProviderAlreadyExists) as caught:
            await make_driver().create_instance(spec())
        assert caught.value.field == "label"

    @pytest.mark.parametrize(
        ("changes", "field"),
        [
            ({"label": "bad label!"}, "label"),
            ({"root_pass": "password"}, "root_pass"),
            ({"root_pass": "Ab1"}, "root_pass"),
            ({"ssh_public_keys": ["ssh-rsa not-base64!"]}, "ssh_public_keys"),
        ],
    )
    @respx.mock
    async def test_bad_input_is_refused_before_any_request(
        self, changes: dict[str, object], field: str
    ) -> None:
        route = respx.post(f"{BASE}/linode/instances").respond(200, json=linode())
        with pytest.raises(ProviderValidationError) as caught:
            await make_driver().create_instance(spec(**changes))
        assert caught.value.field == field
        assert route.call_count == 0


class TestLinodeLabels:
    def test_label_fits_linode_pattern(self) -> None:
        driver = make_driver()
        assert driver.provider_label("1st--server.example.com", INSTANCE_ID) == (
            "vm-1st-server.example.com-0b6f1e2a3c4d"
        )
        long_label = driver.provider_label("a" * 80, INSTANCE_ID)
        assert len(long_label) == 64 and long_label.endswith("-0b6f1e2a3c4d")


class TestLinodeVerify:
    @respx.mock
    async def test_scopes_from_header_and_missing_reported(self) -> None:
        respx.get(f"{BASE}/profile").respond(
            200,
            json=linode_fixture("profile.json"),
            headers={"X-OAuth-Scopes": "linodes:read_only images:read_only"},
        )
        result = await make_driver().verify()
        assert result.account.name == "exampleUser"
        assert result.account.provider_account_id == "1234"
        assert result.permissions.read is True
        assert result.permissions.write is False
        assert result.permissions.missing == ["linodes:read_write"]

    @respx.mock
    async def test_full_access_token(self) -> None:
        respx.get(f"{BASE}/profile").respond(
            200, json=linode_fixture("profile.json"), headers={"X-OAuth-Scopes": "*"}
        )
        permissions = (await make_driver().verify()).permissions
        assert (permissions.read, permissions.write, permissions.missing) == (True, True, [])


class TestLinodeMetrics:
    @respx.mock
    async def test_stats_in_seconds(self) -> None:
        clock = FakeClock(wall_start=1_700_000_000.0)
        respx.get(f"{BASE}/linode/instances/5/stats").respond(
            200, json={"data": {"cpu": [[1_699_999_000_000, 3.5]], "netv4": {"in": [], "out": []}}}
        )
        metrics = await make_driver(clock).get_metrics("5", period_hours=24)
        # In the 5-minute slot it falls in.
        assert metrics.cpu_percent == [(1_699_998_900, 3.5)]

    @respx.mock
    async def test_a_week_reads_every_month_it_touches(self) -> None:
        # 2023-11-03 UTC: the week starts in October.
        clock = FakeClock(wall_start=1_699_000_000.0)
        empty = {"data": {"cpu": [], "netv4": {"in": [], "out": []}}}
        october = respx.get(f"{BASE}/linode/instances/5/stats/2023/10").respond(200, json=empty)
        november = respx.get(f"{BASE}/linode/instances/5/stats/2023/11").respond(200, json=empty)
        last_day = respx.get(f"{BASE}/linode/instances/5/stats").respond(200, json=empty)
        metrics = await make_driver(clock).get_metrics("5", period_hours=24 * 7)
        assert (october.call_count, november.call_count, last_day.call_count) == (1, 1, 1)
        assert metrics.window is not None and metrics.window.resolution_s == 900
