"""POST /api/vps: everything is checked before any provider is touched."""

from __future__ import annotations

from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy import func, select

from tests.factories import signed_in_headers
from tests.instances.support import (
    Offer,
    create_account,
    create_offer,
    create_plan,
    deploy_body,
    pick_image,
)
from vpspanel.instances.models import VpsInstance
from vpspanel.simulator.testing import SimulatorServer
from vpspanel.state import AppState

BAD_FIELDS: list[tuple[str, dict[str, Any]]] = [
    ("label", {"label": "ab"}),
    ("label", {"label": "1starts-with-digit"}),
    ("label", {"label": "ends-with-dash-"}),
    ("label", {"label": "under_score"}),
    ("label", {"label": "a" * 64}),
    ("root_pass", {"root_pass": "Short1!"}),
    ("root_pass", {"root_pass": "onlylowercaseletters"}),
    ("root_pass", {"root_pass": "lowerandUPPERonly"}),
    ("root_pass", {"root_pass": "Strong-Pass-42\n"}),
    ("root_pass", {"root_pass": "Strong\r\nPass-42"}),
    ("root_pass", {"root_pass": "Strong\tPass-42"}),
    ("root_pass", {"root_pass": "Strong\x1bPass-42"}),
    ("root_pass", {"root_pass": "Strong\x7fPass-42"}),
    ("root_pass", {"root_pass": "Strong\u202ePass-42"}),
    ("ssh_keys[0]", {"ssh_keys": ["not a key"]}),
    ("ssh_keys[0]", {"ssh_keys": ["ssh-ed25519 AAAAnotbase64!!"]}),
    ("type", {"type": "00000000-0000-0000-0000-000000000000"}),
    ("type", {"type": "g6-dedicated-8"}),
    ("region", {"region": "ap-south"}),
    ("image", {"image": "windows-2022"}),
]


async def _count_instances(state: AppState) -> int:
    async with state.sessionmaker() as session:
        return int(await session.scalar(select(func.count()).select_from(VpsInstance)) or 0)


class TestDeployValidation:
    @pytest.mark.parametrize(("field", "change"), BAD_FIELDS)
    async def test_bad_field_is_422_and_nothing_reaches_the_provider(
        self,
        field: str,
        change: dict[str, Any],
        fast_state: AppState,
        client: AsyncClient,
        sim: SimulatorServer,
    ) -> None:
        offer = await create_offer(fast_state, sim, "linode")
        headers, _, _ = await signed_in_headers(fast_state, client)
        image = await pick_image(client, headers, offer.small.id, "Ubuntu")
        body = {**deploy_body(offer, image), **change}
        response = await client.post("/api/vps", json=body, headers=headers)
        assert response.status_code == 422, response.text
        error = response.json()
        assert field in [item["field"] for item in error["fields"]]
        assert body["root_pass"] not in response.text
        assert sim.request_count("linode", "POST") == 0
        assert await _count_instances(fast_state) == 0

    async def test_every_bad_field_is_reported_at_once(
        self, fast_state: AppState, client: AsyncClient, sim: SimulatorServer
    ) -> None:
        offer = await create_offer(fast_state, sim, "linode")
        headers, _, _ = await signed_in_headers(fast_state, client)
        body = deploy_body(offer, "ubuntu-22.04", label="x", root_pass="weak", ssh_keys=["nope"])
        response = await client.post("/api/vps", json=body, headers=headers)
        assert response.status_code == 422
        assert {item["field"] for item in response.json()["fields"]} == {
            "label",
            "root_pass",
            "ssh_keys[0]",
        }

    async def test_a_deactivated_plan_or_account_cannot_be_bought(
        self, fast_state: AppState, client: AsyncClient, sim: SimulatorServer
    ) -> None:
        offer = await create_offer(fast_state, sim, "linode")
        headers, _, _ = await signed_in_headers(fast_state, client)
        image = await pick_image(client, headers, offer.small.id, "Ubuntu")
        region = [(offer.setup.region, offer.setup.region_label, "us")]
        inactive = await create_plan(
            fast_state,
            offer.account,
            provider_plan_id="g6-standard-2",
            specs={"vcpus": 2, "memory": 4096, "disk": 80},
            regions=region,
            active=False,
        )
        closed_account, _ = await create_account(fast_state, sim, "linode", active=False)
        closed = await create_plan(
            fast_state,
            closed_account,
            provider_plan_id="g6-standard-4",
            specs={"vcpus": 4, "memory": 8192, "disk": 160},
            regions=region,
        )
        for plan_ref in (str(inactive.id), "g6-standard-2", str(closed.id), "g6-standard-4"):
            response = await client.post(
                "/api/vps", json=deploy_body(offer, image, type=plan_ref), headers=headers
            )
            assert response.status_code == 422, plan_ref
            assert response.json()["fields"][0]["field"] == "type"

    async def test_a_provider_plan_id_buys_the_one_plan_that_sells_it(
        self, fast_state: AppState, client: AsyncClient, sim: SimulatorServer
    ) -> None:
        offer = await create_offer(fast_state, sim, "linode")
        headers, _, _ = await signed_in_headers(fast_state, client)
        image = await pick_image(client, headers, offer.small.id, "Ubuntu")
        response = await client.post(
            "/api/vps", json=deploy_body(offer, image, type="g6-nanode-1"), headers=headers
        )
        assert response.status_code == 201, response.text
        assert response.json()["instance"]["plan"]["id"] == str(offer.small.id)

    async def test_an_ambiguous_provider_plan_id_is_refused(
        self, fast_state: AppState, client: AsyncClient, sim: SimulatorServer
    ) -> None:
        offer: Offer = await create_offer(fast_state, sim, "linode")
        await create_plan(
            fast_state,
            offer.account,
            provider_plan_id="g6-nanode-1",
            specs=offer.setup.small_specs,
            regions=[(offer.setup.region, offer.setup.region_label, "us")],
            name="Nanode again",
        )
        headers, _, _ = await signed_in_headers(fast_state, client)
        image = await pick_image(client, headers, offer.small.id, "Ubuntu")
        response = await client.post(
            "/api/vps", json=deploy_body(offer, image, type="g6-nanode-1"), headers=headers
        )
        assert response.status_code == 422
        assert response.json()["fields"][0]["field"] == "type"

    @pytest.mark.parametrize("provider_type", ["linode", "digitalocean"])
    @pytest.mark.parametrize("by", ["plan id", "provider plan id"])
    async def test_a_providers_own_region_id_is_refused(
        self,
        provider_type: str,
        by: str,
        fast_state: AppState,
        client: AsyncClient,
        sim: SimulatorServer,
    ) -> None:
        offer = await create_offer(fast_state, sim, provider_type)
        headers, _, _ = await signed_in_headers(fast_state, client)
        image = await pick_image(client, headers, offer.small.id, "Ubuntu")
        plan = str(offer.small.id) if by == "plan id" else offer.setup.small
        body = deploy_body(offer, image, type=plan, region=offer.setup.region)
        response = await client.post("/api/vps", json=body, headers=headers)
        assert response.status_code == 422, response.text
        assert [(item["field"], item["message"]) for item in response.json()["fields"]] == [
            ("region", "Unknown region: use a region id the catalog shows.")
        ]
        assert sim.request_count(provider_type, "POST") == 0
        assert await _count_instances(fast_state) == 0

    async def test_deploying_again_in_the_region_a_server_shows_works(
        self, fast_state: AppState, client: AsyncClient, sim: SimulatorServer
    ) -> None:
        """The UI's "deploy again with the same settings" sends the server's `region` back."""
        offer = await create_offer(fast_state, sim, "digitalocean")
        headers, _, _ = await signed_in_headers(fast_state, client)
        image = await pick_image(client, headers, offer.small.id, "Ubuntu")
        first = await client.post("/api/vps", json=deploy_body(offer, image), headers=headers)
        assert first.status_code == 201, first.text
        shown = first.json()["instance"]
        assert shown["region"] == {"id": "new-york-3", "label": "New York 3"}
        again = deploy_body(offer, image, label="web-2", region=shown["region"]["id"])
        second = await client.post("/api/vps", json=again, headers=headers)
        assert second.status_code == 201, second.text
        assert second.json()["instance"]["region"] == shown["region"]
        async with fast_state.sessionmaker() as session:
            regions = (await session.scalars(select(VpsInstance.region))).all()
        assert regions == ["nyc3", "nyc3"]  # the provider's id, for the provider

    async def test_signed_out_is_401(self, client: AsyncClient) -> None:
        response = await client.post("/api/vps", json={})
        assert response.status_code == 401
