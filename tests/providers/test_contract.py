"""One contract every driver passes, against the simulator over real HTTP on loopback.

Every request a driver sends is checked against the provider's official OpenAPI document.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from decimal import Decimal
from typing import Any
from uuid import uuid4

import httpx
import pytest

from tests.providers.openapi_quirks import validate_driver_request
from tests.support.openapi_contract import require_specs
from vpspanel.providers.base import Provider, identity_tag
from vpspanel.providers.errors import (
    ProviderAuthError,
    ProviderPermissionError,
    ProviderUnavailable,
    ProviderValidationError,
)
from vpspanel.providers.http import RateBudgets
from vpspanel.providers.registry import default_limits, get_provider
from vpspanel.providers.types import (
    CreateInstanceSpec,
    InstanceStatus,
    ProviderImage,
    ProviderInstance,
    ProviderPlan,
    ProviderRegion,
)
from vpspanel.simulator.testing import SimulatorServer

KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl me@x"
# Statuses the real APIs send beyond their OpenAPI enums (linodego's InstanceResizing).
STATUSES_BEYOND_THE_SPEC = {"linode": ["resizing"], "digitalocean": []}
_ENUM_BLOCK = re.compile(r"enum:\n((?:\s*- [a-z_]+\n)+)")
_STATUS_DOCS = {
    "linode": ("linode/openapi.yaml", "billing_suspension"),
    "digitalocean": (
        "digitalocean/specification/resources/droplets/models/droplet.yml",
        "archive",
    ),
}


def spec_statuses(provider_type: str) -> list[str]:
    """Every instance status value in the provider's official OpenAPI document."""
    document, member = _STATUS_DOCS[provider_type]
    text = (require_specs() / document).read_text()
    found: set[str] = set()
    for block in _ENUM_BLOCK.findall(text):
        values = [line.strip().removeprefix("- ") for line in block.strip().splitlines()]
        if member in values:
            found.update(values)
    assert found, f"no status enum found in {document}"
    return sorted(found)


@pytest.fixture(scope="module")
def sim() -> Iterator[SimulatorServer]:
    require_specs()
    with SimulatorServer() as server:
        yield server


class Recorder:
    """Keeps every request the driver sends, to check them against the official document."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []

    async def __call__(self, request: httpx.Request) -> None:
        self.requests.append(request)

    def validate_all(self, provider_type: str) -> int:
        for request in self.requests:
            validate_driver_request(provider_type, request)
        return len(self.requests)


@pytest.fixture(params=["linode", "digitalocean"])
def provider_type(request: pytest.FixtureRequest) -> str:
    value: str = request.param
    return value


@pytest.fixture
async def recorder(provider_type: str) -> AsyncIterator[Recorder]:
    recorder = Recorder()
    yield recorder
    assert recorder.validate_all(provider_type) > 0


@pytest.fixture
async def http(recorder: Recorder) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(
        timeout=httpx.Timeout(5.0), event_hooks={"request": [recorder]}
    ) as client:
        yield client


def base_url(sim: SimulatorServer, provider_type: str) -> str:
    return sim.linode_url if provider_type == "linode" else sim.digitalocean_url


@pytest.fixture
def token() -> str:
    return f"contract-{uuid4().hex}"


@pytest.fixture
def driver(
    sim: SimulatorServer, provider_type: str, http: httpx.AsyncClient, token: str
) -> Provider:
    return make_driver(sim, provider_type, http, token)


def make_driver(
    sim: SimulatorServer, provider_type: str, http: httpx.AsyncClient, token: str, **kw: Any
) -> Provider:
    return get_provider(
        provider_type,
        api_key=token,
        base_url=base_url(sim, provider_type),
        http=http,
        budgets=RateBudgets(),
        **kw,
    )


async def a_spec(driver: Provider, **changes: Any) -> CreateInstanceSpec:
    plans = [p for p in await driver.list_plans() if p.available]
    regions = [r for r in await driver.list_regions() if r.available]
    plan = next(p for p in plans if p.regions is None or regions[0].id in p.regions)
    image = next(i for i in await driver.list_images() if not i.deprecated)
    values: dict[str, Any] = {
        "instance_id": uuid4(),
        "label": "web-1",
        "plan_id": plan.id,
        "region_id": regions[0].id,
        "image_id": image.id,
        "root_pass": "Correct-Horse-42-battery",
        "ssh_public_keys": [KEY],
    }
    values.update(changes)
    return CreateInstanceSpec(**values)


async def settled(driver: Provider, instance_id: str) -> ProviderInstance | None:
    deadline = time.monotonic() + 10
    while True:
        instance = await driver.get_instance(instance_id)
        if instance is None or not instance.status.is_transitional:
            return instance
        if time.monotonic() > deadline:
            raise AssertionError(f"{instance_id} stuck in {instance.status}")
        await asyncio.sleep(0.02)


class TestProviderContract:
    async def test_lists_return_normalized_types(self, driver: Provider) -> None:
        plans, regions, images = (
            await driver.list_plans(),
            await driver.list_regions(),
            await driver.list_images(),
        )
        assert plans and all(isinstance(p, ProviderPlan) for p in plans)
        assert all(isinstance(p.price_monthly, Decimal) and p.memory_mb > 0 for p in plans)
        assert all(p.disk_gb > 0 for p in plans)
        assert regions and all(isinstance(r, ProviderRegion) for r in regions)
        assert all(r.country is None or len(r.country) == 2 for r in regions)
        assert images and all(isinstance(i, ProviderImage) for i in images)

    async def test_create_find_act_and_delete(self, driver: Provider, sim: SimulatorServer) -> None:
        spec = await a_spec(driver)
        created = await driver.create_instance(spec)
        assert identity_tag(spec.instance_id) in created.tags
        assert created.status in (InstanceStatus.PROVISIONING, InstanceStatus.RUNNING)
        found = await driver.find_instance_by_tag(spec.instance_id)
        assert found is not None and found.id == created.id
        assert created.id in {i.id for i in await driver.list_instances()}
        running = await settled(driver, created.id)
        assert running is not None and running.status is InstanceStatus.RUNNING
        assert running.ipv4

        await driver.shutdown(created.id)
        assert (await settled(driver, created.id)).status is InstanceStatus.STOPPED  # type: ignore[union-attr]
        await driver.boot(created.id)
        assert (await settled(driver, created.id)).status is InstanceStatus.RUNNING  # type: ignore[union-attr]
        await driver.reboot(created.id)
        await settled(driver, created.id)
        new_credentials = driver.rebuild_sets_credentials
        await driver.rebuild(
            created.id,
            spec.image_id,
            "Another-Strong-Pass-7" if new_credentials else None,
            [KEY] if new_credentials else [],
        )
        await settled(driver, created.id)
        bigger = sorted(
            (p for p in await driver.list_plans() if p.memory_mb > 0 and p.available),
            key=lambda p: (p.memory_mb, p.disk_gb),
        )
        current = next(p for p in bigger if p.id == spec.plan_id)
        target = next(
            p
            for p in bigger
            if p.disk_gb > current.disk_gb and (p.regions is None or spec.region_id in p.regions)
        )
        await driver.resize(created.id, target.id)
        resized = await settled(driver, created.id)
        assert resized is not None and resized.plan_id == target.id
        metrics = await driver.get_metrics(created.id, 24)
        assert all(0 <= value <= 100 for _, value in metrics.cpu_percent)

        await driver.delete_instance(created.id)
        await driver.delete_instance(created.id)  # safe to repeat
        assert await settled(driver, created.id) is None

    async def test_get_instance_is_none_on_404(self, driver: Provider) -> None:
        assert await driver.get_instance("987654321") is None

    async def test_every_status_maps(
        self, driver: Provider, sim: SimulatorServer, provider_type: str
    ) -> None:
        created = await driver.create_instance(await a_spec(driver))
        for raw in spec_statuses(provider_type) + STATUSES_BEYOND_THE_SPEC[provider_type]:
            sim.set_instance_status(provider_type, int(created.id), raw)
            instance = await driver.get_instance(created.id)
            assert instance is not None and instance.raw_status == raw
            assert instance.status is not InstanceStatus.UNKNOWN, raw

    async def test_lost_create_is_left_to_the_caller(
        self, driver: Provider, sim: SimulatorServer, provider_type: str, token: str
    ) -> None:
        # The one recovery path (a quiet period, then a look by tag) is the create task's.
        path = "^/linode/instances$" if provider_type == "linode" else "^/droplets$"
        sim.inject_fault(provider_type, "lost_response", method="POST", path=path)
        sim.clear_requests()
        with pytest.raises(ProviderUnavailable) as caught:
            await driver.create_instance(await a_spec(driver))
        assert caught.value.may_have_succeeded is True
        assert len(sim.instances(provider_type, token=token)) == 1
        assert sim.request_count(provider_type, "GET", path.strip("^$")) == 0

    async def test_429_is_waited_out(
        self, driver: Provider, sim: SimulatorServer, provider_type: str
    ) -> None:
        sim.inject_fault(provider_type, "rate_limit", method="GET")
        assert await driver.list_regions()
        assert driver.transport.rate_limited_responses == 1  # type: ignore[attr-defined]

    async def test_verify_full_access(self, driver: Provider) -> None:
        result = await driver.verify()
        assert result.permissions.read is True
        assert result.permissions.write in (True, None)
        assert result.permissions.missing == []

    async def test_verify_read_only_and_invalid_tokens(
        self, sim: SimulatorServer, provider_type: str, http: httpx.AsyncClient
    ) -> None:
        readonly = make_driver(sim, provider_type, http, f"readonly-{uuid4().hex}")
        permissions = (await readonly.verify()).permissions
        assert permissions.read is True
        assert permissions.write is False
        assert permissions.missing == [
            "linodes:read_write" if provider_type == "linode" else "tag:create"
        ]
        with pytest.raises(ProviderAuthError):
            await make_driver(sim, provider_type, http, "invalid-token").verify()

    async def test_read_only_token_cannot_create(
        self, sim: SimulatorServer, provider_type: str, http: httpx.AsyncClient
    ) -> None:
        readonly_token = f"readonly-{uuid4().hex}"
        readonly = make_driver(sim, provider_type, http, readonly_token)
        with pytest.raises(ProviderPermissionError) as caught:
            await readonly.create_instance(await a_spec(readonly, ssh_public_keys=[]))
        assert caught.value.missing_permission
        assert sim.instances(provider_type, token=readonly_token) == []

    @pytest.mark.parametrize(
        ("changes", "field"),
        [
            ({"plan_id": "no-such-plan"}, "plan_id"),
            ({"region_id": "no-such-region"}, "region_id"),
            ({"image_id": "no-such-image"}, "image_id"),
            ({"label": "not a hostname!"}, "label"),
            ({"root_pass": "password"}, "root_pass"),
            ({"ssh_public_keys": ["ssh-rsa AAAA-broken"]}, "ssh_public_keys"),
        ],
    )
    async def test_bad_input_names_the_field_and_creates_nothing(
        self,
        driver: Provider,
        sim: SimulatorServer,
        provider_type: str,
        token: str,
        changes: dict[str, Any],
        field: str,
    ) -> None:
        with pytest.raises(ProviderValidationError) as caught:
            await driver.create_instance(await a_spec(driver, **changes))
        assert caught.value.field == field
        assert sim.instances(provider_type, token=token) == []


class TestRateLimitBurst:
    CREATES = 100
    LIMIT = 10
    WINDOW_S = 0.5

    @pytest.mark.parametrize("provider_type", ["linode"])
    async def test_100_creates_slow_down_before_the_provider_says_429(
        self, sim: SimulatorServer, http: httpx.AsyncClient, token: str
    ) -> None:
        limits = default_limits("linode").with_limit(
            "linode_create", max_requests=self.LIMIT, window_s=self.WINDOW_S
        )
        sim.configure(
            rate_limits={
                "linode": {"create": {"limit": self.LIMIT, "window_seconds": self.WINDOW_S}}
            }
        )
        try:
            driver = make_driver(sim, "linode", http, token, limits=limits)
            spec = await a_spec(driver)
            sim.clear_requests()
            started = time.monotonic()
            created = await asyncio.gather(
                *(
                    driver.create_instance(replace(spec, instance_id=uuid4()))
                    for _ in range(self.CREATES)
                )
            )
            elapsed_s = time.monotonic() - started
        finally:
            sim.configure(rate_limits={"linode": {"create": {"limit": 10, "window_seconds": 30}}})
        minimum_s = (self.CREATES / self.LIMIT - 1) * self.WINDOW_S
        rate_limited = driver.transport.rate_limited_responses  # type: ignore[attr-defined]
        print(
            f"\n{self.CREATES} creates, limit {self.LIMIT}/{self.WINDOW_S}s: "
            f"{elapsed_s:.2f}s (minimum {minimum_s:.2f}s), 429s seen by transport: {rate_limited}, "
            f"POSTs received: {sim.request_count('linode', 'POST', '/linode/instances')}"
        )
        assert len({instance.id for instance in created}) == self.CREATES
        assert len(sim.instances("linode", token=token)) == self.CREATES
        assert rate_limited <= 1
        assert minimum_s <= elapsed_s < 2 * minimum_s
