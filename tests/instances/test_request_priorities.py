"""The least urgent uses of an account's request budget say so (issue 12): a metrics graph and
the refresh of a catalog we can still serve go at `RequestPriority.LOW`; a worker step at
`CUSTOMER`; a first catalog fill (someone is waiting for the list) at `CUSTOMER`."""

from __future__ import annotations

from typing import Any

import pytest
from httpx import AsyncClient

from tests.factories import running_instance, signed_in_headers
from tests.instances.support import create_account, create_offer
from vpspanel.provider_accounts import upstream
from vpspanel.provider_accounts.upstream import UpstreamCatalog
from vpspanel.providers.digitalocean.driver import DigitalOceanProvider
from vpspanel.providers.http import REQUEST_PRIORITY, RequestPriority, request_priority
from vpspanel.simulator.testing import SimulatorServer
from vpspanel.state import AppState
from vpspanel.worker.runner import Worker


class TestCallSitePriorities:
    async def test_a_metrics_graph_asks_at_low_priority_and_a_step_at_customer(
        self,
        fast_state: AppState,
        client: AsyncClient,
        sim: SimulatorServer,
        worker: Worker,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        seen: dict[str, RequestPriority] = {}
        get_metrics = DigitalOceanProvider.get_metrics
        get_instance = DigitalOceanProvider.get_instance

        async def recording_metrics(self: DigitalOceanProvider, *args: Any) -> Any:
            seen["metrics"] = REQUEST_PRIORITY.get()
            return await get_metrics(self, *args)

        async def recording_read(self: DigitalOceanProvider, *args: Any) -> Any:
            seen["step"] = REQUEST_PRIORITY.get()
            return await get_instance(self, *args)

        monkeypatch.setattr(DigitalOceanProvider, "get_metrics", recording_metrics)
        monkeypatch.setattr(DigitalOceanProvider, "get_instance", recording_read)
        offer = await create_offer(fast_state, sim, "digitalocean")
        headers, _, _ = await signed_in_headers(fast_state, client)
        with request_priority(RequestPriority.LOW):  # a worker step sets its own
            instance = await running_instance(client, headers, offer, worker)
        assert seen["step"] is RequestPriority.CUSTOMER
        response = await client.get(f"/api/vps/{instance['id']}/metrics?period=1h", headers=headers)
        assert response.status_code == 200, response.text
        assert seen["metrics"] is RequestPriority.LOW

    async def test_a_catalog_refresh_is_low_and_a_first_fill_is_not(
        self, fast_state: AppState, sim: SimulatorServer, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        account, _ = await create_account(fast_state, sim, "linode")
        priorities: list[RequestPriority] = []
        fetch_plans = upstream._FETCHERS["plans"]

        async def recording_fetch(provider: Any) -> Any:
            priorities.append(REQUEST_PRIORITY.get())
            return await fetch_plans(provider)

        monkeypatch.setitem(upstream._FETCHERS, "plans", recording_fetch)
        catalog = UpstreamCatalog(fast_state)
        await catalog.plans(account)
        await catalog.plans(account, force=True)
        assert priorities == [RequestPriority.CUSTOMER, RequestPriority.LOW]
