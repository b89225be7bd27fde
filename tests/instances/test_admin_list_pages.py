"""The admin server list: pages of every organization's servers, newest first, with filters."""

from __future__ import annotations

from typing import Any

from httpx import AsyncClient

from tests.factories import signed_in_headers
from tests.instances.support import create_offer, deploy_body, pick_image
from vpspanel.auth.models import UserRole
from vpspanel.simulator.testing import SimulatorServer
from vpspanel.state import AppState


async def deploy_pending(client: AsyncClient, headers: dict[str, str], body: dict[str, Any]) -> str:
    created = await client.post("/api/vps", json=body, headers=headers)
    assert created.status_code == 201, created.text
    instance_id: str = created.json()["instance"]["id"]
    return instance_id


class TestAdminListPages:
    async def test_pages_are_newest_first_and_count_every_match(
        self, fast_state: AppState, client: AsyncClient, sim: SimulatorServer
    ) -> None:
        offer = await create_offer(fast_state, sim, "linode")
        customer, _, _ = await signed_in_headers(fast_state, client)
        image = await pick_image(client, customer, offer.small.id, offer.setup.image_distribution)
        created = [
            await deploy_pending(client, customer, deploy_body(offer, image, label=f"web-{n}"))
            for n in range(5)
        ]
        admin, _, _ = await signed_in_headers(fast_state, client, role=UserRole.ADMIN)

        pages = [
            (await client.get(f"/api/admin/instances?page={n}&per_page=2", headers=admin)).json()
            for n in (1, 2, 3)
        ]

        assert [page["total"] for page in pages] == [5, 5, 5]
        assert [(page["page"], page["per_page"]) for page in pages] == [(1, 2), (2, 2), (3, 2)]
        assert [len(page["instances"]) for page in pages] == [2, 2, 1]
        listed = [item["id"] for page in pages for item in page["instances"]]
        assert listed == list(reversed(created))

    async def test_filters_apply_to_the_total_and_the_page(
        self, fast_state: AppState, client: AsyncClient, sim: SimulatorServer
    ) -> None:
        linode = await create_offer(fast_state, sim, "linode")
        digitalocean = await create_offer(fast_state, sim, "digitalocean")
        first, _, first_org = await signed_in_headers(fast_state, client)
        second, _, _ = await signed_in_headers(fast_state, client)
        linode_image = await pick_image(
            client, first, linode.small.id, linode.setup.image_distribution
        )
        do_image = await pick_image(
            client, first, digitalocean.small.id, digitalocean.setup.image_distribution
        )
        ours = [
            await deploy_pending(client, first, deploy_body(linode, linode_image, label="a-one")),
            await deploy_pending(client, first, deploy_body(linode, linode_image, label="a-two")),
        ]
        await deploy_pending(client, first, deploy_body(digitalocean, do_image, label="a-three"))
        await deploy_pending(client, second, deploy_body(linode, linode_image, label="b-one"))
        admin, _, _ = await signed_in_headers(fast_state, client, role=UserRole.ADMIN)

        answer = await client.get(
            "/api/admin/instances",
            params={
                "provider_id": str(linode.account.id),
                "organization_id": str(first_org.id),
                "per_page": 1,
            },
            headers=admin,
        )

        body = answer.json()
        assert body["total"] == 2
        assert [item["id"] for item in body["instances"]] == [ours[1]]

    async def test_defaults_and_limits(
        self, fast_state: AppState, client: AsyncClient, sim: SimulatorServer
    ) -> None:
        admin, _, _ = await signed_in_headers(fast_state, client, role=UserRole.ADMIN)

        default = (await client.get("/api/admin/instances", headers=admin)).json()
        too_many = await client.get("/api/admin/instances?per_page=201", headers=admin)
        page_zero = await client.get("/api/admin/instances?page=0", headers=admin)

        assert (default["total"], default["page"], default["per_page"]) == (0, 1, 50)
        assert too_many.status_code == 422
        assert "per_page" in too_many.text
        assert page_zero.status_code == 422
