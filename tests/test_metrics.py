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
from vpspanel.metrics import endpoint_template
from vpspanel.providers.validation import ssh_fingerprint_md5
from vpspanel.state import AppState

TOKEN = "scrape-token-0123456789"
PUBLIC_KEY = (
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIP71BkG4a7ZCR5AUhtgitpPEpM0sdYeoaf+6RD8hjKZf me@laptop"
)


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

    async def test_the_bearer_scheme_is_case_insensitive(self, guarded_client: AsyncClient) -> None:
        for scheme in ("bearer", "BEARER", "bEaReR"):
            response = await guarded_client.get(
                "/metrics", headers={"Authorization": f"{scheme} {TOKEN}"}
            )
            assert response.status_code == 200, scheme
        wrong_scheme = await guarded_client.get(
            "/metrics", headers={"Authorization": f"Basic {TOKEN}"}
        )
        assert wrong_scheme.status_code == 401


class TestEndpointLabels:
    """Paths as the drivers build them: values in them never become label values."""

    def test_ssh_key_fingerprints_are_templated(self) -> None:
        md5 = ssh_fingerprint_md5(PUBLIC_KEY)  # DigitalOcean: GET /account/keys/{fingerprint}
        assert ":" in md5
        assert endpoint_template(f"/account/keys/{md5}") == "/account/keys/{id}"
        sha256 = "SHA256:" + "n0nS/ecr3t+Base64Fingerpr1ntOfTheKeyAbCdEfG"
        assert endpoint_template(f"/account/keys/{sha256}") == "/account/keys/{id}"
        assert endpoint_template(f"/account/keys/{sha256}/x") == "/account/keys/{id}/x"

    def test_escaped_and_colon_segments_are_templated(self) -> None:
        assert endpoint_template("/account/keys/SHA256%3Aabc%2Fdef") == "/account/keys/{id}"
        assert endpoint_template("/tags/vpspanel:instance") == "/tags/{id}"

    def test_addresses_are_templated(self) -> None:
        assert endpoint_template("/v2/reserved_ips/203.0.113.7/actions") == (
            "/v2/reserved_ips/{id}/actions"
        )
        assert endpoint_template("/v4/networking/ips/2600:3c01::f03c:91ff:fe24:3a2f") == (
            "/v4/networking/ips/{id}"
        )

    def test_fixed_paths_of_both_drivers_are_kept(self) -> None:
        for path in (
            "/linode/instances",
            "/account/events",
            "/profile/grants",
            "/linode/types",
            "/droplets",
            "/monitoring/metrics/droplet",
            "/account/keys",
        ):
            assert endpoint_template(path) == path
        assert endpoint_template("/linode/instances/123/stats/2026/12") == (
            "/linode/instances/{id}/stats/{id}/{id}"
        )
        assert endpoint_template("/droplets/42/actions") == "/droplets/{id}/actions"


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
