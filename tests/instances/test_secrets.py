"""The root password and the provider API key never show up anywhere we keep or say things."""

from __future__ import annotations

import logging

import pytest
from httpx import AsyncClient, Response
from sqlalchemy import select

from tests.factories import signed_in_headers
from tests.instances.support import (
    ROOT_PASS,
    create_offer,
    deploy_body,
    pick_image,
    rebuild_body,
    wait_for_status,
)
from vpspanel.db.base import Base
from vpspanel.simulator.testing import SimulatorServer
from vpspanel.state import AppState
from vpspanel.worker.runner import Worker

REBUILD_PASS = "Rebuild-Canary-Pass-9090#"


async def database_text(state: AppState) -> str:
    """Every row of every table, as text."""
    chunks: list[str] = []
    async with state.sessionmaker() as session:
        for table in Base.metadata.sorted_tables:
            for row in (await session.execute(select(table))).all():
                chunks.append(repr(tuple(row)))
    return "\n".join(chunks)


class TestSecretCanaries:
    """Also: no customer response about a server names or hints at its provider."""

    @pytest.mark.parametrize("provider_type", ["linode", "digitalocean"])
    async def test_passwords_and_api_key_are_nowhere(
        self,
        provider_type: str,
        fast_state: AppState,
        client: AsyncClient,
        sim: SimulatorServer,
        worker: Worker,
        caplog: pytest.LogCaptureFixture,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        caplog.set_level(logging.DEBUG)
        offer = await create_offer(fast_state, sim, provider_type)
        session_headers, _, _ = await signed_in_headers(fast_state, client)
        # The whole flow runs on a personal API token, itself a secret (shown once, at creation).
        issued = await client.post(
            "/api/account/tokens", json={"name": "canary"}, headers=session_headers
        )
        api_token = issued.json()["token"]
        headers = {"Authorization": f"Bearer {api_token}"}
        responses: list[Response] = []

        image = await pick_image(client, headers, offer.small.id, "Ubuntu")
        created = await client.post("/api/vps", json=deploy_body(offer, image), headers=headers)
        responses.append(created)
        instance_id = created.json()["instance"]["id"]

        # While the operation waits for its worker the password is sealed, never plain.
        assert ROOT_PASS not in await database_text(fast_state)
        await wait_for_status(client, headers, instance_id, "running", worker)
        responses.append(
            await client.post(
                f"/api/vps/{instance_id}/rebuild",
                json=rebuild_body(provider_type, image, REBUILD_PASS),
                headers=headers,
            )
        )
        assert REBUILD_PASS not in await database_text(fast_state)
        await wait_for_status(client, headers, instance_id, "running", worker)
        for path in ("", "/events", "/metrics?period=1h"):
            responses.append(await client.get(f"/api/vps/{instance_id}{path}", headers=headers))
        responses.append(await client.get("/api/vps", headers=headers))
        responses.append(
            await client.post(
                "/api/vps", json=deploy_body(offer, image, label="x"), headers=headers
            )
        )

        customer_text = "\n".join(response.text for response in responses).lower()
        for hint in (provider_type, "primary account", offer.setup.small, str(offer.account.id)):
            assert hint.lower() not in customer_text, hint
        everything = "\n".join(
            [
                *(response.text for response in responses),
                *(str(response.headers) for response in responses),
                caplog.text,
                *capsys.readouterr(),
                await database_text(fast_state),
            ]
        )
        for canary in (ROOT_PASS, REBUILD_PASS, offer.token, api_token):
            assert canary not in everything
        # The password did reach the provider (the simulator keeps what it was sent).
        assert sim.request_count(provider_type, "POST") >= 2
