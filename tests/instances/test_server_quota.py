"""An organization's server limit (issue 10): a deploy beyond it is refused with 422
`quota_exceeded`, deleted servers do not count, and two deploys racing for the last slot cannot
both pass."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime

import pytest
from httpx import AsyncClient
from sqlalchemy import update

from tests.factories import signed_in_headers
from tests.instances.support import Offer, create_offer, deploy_body, pick_image
from vpspanel.auth.models import UserRole
from vpspanel.customers import quota
from vpspanel.instances import service as instances_service
from vpspanel.instances.models import VpsInstance
from vpspanel.simulator.testing import SimulatorServer
from vpspanel.state import AppState


async def set_limit(
    state: AppState, client: AsyncClient, organization_id: uuid.UUID, limit: int | None
) -> None:
    admin, _, _ = await signed_in_headers(state, client, role=UserRole.ADMIN)
    response = await client.patch(
        f"/api/admin/organizations/{organization_id}", json={"server_limit": limit}, headers=admin
    )
    assert response.status_code == 200, response.text


async def customer_with_offer(
    state: AppState, client: AsyncClient, sim: SimulatorServer
) -> tuple[dict[str, str], uuid.UUID, Offer, str]:
    offer = await create_offer(state, sim, "linode")
    headers, _, organization = await signed_in_headers(state, client)
    image = await pick_image(client, headers, offer.small.id, offer.setup.image_distribution)
    return headers, organization.id, offer, image


class TestServerQuota:
    async def test_a_limit_of_zero_says_no_servers_are_allowed(
        self, fast_state: AppState, client: AsyncClient, sim: SimulatorServer
    ) -> None:
        headers, organization_id, offer, image = await customer_with_offer(fast_state, client, sim)
        await set_limit(fast_state, client, organization_id, 0)
        refused = await client.post("/api/vps", json=deploy_body(offer, image), headers=headers)
        assert refused.status_code == 422
        assert refused.json()["error"] == "quota_exceeded"
        assert "may not have servers (its limit is 0)" in refused.json()["detail"]

    async def test_a_deploy_beyond_the_limit_is_refused_naming_it(
        self, fast_state: AppState, client: AsyncClient, sim: SimulatorServer
    ) -> None:
        headers, organization_id, offer, image = await customer_with_offer(fast_state, client, sim)
        await set_limit(fast_state, client, organization_id, 2)

        answers = [
            await client.post(
                "/api/vps", json=deploy_body(offer, image, label=f"web-{n}"), headers=headers
            )
            for n in range(3)
        ]

        assert [answer.status_code for answer in answers] == [201, 201, 422]
        refused = answers[2].json()
        assert refused["error"] == "quota_exceeded"
        assert "at most 2 servers" in refused["detail"]
        listed = (await client.get("/api/vps", headers=headers)).json()
        assert listed["total"] == 2

    async def test_deleted_servers_do_not_count_and_no_limit_means_none(
        self, fast_state: AppState, client: AsyncClient, sim: SimulatorServer
    ) -> None:
        headers, organization_id, offer, image = await customer_with_offer(fast_state, client, sim)
        await set_limit(fast_state, client, organization_id, 1)
        first = await client.post("/api/vps", json=deploy_body(offer, image), headers=headers)
        assert first.status_code == 201
        async with fast_state.sessionmaker() as session, session.begin():
            await session.execute(
                update(VpsInstance)
                .where(VpsInstance.id == uuid.UUID(first.json()["instance"]["id"]))
                .values(status="deleted", deleted_at=datetime.now(UTC))
            )

        second = await client.post(
            "/api/vps", json=deploy_body(offer, image, label="web-2"), headers=headers
        )
        third = await client.post(
            "/api/vps", json=deploy_body(offer, image, label="web-3"), headers=headers
        )
        await set_limit(fast_state, client, organization_id, None)
        fourth = await client.post(
            "/api/vps", json=deploy_body(offer, image, label="web-4"), headers=headers
        )

        assert [second.status_code, third.status_code, fourth.status_code] == [201, 422, 201]

    async def test_deploys_racing_for_the_last_slot_let_exactly_one_through(
        self,
        fast_state: AppState,
        client: AsyncClient,
        sim: SimulatorServer,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        headers, organization_id, offer, image = await customer_with_offer(fast_state, client, sim)
        first = await client.post("/api/vps", json=deploy_body(offer, image), headers=headers)
        assert first.status_code == 201
        await set_limit(fast_state, client, organization_id, 2)

        async def check_then_linger(session: object, organization_id: uuid.UUID) -> None:
            await quota.check_room_for_one_more(session, organization_id)  # type: ignore[arg-type]
            # Hold the gap between counting and inserting open, so that without the lock every
            # racer would count the same free slot.
            await asyncio.sleep(0.2)

        monkeypatch.setattr(instances_service, "check_room_for_one_more", check_then_linger)

        answers = await asyncio.gather(
            *(
                client.post(
                    "/api/vps", json=deploy_body(offer, image, label=f"race-{n}"), headers=headers
                )
                for n in range(4)
            )
        )

        codes = sorted(answer.status_code for answer in answers)
        assert codes == [201, 422, 422, 422], [answer.text for answer in answers]
        listed = (await client.get("/api/vps", headers=headers)).json()
        assert listed["total"] == 2
