"""Idempotency-Key on POST /api/vps: one instance per key, whatever the client does."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from typing import Any

import pytest
from httpx import AsyncClient, Response
from sqlalchemy import func, select

from tests.factories import signed_in_headers
from tests.instances.support import (
    create_offer,
    deploy_body,
    pick_image,
    run_until_idle,
    servers_at_provider,
)
from vpspanel.instances import service as instances_service
from vpspanel.instances.models import VpsInstance
from vpspanel.instances.schemas import DeployIn
from vpspanel.operations.idempotency import CLAIM_LEASE, request_fingerprint
from vpspanel.operations.models import IdempotencyRecord
from vpspanel.simulator.testing import SimulatorServer
from vpspanel.state import AppState
from vpspanel.worker.runner import Worker


async def _instance_count(state: AppState) -> int:
    async with state.sessionmaker() as session:
        return int(await session.scalar(select(func.count()).select_from(VpsInstance)) or 0)


class TestIdempotencyKey:
    async def test_a_repeat_returns_the_same_answer_and_makes_nothing_new(
        self, fast_state: AppState, client: AsyncClient, sim: SimulatorServer, worker: Worker
    ) -> None:
        offer = await create_offer(fast_state, sim, "linode")
        headers, _, _ = await signed_in_headers(fast_state, client)
        image = await pick_image(client, headers, offer.small.id, "Ubuntu")
        keyed = {**headers, "Idempotency-Key": "order-42"}
        first = await client.post("/api/vps", json=deploy_body(offer, image), headers=keyed)
        await run_until_idle(worker)
        second = await client.post("/api/vps", json=deploy_body(offer, image), headers=keyed)
        assert first.status_code == second.status_code == 201
        assert first.json() == second.json()
        assert await _instance_count(fast_state) == 1
        assert len(await servers_at_provider(fast_state, offer.account)) == 1

    async def test_the_same_key_with_another_body_is_422(
        self, fast_state: AppState, client: AsyncClient, sim: SimulatorServer
    ) -> None:
        offer = await create_offer(fast_state, sim, "linode")
        headers, _, _ = await signed_in_headers(fast_state, client)
        image = await pick_image(client, headers, offer.small.id, "Ubuntu")
        keyed = {**headers, "Idempotency-Key": "order-43"}
        assert (
            await client.post("/api/vps", json=deploy_body(offer, image), headers=keyed)
        ).status_code == 201
        other = await client.post(
            "/api/vps", json=deploy_body(offer, image, label="web-2"), headers=keyed
        )
        assert other.status_code == 422
        assert other.json()["error"] == "idempotency_key_reused"
        assert await _instance_count(fast_state) == 1

    async def test_a_request_still_being_accepted_is_409(
        self, fast_state: AppState, client: AsyncClient, sim: SimulatorServer
    ) -> None:
        offer = await create_offer(fast_state, sim, "linode")
        headers, _, organization = await signed_in_headers(fast_state, client)
        image = await pick_image(client, headers, offer.small.id, "Ubuntu")
        body = deploy_body(offer, image)
        now = fast_state.clock()
        async with fast_state.sessionmaker() as session, session.begin():
            session.add(
                IdempotencyRecord(
                    id=uuid.uuid4(),
                    organization_id=organization.id,
                    key="order-44",
                    request_hash=request_fingerprint(
                        DeployIn.model_validate(body).model_dump(exclude={"root_pass"})
                    ),
                    created_at=now,
                    expires_at=now + timedelta(hours=24),
                    locked_until=now + timedelta(seconds=60),
                )
            )
        response = await client.post(
            "/api/vps", json=body, headers={**headers, "Idempotency-Key": "order-44"}
        )
        assert response.status_code == 409
        assert response.json()["error"] == "idempotency_in_progress"
        assert await _instance_count(fast_state) == 0

    async def test_a_failed_request_releases_its_key(
        self, fast_state: AppState, client: AsyncClient, sim: SimulatorServer
    ) -> None:
        offer = await create_offer(fast_state, sim, "linode")
        headers, _, _ = await signed_in_headers(fast_state, client)
        image = await pick_image(client, headers, offer.small.id, "Ubuntu")
        keyed = {**headers, "Idempotency-Key": "order-45"}
        bad = await client.post(
            "/api/vps", json=deploy_body(offer, image, root_pass="weak"), headers=keyed
        )
        assert bad.status_code == 422
        good = await client.post("/api/vps", json=deploy_body(offer, image), headers=keyed)
        assert good.status_code == 201, good.text

    async def test_keys_belong_to_one_organization(
        self, fast_state: AppState, client: AsyncClient, sim: SimulatorServer
    ) -> None:
        offer = await create_offer(fast_state, sim, "linode")
        first_headers, _, _ = await signed_in_headers(fast_state, client)
        second_headers, _, _ = await signed_in_headers(fast_state, client)
        image = await pick_image(client, first_headers, offer.small.id, "Ubuntu")
        for headers in (first_headers, second_headers):
            response = await client.post(
                "/api/vps",
                json=deploy_body(offer, image),
                headers={**headers, "Idempotency-Key": "shared-key"},
            )
            assert response.status_code == 201
        assert await _instance_count(fast_state) == 2

    @pytest.mark.parametrize("key", ["k" * 256, "", " ", "order 42", "order-\u00e9"])
    async def test_a_malformed_key_is_400(
        self, key: str, fast_state: AppState, client: AsyncClient, sim: SimulatorServer
    ) -> None:
        offer = await create_offer(fast_state, sim, "linode")
        headers, _, _ = await signed_in_headers(fast_state, client)
        image = await pick_image(client, headers, offer.small.id, "Ubuntu")
        response = await client.post(
            "/api/vps",
            json=deploy_body(offer, image),
            headers=[
                *((name.encode(), value.encode()) for name, value in headers.items()),
                (b"Idempotency-Key", key.encode()),
            ],
        )
        assert response.status_code == 400, response.text
        assert response.json()["error"] == "bad_request"
        assert await _instance_count(fast_state) == 0

    async def test_the_longest_key_is_accepted(
        self, fast_state: AppState, client: AsyncClient, sim: SimulatorServer
    ) -> None:
        offer = await create_offer(fast_state, sim, "linode")
        headers, _, _ = await signed_in_headers(fast_state, client)
        image = await pick_image(client, headers, offer.small.id, "Ubuntu")
        response = await client.post(
            "/api/vps",
            json=deploy_body(offer, image),
            headers={**headers, "Idempotency-Key": "k" * 255},
        )
        assert response.status_code == 201, response.text

    async def test_a_request_slower_than_its_claim_makes_no_second_server(
        self,
        fast_state: AppState,
        client: AsyncClient,
        sim: SimulatorServer,
        worker: Worker,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        offer = await create_offer(fast_state, sim, "linode")
        headers, _, _ = await signed_in_headers(fast_state, client)
        image = await pick_image(client, headers, offer.small.id, "Ubuntu")
        keyed = {**headers, "Idempotency-Key": "slow-order"}
        base = fast_state.clock()
        elapsed = timedelta()
        monkeypatch.setattr(fast_state, "clock", lambda: base + elapsed)
        real_accept = instances_service._accept
        retried: list[Response] = []
        calls = 0

        async def slow_accept(*args: Any) -> Any:
            nonlocal elapsed, calls
            calls += 1
            if calls == 1:
                # The first request outlives its claim; the client's retry takes the key over
                # and finishes first.
                elapsed += CLAIM_LEASE + timedelta(seconds=1)
                retried.append(
                    await client.post("/api/vps", json=deploy_body(offer, image), headers=keyed)
                )
            return await real_accept(*args)

        monkeypatch.setattr(instances_service, "_accept", slow_accept)
        first = await client.post("/api/vps", json=deploy_body(offer, image), headers=keyed)

        (second,) = retried
        assert second.status_code == 201, second.text
        assert first.status_code == 409, first.text
        assert first.json()["error"] == "idempotency_in_progress"
        assert await _instance_count(fast_state) == 1
        replay = await client.post("/api/vps", json=deploy_body(offer, image), headers=keyed)
        assert replay.status_code == 201 and replay.json() == second.json()
        await run_until_idle(worker)
        assert len(await servers_at_provider(fast_state, offer.account)) == 1

    async def test_twenty_concurrent_identical_requests_make_one_server(
        self, fast_state: AppState, client: AsyncClient, sim: SimulatorServer, worker: Worker
    ) -> None:
        offer = await create_offer(fast_state, sim, "digitalocean")
        headers, _, _ = await signed_in_headers(fast_state, client)
        image = await pick_image(client, headers, offer.small.id, "Ubuntu")
        keyed = {**headers, "Idempotency-Key": "burst-1"}
        responses = await asyncio.gather(
            *(
                client.post("/api/vps", json=deploy_body(offer, image), headers=keyed)
                for _ in range(20)
            )
        )
        statuses = [response.status_code for response in responses]
        assert set(statuses) <= {201, 409}, statuses
        created_ids = {r.json()["instance"]["id"] for r in responses if r.status_code == 201}
        assert len(created_ids) == 1
        assert await _instance_count(fast_state) == 1
        await run_until_idle(worker)
        assert len(await servers_at_provider(fast_state, offer.account)) == 1
        assert sim.request_count("digitalocean", "POST", "/droplets") == 1
