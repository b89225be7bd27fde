"""Input rules of the provider-account API: where the stored key may be sent, timezones,
lengths, names, and the shape of a failed test."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from httpx import AsyncClient
from pydantic import BaseModel, ValidationError

from tests.provider_accounts.support import base_url, connect, error_of, new_token
from vpspanel.catalog.schemas import PlanUpdateIn
from vpspanel.provider_accounts.models import ServiceProvider
from vpspanel.provider_accounts.schemas import ProviderUpdateIn
from vpspanel.simulator.testing import SimulatorServer
from vpspanel.state import AppState


def field_of(response: Any) -> str:
    field: str = response.json()["fields"][0]["field"]
    return field


async def stored_url(state: AppState, provider_id: str) -> str | None:
    async with state.read_sessionmaker() as db:
        row = await db.get(ServiceProvider, uuid.UUID(provider_id))
        assert row is not None
        return row.api_base_url


class TestBaseUrlChange:
    async def test_new_url_is_checked_with_the_key_sent_along_before_it_is_saved(
        self, client: AsyncClient, admin: dict[str, str], sim: SimulatorServer, state: AppState
    ) -> None:
        token = new_token()
        provider = await connect(client, admin, sim, "linode", token=token)
        # The same simulator under another name: a new address as far as the panel knows.
        new_url = sim.linode_url.replace("127.0.0.1", "localhost")
        before = sim.request_count("linode", "GET", "/profile")
        moved = await client.patch(
            f"/api/admin/providers/{provider['id']}",
            json={"api_base_url": new_url + "/", "api_key": token},
            headers=admin,
        )
        assert moved.status_code == 200, moved.text
        assert sim.request_count("linode", "GET", "/profile") == before + 1
        assert await stored_url(state, provider["id"]) == new_url

    async def test_the_same_url_written_differently_is_no_move(
        self, client: AsyncClient, admin: dict[str, str], sim: SimulatorServer, state: AppState
    ) -> None:
        provider = await connect(client, admin, sim, "linode")
        before = sim.request_count("linode", "GET", "/profile")
        same = await client.patch(
            f"/api/admin/providers/{provider['id']}",
            json={"api_base_url": sim.linode_url + "/"},
            headers=admin,
        )
        assert same.status_code == 200, same.text
        assert sim.request_count("linode", "GET", "/profile") == before

    async def test_unreachable_url_is_refused_and_not_saved(
        self,
        client: AsyncClient,
        admin: dict[str, str],
        sim: SimulatorServer,
        state: AppState,
        closed_port_url: str,
    ) -> None:
        token = new_token()
        provider = await connect(client, admin, sim, "linode", token=token)
        response = await client.patch(
            f"/api/admin/providers/{provider['id']}",
            json={"api_base_url": closed_port_url, "name": "renamed", "api_key": token},
            headers=admin,
        )
        assert response.status_code == 422
        assert error_of(response) == "invalid_api_base_url"
        assert await stored_url(state, provider["id"]) == base_url(sim, "linode")

    async def test_url_of_another_api_that_rejects_the_key_is_refused(
        self, client: AsyncClient, admin: dict[str, str], sim: SimulatorServer, state: AppState
    ) -> None:
        token = new_token()
        provider = await connect(client, admin, sim, "linode", token=token)
        # The DigitalOcean API does not know this Linode path: the key cannot be verified there.
        response = await client.patch(
            f"/api/admin/providers/{provider['id']}",
            json={"api_base_url": sim.digitalocean_url, "api_key": token},
            headers=admin,
        )
        assert response.status_code >= 400
        assert await stored_url(state, provider["id"]) == base_url(sim, "linode")


class TestBaseUrlRules:
    @pytest.mark.parametrize(
        "url", ["http://example.com/v4", "http://10.0.0.1/v4", "ftp://127.0.0.1/v4"]
    )
    async def test_plain_http_off_loopback_is_refused_on_create_and_patch(
        self, client: AsyncClient, admin: dict[str, str], sim: SimulatorServer, url: str
    ) -> None:
        created = await client.post(
            "/api/admin/providers",
            json={"name": "x", "type": "linode", "api_key": new_token(), "api_base_url": url},
            headers=admin,
        )
        assert created.status_code == 422
        assert field_of(created) == "api_base_url"
        provider = await connect(client, admin, sim, "linode")
        patched = await client.patch(
            f"/api/admin/providers/{provider['id']}", json={"api_base_url": url}, headers=admin
        )
        assert patched.status_code == 422
        assert field_of(patched) == "api_base_url"

    @pytest.mark.parametrize(
        "url",
        [
            "https://api.linode.com/v4",
            "http://127.0.0.1:8080/v4",
            "http://127.9.9.9/v4",
            "http://localhost:8080/v2",
            "http://[::1]:8080/v2",
        ],
    )
    def test_https_or_loopback_is_accepted(self, url: str) -> None:
        assert ProviderUpdateIn(api_base_url=url).api_base_url is not None  # type: ignore[arg-type]

    @pytest.mark.parametrize("url", ["http://192.168.1.1/v4", "http://localhost.example.com/v4"])
    def test_other_hosts_need_https(self, url: str) -> None:
        with pytest.raises(ValidationError):
            ProviderUpdateIn(api_base_url=url)  # type: ignore[arg-type]

    async def test_url_longer_than_the_column_is_422(
        self, client: AsyncClient, admin: dict[str, str], sim: SimulatorServer
    ) -> None:
        url = "https://api.example.com/" + "a" * 500
        created = await client.post(
            "/api/admin/providers",
            json={"name": "x", "type": "linode", "api_key": new_token(), "api_base_url": url},
            headers=admin,
        )
        assert created.status_code == 422
        assert field_of(created) == "api_base_url"
        provider = await connect(client, admin, sim, "linode")
        patched = await client.patch(
            f"/api/admin/providers/{provider['id']}", json={"api_base_url": url}, headers=admin
        )
        assert patched.status_code == 422
        assert field_of(patched) == "api_base_url"


class TestTimezones:
    async def test_key_expiry_without_timezone_is_422_on_create(
        self, client: AsyncClient, admin: dict[str, str], sim: SimulatorServer
    ) -> None:
        response = await client.post(
            "/api/admin/providers",
            json={
                "name": "x",
                "type": "linode",
                "api_key": new_token(),
                "api_base_url": sim.linode_url,
                "key_expires_at": "2030-01-01T00:00:00",
            },
            headers=admin,
        )
        assert response.status_code == 422
        assert field_of(response) == "key_expires_at"

    async def test_key_expiry_without_timezone_is_422_on_rotation(
        self, client: AsyncClient, admin: dict[str, str], sim: SimulatorServer
    ) -> None:
        provider = await connect(client, admin, sim, "linode")
        response = await client.post(
            f"/api/admin/providers/{provider['id']}/api-key",
            json={"api_key": new_token(), "expires_at": "2030-01-01T00:00:00"},
            headers=admin,
        )
        assert response.status_code == 422
        assert field_of(response) == "expires_at"

    async def test_key_expiry_with_an_offset_is_stored_in_utc(
        self, client: AsyncClient, admin: dict[str, str], sim: SimulatorServer
    ) -> None:
        token = new_token()
        provider = await connect(client, admin, sim, "linode", token=token)
        response = await client.post(
            f"/api/admin/providers/{provider['id']}/api-key",
            json={"api_key": token + "~2", "expires_at": "2030-01-01T02:00:00+02:00"},
            headers=admin,
        )
        assert response.status_code == 200, response.text
        expires = response.json()["provider"]["key_expires_at"]
        assert expires.startswith("2030-01-01T00:00:00")


class TestNames:
    @pytest.mark.parametrize("model", [ProviderUpdateIn, PlanUpdateIn])
    @pytest.mark.parametrize("name", ["bad\u0000name", "\ud800x", "bell\u0007"])
    def test_names_refuse_control_characters_and_surrogates(
        self, model: type[BaseModel], name: str
    ) -> None:
        # NUL is also refused at the app's door; the model refuses it wherever it is used.
        with pytest.raises(ValidationError) as raised:
            model.model_validate({"name": name})
        assert raised.value.errors()[0]["loc"] == ("name",)

    @pytest.mark.parametrize("name", ["two\nlines", "tab\there"])
    async def test_control_characters_in_a_provider_name_are_422(
        self, client: AsyncClient, admin: dict[str, str], sim: SimulatorServer, name: str
    ) -> None:
        created = await client.post(
            "/api/admin/providers",
            json={
                "name": name,
                "type": "linode",
                "api_key": new_token(),
                "api_base_url": sim.linode_url,
            },
            headers=admin,
        )
        assert created.status_code == 422
        assert field_of(created) == "name"
        provider = await connect(client, admin, sim, "linode")
        patched = await client.patch(
            f"/api/admin/providers/{provider['id']}", json={"name": name}, headers=admin
        )
        assert patched.status_code == 422
        assert field_of(patched) == "name"


class TestFailedTestShape:
    async def test_failure_still_returns_objects(
        self, client: AsyncClient, admin: dict[str, str], sim: SimulatorServer
    ) -> None:
        provider = await connect(client, admin, sim, "linode")
        sim.inject_fault("linode", "server_error", path="^/profile", status=503, times=50)
        response = await client.post(f"/api/admin/providers/{provider['id']}/test", headers=admin)
        assert response.status_code == 200
        body = response.json()
        assert body["ok"] is False
        assert body["error"]
        assert body["account"] == {}
        assert body["permissions"] == {"read": False, "write": None, "scopes": [], "missing": []}
