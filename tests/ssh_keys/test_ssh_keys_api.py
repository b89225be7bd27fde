"""Saved SSH keys (issue 10): checked as deploy checks keys, one per fingerprint per user,
private to their user, and installed by deploy and rebuild through `ssh_key_ids`."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from httpx import AsyncClient

from tests.factories import running_instance, signed_in_headers
from tests.instances.support import (
    SSH_KEY,
    STRONG_PASS,
    create_offer,
    deploy_body,
    pick_image,
    wait_for_status,
)
from vpspanel.instances.models import VpsInstance
from vpspanel.providers.linode.driver import LinodeProvider
from vpspanel.providers.validation import parse_ssh_public_key
from vpspanel.simulator.testing import SimulatorServer
from vpspanel.state import AppState
from vpspanel.worker.runner import Worker

SECOND_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl me@x"
FINGERPRINT = parse_ssh_public_key(SSH_KEY).fingerprint_sha256


async def save_key(
    client: AsyncClient, headers: dict[str, str], public_key: str = SSH_KEY, name: str = "laptop"
) -> dict[str, Any]:
    response = await client.post(
        "/api/account/ssh-keys", json={"name": name, "public_key": public_key}, headers=headers
    )
    assert response.status_code == 201, response.text
    key: dict[str, Any] = response.json()["ssh_key"]
    return key


class TestSavedKeys:
    async def test_a_saved_key_is_listed_with_its_sha256_fingerprint(
        self, state: AppState, client: AsyncClient
    ) -> None:
        headers, _, _ = await signed_in_headers(state, client)
        saved = await save_key(client, headers, f"  {SSH_KEY}\n")
        assert saved["fingerprint"] == FINGERPRINT
        assert saved["fingerprint"].startswith("SHA256:")
        assert saved["public_key"] == SSH_KEY
        assert saved["name"] == "laptop"
        listed = (await client.get("/api/account/ssh-keys", headers=headers)).json()
        assert listed == {"ssh_keys": [saved]}

    @pytest.mark.parametrize(
        "bad_key",
        [
            "not a key",
            f"{SSH_KEY}\n{SECOND_KEY}",
            SSH_KEY.replace("ssh-ed25519", "ssh-rsa"),
            "ssh-dss AAAAB3NzaC1kc3MAAACBAP",
        ],
    )
    async def test_a_key_deploy_would_refuse_is_refused_naming_public_key(
        self, bad_key: str, state: AppState, client: AsyncClient
    ) -> None:
        headers, _, _ = await signed_in_headers(state, client)
        response = await client.post(
            "/api/account/ssh-keys", json={"name": "x", "public_key": bad_key}, headers=headers
        )
        assert response.status_code == 422, response.text
        fields = response.json()["fields"]
        assert [field["field"] for field in fields] == ["public_key"]
        assert fields[0]["message"].startswith("This SSH key ")
        assert "AAAA" not in response.text

    async def test_a_bad_name_is_refused_naming_name(
        self, state: AppState, client: AsyncClient
    ) -> None:
        headers, _, _ = await signed_in_headers(state, client)
        response = await client.post(
            "/api/account/ssh-keys",
            json={"name": "  ", "public_key": SSH_KEY},
            headers=headers,
        )
        assert response.status_code == 422
        assert [field["field"] for field in response.json()["fields"]] == ["name"]

    async def test_the_same_key_twice_is_a_conflict_naming_the_fingerprint(
        self, state: AppState, client: AsyncClient
    ) -> None:
        headers, _, _ = await signed_in_headers(state, client)
        await save_key(client, headers)
        again = await client.post(
            "/api/account/ssh-keys",
            json={"name": "desk", "public_key": SSH_KEY.replace("me@laptop", "me@desk")},
            headers=headers,
        )
        assert again.status_code == 409, again.text
        assert again.json()["error"] == "ssh_key_exists"
        assert FINGERPRINT in again.json()["detail"]
        # Another user may save the same key.
        other_headers, _, _ = await signed_in_headers(state, client)
        await save_key(client, other_headers)

    async def test_rename_and_delete(self, state: AppState, client: AsyncClient) -> None:
        headers, _, _ = await signed_in_headers(state, client)
        saved = await save_key(client, headers)
        renamed = await client.patch(
            f"/api/account/ssh-keys/{saved['id']}", json={"name": "work"}, headers=headers
        )
        assert renamed.status_code == 200, renamed.text
        assert renamed.json()["ssh_key"]["name"] == "work"
        deleted = await client.delete(f"/api/account/ssh-keys/{saved['id']}", headers=headers)
        assert deleted.status_code == 204
        listed = (await client.get("/api/account/ssh-keys", headers=headers)).json()
        assert listed == {"ssh_keys": []}
        again = await client.delete(f"/api/account/ssh-keys/{saved['id']}", headers=headers)
        assert again.status_code == 404

    async def test_another_users_key_is_not_found(
        self, state: AppState, client: AsyncClient
    ) -> None:
        owner_headers, _, _ = await signed_in_headers(state, client)
        saved = await save_key(client, owner_headers)
        stranger_headers, _, _ = await signed_in_headers(state, client)
        assert (await client.get("/api/account/ssh-keys", headers=stranger_headers)).json() == {
            "ssh_keys": []
        }
        url = f"/api/account/ssh-keys/{saved['id']}"
        renamed = await client.patch(url, json={"name": "mine"}, headers=stranger_headers)
        assert renamed.status_code == 404
        assert (await client.delete(url, headers=stranger_headers)).status_code == 404
        listed = (await client.get("/api/account/ssh-keys", headers=owner_headers)).json()
        assert listed == {"ssh_keys": [saved]}

    async def test_signed_out_is_401(self, state: AppState, client: AsyncClient) -> None:
        assert (await client.get("/api/account/ssh-keys")).status_code == 401


def _droplet_keys(sim: SimulatorServer) -> list[str]:
    """The public keys of the simulator's one droplet."""
    accounts = [a for a in sim.state.accounts.values() if a.provider == "digitalocean"]
    (account,) = [a for a in accounts if a.instances]
    (droplet,) = account.instances.values()
    return [account.ssh_keys[key_id].public_key for key_id in droplet.attrs["ssh_keys"]]


class TestDeployWithSavedKeys:
    async def test_saved_and_raw_keys_reach_the_server_once_each(
        self, fast_state: AppState, client: AsyncClient, sim: SimulatorServer, worker: Worker
    ) -> None:
        offer = await create_offer(fast_state, sim, "digitalocean")
        headers, _, _ = await signed_in_headers(fast_state, client)
        first = await save_key(client, headers, SSH_KEY)
        second = await save_key(client, headers, SECOND_KEY, name="desk")
        await running_instance(
            client,
            headers,
            offer,
            worker,
            # The raw key is the saved one under another comment: installed once.
            ssh_keys=[SSH_KEY.replace("me@laptop", "me@elsewhere")],
            ssh_key_ids=[first["id"], second["id"]],
        )
        installed = [" ".join(key.split()[:2]) for key in _droplet_keys(sim)]
        assert installed == [" ".join(SSH_KEY.split()[:2]), " ".join(SECOND_KEY.split()[:2])]

    async def test_unknown_or_another_users_key_id_is_named(
        self, fast_state: AppState, client: AsyncClient, sim: SimulatorServer
    ) -> None:
        offer = await create_offer(fast_state, sim, "linode")
        stranger_headers, _, _ = await signed_in_headers(fast_state, client)
        foreign = await save_key(client, stranger_headers)
        headers, _, _ = await signed_in_headers(fast_state, client)
        mine = await save_key(client, headers, SECOND_KEY)
        image = await pick_image(client, headers, offer.small.id, "Ubuntu")
        body = deploy_body(offer, image, ssh_key_ids=[mine["id"], foreign["id"], str(uuid.uuid4())])
        response = await client.post("/api/vps", json=body, headers=headers)
        assert response.status_code == 422, response.text
        fields = [field["field"] for field in response.json()["fields"]]
        assert fields == ["ssh_key_ids[1]", "ssh_key_ids[2]"]
        listed = (await client.get("/api/vps", headers=headers)).json()
        assert listed["total"] == 0

    async def test_a_malformed_key_id_is_named(
        self, fast_state: AppState, client: AsyncClient, sim: SimulatorServer
    ) -> None:
        offer = await create_offer(fast_state, sim, "linode")
        headers, _, _ = await signed_in_headers(fast_state, client)
        body = deploy_body(offer, "ubuntu-22.04", ssh_key_ids=["nope"])
        response = await client.post("/api/vps", json=body, headers=headers)
        assert response.status_code == 422
        # Named as every request-shape error is named (tests/test_app.py).
        assert [f["field"] for f in response.json()["fields"]] == ["ssh_key_ids.0"]


class TestRebuildWithSavedKeys:
    async def test_rebuild_installs_the_keys_asked_for_and_they_become_the_servers(
        self,
        fast_state: AppState,
        client: AsyncClient,
        sim: SimulatorServer,
        worker: Worker,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        sent: list[list[str]] = []
        original = LinodeProvider.rebuild

        async def spy(self: LinodeProvider, *args: Any) -> Any:
            sent.append(list(args[-1]))
            return await original(self, *args)

        monkeypatch.setattr(LinodeProvider, "rebuild", spy)
        offer = await create_offer(fast_state, sim, "linode")
        headers, _, _ = await signed_in_headers(fast_state, client)
        instance = await running_instance(client, headers, offer, worker)
        saved = await save_key(client, headers, SECOND_KEY)
        image = await pick_image(client, headers, offer.small.id, "Ubuntu")
        response = await client.post(
            f"/api/vps/{instance['id']}/rebuild",
            json={"image": image, "root_pass": STRONG_PASS, "ssh_key_ids": [saved["id"]]},
            headers=headers,
        )
        assert response.status_code == 202, response.text
        await wait_for_status(client, headers, instance["id"], "running", worker)
        assert sent == [[SECOND_KEY]]
        async with fast_state.sessionmaker() as session:
            row = await session.get(VpsInstance, uuid.UUID(instance["id"]))
            assert row is not None
            assert row.configuration["ssh_keys"] == [SECOND_KEY]
        # Without keys, a rebuild installs the server's keys again.
        again = await client.post(
            f"/api/vps/{instance['id']}/rebuild",
            json={"image": image, "root_pass": STRONG_PASS},
            headers=headers,
        )
        assert again.status_code == 202, again.text
        await wait_for_status(client, headers, instance["id"], "running", worker)
        assert sent == [[SECOND_KEY], [SECOND_KEY]]

    async def test_rebuild_names_a_foreign_key_id(
        self, fast_state: AppState, client: AsyncClient, sim: SimulatorServer, worker: Worker
    ) -> None:
        offer = await create_offer(fast_state, sim, "linode")
        stranger_headers, _, _ = await signed_in_headers(fast_state, client)
        foreign = await save_key(client, stranger_headers)
        headers, _, _ = await signed_in_headers(fast_state, client)
        instance = await running_instance(client, headers, offer, worker)
        image = await pick_image(client, headers, offer.small.id, "Ubuntu")
        response = await client.post(
            f"/api/vps/{instance['id']}/rebuild",
            json={"image": image, "root_pass": STRONG_PASS, "ssh_key_ids": [foreign["id"]]},
            headers=headers,
        )
        assert response.status_code == 422, response.text
        assert [f["field"] for f in response.json()["fields"]] == ["ssh_key_ids[0]"]

    async def test_a_cloud_that_keeps_credentials_refuses_new_keys(
        self, fast_state: AppState, client: AsyncClient, sim: SimulatorServer, worker: Worker
    ) -> None:
        offer = await create_offer(fast_state, sim, "digitalocean")
        headers, _, _ = await signed_in_headers(fast_state, client)
        instance = await running_instance(client, headers, offer, worker)
        image = await pick_image(client, headers, offer.small.id, "Ubuntu")
        response = await client.post(
            f"/api/vps/{instance['id']}/rebuild",
            json={"image": image, "ssh_keys": [SECOND_KEY]},
            headers=headers,
        )
        assert response.status_code == 422, response.text
        assert [f["field"] for f in response.json()["fields"]] == ["ssh_keys"]
