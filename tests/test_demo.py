from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest
from httpx import AsyncClient

from vpspanel.demo import DEMO_ADMIN_EMAIL, seed_demo
from vpspanel.simulator.testing import SimulatorServer
from vpspanel.state import AppState


@pytest.fixture(scope="module")
def simulator() -> Iterator[SimulatorServer]:
    with SimulatorServer() as server:
        yield server


class TestDemoSeed:
    async def test_empty_database_gets_the_seed_sample_data_once(
        self,
        state: AppState,
        client: AsyncClient,
        simulator: SimulatorServer,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        monkeypatch.setenv("VPSPANEL_ADMIN_PASSWORD", "demo admin password")
        await seed_demo(state, "http://127.0.0.1:8000", simulator.base_url)
        await seed_demo(state, "http://127.0.0.1:8000", simulator.base_url)  # no duplicates

        login = await client.post(
            "/api/auth/login",
            json={"email": DEMO_ADMIN_EMAIL, "password": "demo admin password"},
        )
        assert login.status_code == 200
        headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
        providers = (await client.get("/api/admin/providers", headers=headers)).json()
        assert sorted(p["name"] for p in providers["providers"]) == [
            "Primary DigitalOcean Account",
            "Primary Linode Account",
        ]
        plans = (await client.get("/api/admin/plans", headers=headers)).json()["plans"]
        assert [p["name"] for p in plans] == ["Standard 1GB", "Standard 1GB"]
        assert {Decimal(p["markup_price"]) for p in plans} == {Decimal("2.00")}
        assert {p["provider_plan_id"] for p in plans} == {"g6-nanode-1", "s-1vcpu-1gb"}
        storefront = (await client.get("/api/vps/plans", headers=headers)).json()["plans"]
        assert len(storefront) == 2 and all(p["regions"] for p in storefront)
