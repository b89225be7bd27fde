"""Metrics cover the period asked for, at a resolution that fits it, and only the history a
server really has: 24 h at 5 minutes (288 points), 7 d at 15 minutes (672), 30 d at an hour
(720). Linode's longer periods come from `/stats/{year}/{month}`."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Iterator

import pytest
from httpx import AsyncClient

from tests.factories import running_instance, signed_in_headers
from tests.instances.support import ROOT_PASS, create_offer
from tests.providers.support import FakeClock
from vpspanel.providers.base import Provider
from vpspanel.providers.http import RateBudgets
from vpspanel.providers.registry import get_provider
from vpspanel.providers.types import CreateInstanceSpec
from vpspanel.simulator import ManualClock
from vpspanel.simulator.testing import SimulatorServer
from vpspanel.state import AppState
from vpspanel.worker.runner import Worker

DAY_S = 86_400
PLANS = {"linode": ("g6-nanode-1", "us-east", "linode/ubuntu22.04")}
PLANS["digitalocean"] = ("s-1vcpu-1gb", "nyc3", "ubuntu-22-04-x64")
PERIODS = [
    pytest.param(24, 300, 288, id="24h"),
    pytest.param(24 * 7, 900, 672, id="7d"),
    pytest.param(24 * 30, 3600, 720, id="30d"),
]


@pytest.fixture(scope="module")
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture(scope="module")
def aged_sim(clock: ManualClock) -> Iterator[SimulatorServer]:
    with SimulatorServer(clock=clock) as server:
        yield server


async def _server_aged_40_days(
    sim: SimulatorServer, clock: ManualClock, provider_type: str
) -> tuple[Provider, str]:
    created_at = clock.now()
    driver = get_provider(
        provider_type,
        api_key=f"metrics-{uuid.uuid4().hex}",
        base_url=sim.linode_url if provider_type == "linode" else sim.digitalocean_url,
        clock=FakeClock(wall_start=created_at),
        budgets=RateBudgets(),
    )
    plan, region, image = PLANS[provider_type]
    created = await driver.create_instance(
        CreateInstanceSpec(
            instance_id=uuid.uuid4(),
            label="metrics-1",
            plan_id=plan,
            region_id=region,
            image_id=image,
            root_pass=ROOT_PASS,
        )
    )
    sim.advance_clock(40 * DAY_S)
    driver.transport.clock.elapsed += 40 * DAY_S  # type: ignore[attr-defined]
    return driver, created.id


class TestMetricsPeriods:
    @pytest.mark.parametrize(("hours", "resolution_s", "points"), PERIODS)
    async def test_linode_periods_have_their_span_and_resolution(
        self,
        hours: int,
        resolution_s: int,
        points: int,
        aged_sim: SimulatorServer,
        clock: ManualClock,
    ) -> None:
        driver, server_id = await _server_aged_40_days(aged_sim, clock, "linode")

        metrics = await driver.get_metrics(server_id, hours)

        assert metrics.window is not None
        assert metrics.window.end_s - metrics.window.start_s == hours * 3600
        assert metrics.window.resolution_s == resolution_s
        for series in (metrics.cpu_percent, metrics.network_in_bps, metrics.network_out_bps):
            assert len(series) in (points, points - 1)  # the slot "now" falls in may be empty
            assert {b[0] - a[0] for a, b in itertools.pairwise(series)} == {resolution_s}
            assert series[0][0] >= metrics.window.start_s

    @pytest.mark.parametrize(("hours", "resolution_s", "points"), PERIODS)
    async def test_digitalocean_cpu_and_network_cover_the_period(
        self,
        hours: int,
        resolution_s: int,
        points: int,
        aged_sim: SimulatorServer,
        clock: ManualClock,
    ) -> None:
        driver, server_id = await _server_aged_40_days(aged_sim, clock, "digitalocean")

        metrics = await driver.get_metrics(server_id, hours)

        assert metrics.window is not None and metrics.window.resolution_s == resolution_s
        for series in (metrics.cpu_percent, metrics.network_in_bps, metrics.network_out_bps):
            # DigitalOcean chooses its own sample spacing (about 300 per query): never finer
            # than ours, and spread over the whole period.
            assert 0 < len(series) <= points
            assert all(t % resolution_s == 0 for t, _ in series)
            assert series[0][0] - metrics.window.start_s < hours * 3600 / 100
            assert metrics.window.end_s - series[-1][0] < hours * 3600 / 100
        assert all(0 <= value <= 100 for _, value in metrics.cpu_percent)

    @pytest.mark.parametrize("provider_type", ["linode", "digitalocean"])
    async def test_a_new_server_shows_only_its_own_history(
        self,
        provider_type: str,
        fast_state: AppState,
        client: AsyncClient,
        sim: SimulatorServer,
        worker: Worker,
    ) -> None:
        offer = await create_offer(fast_state, sim, provider_type)
        headers, _, _ = await signed_in_headers(fast_state, client)
        instance = await running_instance(client, headers, offer, worker)

        for period, resolution_s in (("24h", 300), ("7d", 900), ("30d", 3600)):
            response = await client.get(
                f"/api/vps/{instance['id']}/metrics?period={period}", headers=headers
            )
            assert response.status_code == 200, response.text
            metrics = response.json()["metrics"]
            assert metrics["resolution_seconds"] == resolution_s
            assert metrics["end"] - metrics["start"] == int(period[:-1]) * (
                3600 if period.endswith("h") else DAY_S
            )
            # Minutes old: at most the slot it was created in, never a day of invented data.
            for name in ("cpu", "network_in", "network_out"):
                assert len(metrics[name]) <= 2, (period, name, metrics[name])
