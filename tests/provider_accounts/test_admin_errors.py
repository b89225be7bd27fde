"""Configuration mistakes in an account's API base URL are named to the admin (issue 8 #15).

A wrong port or a URL missing its path used to answer 503 "Try again shortly" / 502: both
mistakes of the admin's own, which no waiting fixes. Admin routes that configure an account now
answer 422 `invalid_api_base_url` on field `api_base_url` with the specific reason, and the
connection test carries it; customers keep the neutral text."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from httpx import AsyncClient, Response

from tests.instances.support import create_offer, deploy_body
from tests.provider_accounts.support import base_url, connect, error_of, new_token
from vpspanel.errors import ProviderFailed, ProviderUnavailable
from vpspanel.provider_accounts.models import ServiceProvider
from vpspanel.simulator.testing import SimulatorServer
from vpspanel.state import AppState

PATHS = {"linode": "/v4", "digitalocean": "/v2"}


def without_path(url: str) -> str:
    """The simulator's API URL with its version path cut off (".../linode/v4" -> ".../linode")."""
    return url.rsplit("/", 1)[0]


def assert_names_the_url(response: Response, *expected: str) -> None:
    assert response.status_code == 422, response.text
    body: dict[str, Any] = response.json()
    assert error_of(response) == "invalid_api_base_url"
    assert body["fields"][0]["field"] == "api_base_url"
    for text in expected:
        assert text in body["detail"], body["detail"]
        assert text in body["fields"][0]["message"]


async def create(
    client: AsyncClient, admin: dict[str, str], provider_type: str, url: str
) -> Response:
    token = new_token()
    response = await client.post(
        "/api/admin/providers",
        json={"name": "Mine", "type": provider_type, "api_key": token, "api_base_url": url},
        headers=admin,
    )
    assert token not in response.text
    return response


@pytest.mark.parametrize("provider_type", ["linode", "digitalocean"])
class TestAdminIsToldWhatIsWrong:
    async def test_create_with_a_wrong_port_names_the_refused_address(
        self, client: AsyncClient, admin: dict[str, str], closed_port_url: str, provider_type: str
    ) -> None:
        response = await create(client, admin, provider_type, closed_port_url)
        port = closed_port_url.split(":")[2].split("/")[0]
        assert_names_the_url(response, f"connection refused at 127.0.0.1:{port}")

    async def test_create_with_the_path_missing_asks_for_the_path(
        self, client: AsyncClient, admin: dict[str, str], sim: SimulatorServer, provider_type: str
    ) -> None:
        url = without_path(base_url(sim, provider_type))
        response = await create(client, admin, provider_type, url)
        assert_names_the_url(response, "answered 404", f"is the path {PATHS[provider_type]}")

    async def test_moving_to_a_wrong_port_names_the_refused_address(
        self,
        client: AsyncClient,
        admin: dict[str, str],
        sim: SimulatorServer,
        closed_port_url: str,
        provider_type: str,
    ) -> None:
        token = new_token()
        provider = await connect(client, admin, sim, provider_type, token=token)
        response = await client.patch(
            f"/api/admin/providers/{provider['id']}",
            json={"api_base_url": closed_port_url, "api_key": token},
            headers=admin,
        )
        assert_names_the_url(response, "connection refused at 127.0.0.1:")
        assert token not in response.text

    async def test_rotating_a_key_of_an_account_whose_path_is_gone_names_the_path(
        self,
        client: AsyncClient,
        admin: dict[str, str],
        sim: SimulatorServer,
        state: AppState,
        provider_type: str,
    ) -> None:
        provider = await connect(client, admin, sim, provider_type)
        await set_stored_url(state, provider["id"], without_path(base_url(sim, provider_type)))
        token = new_token()
        response = await client.post(
            f"/api/admin/providers/{provider['id']}/api-key",
            json={"api_key": token},
            headers=admin,
        )
        assert_names_the_url(response, f"is the path {PATHS[provider_type]}")
        assert token not in response.text

    async def test_connection_test_carries_the_reason(
        self,
        client: AsyncClient,
        admin: dict[str, str],
        sim: SimulatorServer,
        state: AppState,
        closed_port_url: str,
        provider_type: str,
    ) -> None:
        provider = await connect(client, admin, sim, provider_type)
        await set_stored_url(state, provider["id"], closed_port_url)
        tested = await client.post(f"/api/admin/providers/{provider['id']}/test", headers=admin)
        assert tested.status_code == 200, tested.text
        assert tested.json()["ok"] is False
        assert "connection refused at 127.0.0.1:" in tested.json()["error"]

        await set_stored_url(state, provider["id"], without_path(base_url(sim, provider_type)))
        tested = await client.post(f"/api/admin/providers/{provider['id']}/test", headers=admin)
        assert f"is the path {PATHS[provider_type]}" in tested.json()["error"]


@pytest.mark.parametrize("provider_type", ["linode", "digitalocean"])
@pytest.mark.parametrize("mistake", ["wrong_port", "missing_path"])
async def test_customers_keep_the_neutral_text(
    client: AsyncClient,
    customer: dict[str, str],
    sim: SimulatorServer,
    state: AppState,
    closed_port_url: str,
    provider_type: str,
    mistake: str,
) -> None:
    offer = await create_offer(state, sim, provider_type)
    broken = (
        closed_port_url if mistake == "wrong_port" else without_path(base_url(sim, provider_type))
    )
    await set_stored_url(state, str(offer.account.id), broken)
    images = await client.get(f"/api/vps/images?plan={offer.small.id}", headers=customer)
    deploy = await client.post(
        "/api/vps", json=deploy_body(offer, "ubuntu-24.04"), headers=customer
    )
    neutral = {ProviderUnavailable.default_detail, ProviderFailed.default_detail}
    for response in (images, deploy):
        assert response.status_code in (502, 503), response.text
        assert response.json()["detail"] in neutral
        assert not response.json().get("fields")
        for admin_only in ("refused", "127.0.0.1", "404", "/v4", "/v2", "api_base_url"):
            assert admin_only not in response.text


async def set_stored_url(state: AppState, provider_id: str, url: str) -> None:
    """The account's URL broke after it was connected (PATCH would refuse a wrong one now)."""
    async with state.sessionmaker() as db, db.begin():
        row = await db.get(ServiceProvider, uuid.UUID(provider_id))
        assert row is not None
        row.api_base_url = url
