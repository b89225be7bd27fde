"""`/metrics` (issue 12, observability): open unless VPSPANEL_METRICS_TOKEN is set, then only
with that bearer token; instances by status counted at each scrape in one grouped query.
Operations are counted in tests/worker/test_observability.py."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient
from prometheus_client import REGISTRY
from pydantic import SecretStr

from tests.db_counts import counting
from tests.factories import create_committed_user, seed_running_servers
from vpspanel.app import create_app
from vpspanel.state import AppState

TOKEN = "scrape-token-0123456789"


@pytest.fixture
async def guarded_client(state: AppState) -> AsyncIterator[AsyncClient]:
    original = state.settings
    state.settings = original.model_copy(update={"metrics_token": SecretStr(TOKEN)})
    app: FastAPI = create_app(state=state)
    try:
        async with AsyncClient(transport=ASGITransport(app=app), base_url="http://t") as client:
            yield client
    finally:
        state.settings = original


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


class TestMetricsToken:
    async def test_without_a_token_configured_metrics_are_open(self, client: AsyncClient) -> None:
        response = await client.get("/metrics")
        assert response.status_code == 200
        assert "vpspanel_upstream_requests_total" in response.text

    async def test_with_a_token_configured_a_scrape_without_it_is_401(
        self, guarded_client: AsyncClient
    ) -> None:
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN}):
            response = await guarded_client.get("/metrics", headers=headers)
            assert response.status_code == 401, headers
            assert response.json()["error"] == "unauthenticated"
            assert TOKEN not in response.text
            assert response.headers["www-authenticate"] == "Bearer"

    async def test_with_the_token_the_scrape_answers(self, guarded_client: AsyncClient) -> None:
        response = await guarded_client.get(
            "/metrics", headers={"Authorization": f"Bearer {TOKEN}"}
        )
        assert response.status_code == 200
        assert "vpspanel_http_requests_total" in response.text


class TestInstanceCounts:
    async def test_instances_by_status_in_one_grouped_query(
        self, state: AppState, client: AsyncClient
    ) -> None:
        _, organization = await create_committed_user(state)
        await seed_running_servers(state, organization, 3)
        with counting(state.engine) as use:
            response = await client.get("/metrics")
        assert response.status_code == 200
        assert sample("vpspanel_instances", status="running") == 3
        assert 'vpspanel_instances{status="running"} 3.0' in response.text
        assert len([s for s in use.statements if "vps_instances" in s]) == 1
