"""Change feeds and full listings end to end: each driver against the simulator over loopback,
every request checked against the provider's official document."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Iterator
from uuid import uuid4

import httpx
import pytest

from tests.providers.test_contract import Recorder, a_spec, make_driver, settled
from tests.support.openapi_contract import require_specs
from vpspanel.providers.base import Provider
from vpspanel.providers.digitalocean.client import PER_PAGE
from vpspanel.providers.linode.client import PAGE_SIZE
from vpspanel.providers.types import ChangeKind
from vpspanel.simulator import ManualClock, SimulatorSettings
from vpspanel.simulator.testing import SimulatorServer

OFF = {"linode": "offline", "digitalocean": "off"}
BIGGER_PLAN = {"linode": "g6-standard-1", "digitalocean": "s-1vcpu-2gb"}
LARGEST_PAGE = {"linode": PAGE_SIZE, "digitalocean": PER_PAGE}


@pytest.fixture(scope="module")
def sim() -> Iterator[SimulatorServer]:
    require_specs()
    with SimulatorServer() as server:
        yield server


@pytest.fixture(params=["linode", "digitalocean"])
def provider_type(request: pytest.FixtureRequest) -> str:
    value: str = request.param
    return value


@pytest.fixture
async def driver(sim: SimulatorServer, provider_type: str) -> AsyncIterator[Provider]:
    recorder = Recorder()
    async with httpx.AsyncClient(
        timeout=httpx.Timeout(5.0), event_hooks={"request": [recorder]}
    ) as http:
        yield make_driver(sim, provider_type, http, f"feeds-{uuid4().hex}")
    assert recorder.validate_all(provider_type) > 0


async def a_server(driver: Provider) -> str:
    created = await driver.create_instance(await a_spec(driver))
    await settled(driver, created.id)
    return created.id


class TestChangeFeedsAgainstTheSimulator:
    async def test_an_out_of_band_power_off_is_the_next_change(
        self, driver: Provider, sim: SimulatorServer, provider_type: str
    ) -> None:
        server_id = await a_server(driver)
        start = await driver.list_changes_since(None)
        assert start.gap and start.changes == []

        sim.change_instance(provider_type, int(server_id), status=OFF[provider_type])
        sim.clear_requests()
        batch = await driver.list_changes_since(start.next_cursor)
        assert sim.request_count(provider_type) == 1
        assert not batch.gap
        assert [(c.provider_instance_id, c.kind) for c in batch.changes] == [
            (server_id, ChangeKind.POWER)
        ]

        sim.clear_requests()
        quiet = await driver.list_changes_since(batch.next_cursor)
        assert (quiet.changes, quiet.gap) == ([], False)
        assert sim.request_count(provider_type) == 1

    async def test_console_and_api_changes_arrive_in_order(
        self, driver: Provider, sim: SimulatorServer, provider_type: str
    ) -> None:
        server_id = await a_server(driver)
        other_id = await a_server(driver)
        start = await driver.list_changes_since(None)
        sim.change_instance(provider_type, int(server_id), plan=BIGGER_PLAN[provider_type])
        sim.change_instance(provider_type, int(server_id), label="renamed-in-console")
        await driver.reboot(other_id)
        await settled(driver, other_id)
        sim.delete_instance(provider_type, int(server_id))
        batch = await driver.list_changes_since(start.next_cursor)
        assert [(c.provider_instance_id, c.kind, c.finished) for c in batch.changes] == [
            (server_id, ChangeKind.RESIZED, True),
            (server_id, ChangeKind.UPDATED, True),
            (other_id, ChangeKind.POWER, True),
            (server_id, ChangeKind.DELETED, True),
        ]
        assert batch.instance_ids == [server_id, other_id]
        assert await driver.get_instance(server_id) is None

    async def test_a_silent_console_change_is_not_in_the_feed(
        self, driver: Provider, sim: SimulatorServer, provider_type: str
    ) -> None:
        server_id = await a_server(driver)
        start = await driver.list_changes_since(None)
        sim.change_instance(provider_type, int(server_id), status=OFF[provider_type], silent=True)
        batch = await driver.list_changes_since(start.next_cursor)
        assert batch.changes == []  # only the full sweep can see it


class TestChangesInProgress:
    async def test_a_shutdown_is_reported_when_it_starts_and_again_when_it_ends(
        self, provider_type: str
    ) -> None:
        require_specs()
        settings = SimulatorSettings.instant().patched({"durations": {"shutdown": 30}})
        recorder = Recorder()
        async with (
            SimulatorServer(settings, clock=ManualClock()) as sim,
            httpx.AsyncClient(timeout=5.0, event_hooks={"request": [recorder]}) as http,
        ):
            driver = make_driver(sim, provider_type, http, f"feeds-{uuid4().hex}")
            server_id = await a_server(driver)
            start = await driver.list_changes_since(None)
            await driver.shutdown(server_id)
            sim.clear_requests()
            started = await driver.list_changes_since(start.next_cursor)
            going = await driver.list_changes_since(started.next_cursor)
            sim.advance_clock(30)
            ended = await driver.list_changes_since(going.next_cursor)
            assert sim.request_count(provider_type) == 3
        assert [(c.provider_instance_id, c.finished) for c in started.changes] == [
            (server_id, False)
        ]
        assert going.changes == []
        assert [(c.provider_instance_id, c.kind, c.finished) for c in ended.changes] == [
            (server_id, ChangeKind.POWER, True)
        ]
        assert recorder.validate_all(provider_type) > 0


class TestFullListingAgainstTheSimulator:
    async def test_n_servers_cost_n_over_the_largest_page_size_requests(
        self, driver: Provider, sim: SimulatorServer, provider_type: str
    ) -> None:
        template_id = int(await a_server(driver))
        count = LARGEST_PAGE[provider_type] * 2 + 1
        with sim.state.lock:
            template = sim.state.find_instance(provider_type, template_id)  # type: ignore[arg-type]
            assert template is not None
            account = sim.state.accounts[(template.provider, template.token)]
            for offset in range(1, count):
                copy = dataclasses.replace(
                    template, id=template_id + 1_000_000 + offset, attrs=dict(template.attrs)
                )
                account.instances[copy.id] = copy
        sim.clear_requests()
        listed = await driver.list_instances()
        assert len(listed) == count
        assert sim.request_count(provider_type, method="GET") == 3  # ceil(count / page size)
