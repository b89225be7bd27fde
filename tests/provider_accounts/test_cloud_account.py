"""A provider account stays bound to the cloud account its servers live in (issue 8 #9).

In the simulator `NAME~x` is a second key of account `NAME`, so a test can present a key of the
same account or of another one.
"""

from __future__ import annotations

import uuid

import pytest
from httpx import AsyncClient

from tests.factories import create_committed_user
from tests.provider_accounts.support import base_url, connect, error_of, new_token
from vpspanel.instances.models import VpsInstance
from vpspanel.provider_accounts.models import ServiceProvider
from vpspanel.security.secrets import provider_key_context
from vpspanel.simulator.testing import SimulatorServer
from vpspanel.state import AppState

PROVIDER_TYPES = ["linode", "digitalocean"]


async def add_live_instance(state: AppState, provider_id: str) -> None:
    _, organization = await create_committed_user(state)
    async with state.sessionmaker() as db, db.begin():
        db.add(
            VpsInstance(
                organization_id=organization.id,
                provider_id=uuid.UUID(provider_id),
                provider_instance_id="1",
                label="web-1",
                status="running",
                region="us-east",
                image="linode/debian12",
            )
        )


async def stored(state: AppState, provider_id: str) -> ServiceProvider:
    async with state.read_sessionmaker() as db:
        row = await db.get(ServiceProvider, uuid.UUID(provider_id))
    assert row is not None
    return row


def stored_key(state: AppState, row: ServiceProvider) -> str:
    return state.secret_box.decrypt(row.api_key_encrypted, context=provider_key_context(row.id))


@pytest.mark.parametrize("provider_type", PROVIDER_TYPES)
class TestRotation:
    async def test_the_cloud_account_is_recorded_on_connect(
        self, client: AsyncClient, admin: dict[str, str], sim: SimulatorServer, provider_type: str
    ) -> None:
        first = await connect(client, admin, sim, provider_type)
        second = await connect(client, admin, sim, provider_type)
        assert first["cloud_account_id"]
        assert (
            second["cloud_account_id"] and second["cloud_account_id"] != first["cloud_account_id"]
        )

    async def test_a_key_of_the_same_account_is_taken(
        self,
        client: AsyncClient,
        admin: dict[str, str],
        sim: SimulatorServer,
        state: AppState,
        provider_type: str,
    ) -> None:
        token = new_token()
        provider = await connect(client, admin, sim, provider_type, token=token)
        await add_live_instance(state, provider["id"])
        rotated = await client.post(
            f"/api/admin/providers/{provider['id']}/api-key",
            json={"api_key": token + "~second"},
            headers=admin,
        )
        assert rotated.status_code == 200, rotated.text
        assert rotated.json()["provider"]["cloud_account_id"] == provider["cloud_account_id"]
        assert stored_key(state, await stored(state, provider["id"])) == token + "~second"

    async def test_a_key_of_another_account_is_refused_while_servers_live(
        self,
        client: AsyncClient,
        admin: dict[str, str],
        sim: SimulatorServer,
        state: AppState,
        provider_type: str,
    ) -> None:
        token = new_token()
        provider = await connect(client, admin, sim, provider_type, token=token)
        await add_live_instance(state, provider["id"])
        for body in (
            {"api_key": new_token()},
            {"api_key": new_token(), "allow_account_change": True},
        ):
            refused = await client.post(
                f"/api/admin/providers/{provider['id']}/api-key", json=body, headers=admin
            )
            assert refused.status_code == 422, refused.text
            assert error_of(refused) == "different_account"
            assert refused.json()["fields"][0]["field"] == "api_key"
            assert "1 server" in refused.json()["detail"]
        assert stored_key(state, await stored(state, provider["id"])) == token

    async def test_another_account_needs_allow_account_change_when_no_server_lives(
        self,
        client: AsyncClient,
        admin: dict[str, str],
        sim: SimulatorServer,
        state: AppState,
        provider_type: str,
    ) -> None:
        provider = await connect(client, admin, sim, provider_type)
        path = f"/api/admin/providers/{provider['id']}/api-key"
        other = new_token()
        refused = await client.post(path, json={"api_key": other}, headers=admin)
        assert refused.status_code == 422
        assert error_of(refused) == "different_account"
        assert "allow_account_change" in refused.json()["detail"]

        allowed = await client.post(
            path, json={"api_key": other, "allow_account_change": True}, headers=admin
        )
        assert allowed.status_code == 200, allowed.text
        assert allowed.json()["provider"]["cloud_account_id"] != provider["cloud_account_id"]
        assert stored_key(state, await stored(state, provider["id"])) == other

    async def test_a_new_url_with_another_accounts_key_is_refused(
        self,
        client: AsyncClient,
        admin: dict[str, str],
        sim: SimulatorServer,
        state: AppState,
        provider_type: str,
    ) -> None:
        token = new_token()
        provider = await connect(client, admin, sim, provider_type, token=token)
        await add_live_instance(state, provider["id"])
        # The same simulator under another name: a new address as far as the panel knows.
        new_url = base_url(sim, provider_type).replace("127.0.0.1", "localhost")
        path = f"/api/admin/providers/{provider['id']}"
        refused = await client.patch(
            path, json={"api_base_url": new_url, "api_key": new_token()}, headers=admin
        )
        assert refused.status_code == 422, refused.text
        assert error_of(refused) == "different_account"
        assert (await stored(state, provider["id"])).api_base_url == base_url(sim, provider_type)

        moved = await client.patch(
            path, json={"api_base_url": new_url, "api_key": token + "~2"}, headers=admin
        )
        assert moved.status_code == 200, moved.text
        row = await stored(state, provider["id"])
        assert (row.api_base_url, stored_key(state, row)) == (new_url, token + "~2")


async def test_an_account_connected_before_the_identity_was_recorded_learns_it_from_the_old_key(
    client: AsyncClient, admin: dict[str, str], sim: SimulatorServer, state: AppState
) -> None:
    token = new_token()
    provider = await connect(client, admin, sim, "linode", token=token)
    async with state.sessionmaker() as db, db.begin():
        row = await db.get(ServiceProvider, uuid.UUID(provider["id"]))
        assert row is not None
        row.cloud_account_id = None
    await add_live_instance(state, provider["id"])
    path = f"/api/admin/providers/{provider['id']}/api-key"
    refused = await client.post(path, json={"api_key": new_token()}, headers=admin)
    assert error_of(refused) == "different_account"
    taken = await client.post(path, json={"api_key": token + "~2"}, headers=admin)
    assert taken.status_code == 200, taken.text
    assert (await stored(state, provider["id"])).cloud_account_id == provider["cloud_account_id"]


async def test_the_simulator_gives_every_key_of_an_account_one_identity(
    sim: SimulatorServer,
) -> None:
    async with AsyncClient() as http:
        answers = [
            await http.get(
                sim.linode_url + "/profile", headers={"Authorization": f"Bearer {token}"}
            )
            for token in ("acct-a", "acct-a~2", "acct-b")
        ]
    ids = [answer.headers["X-Customer-UUID"] for answer in answers]
    assert ids[0] == ids[1] != ids[2]
