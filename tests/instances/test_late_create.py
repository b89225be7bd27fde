"""A create the cloud carries out late (its answer lost, or given after we stopped waiting)
never makes a second server: the create is sent again only after its tag has stayed absent
for a quiet period longer than the provider request timeout.

Times are scaled down by SCALE so the suite stays fast: "35 s" runs as 1.75 s against a
quiet period of 45 s x SCALE and a request timeout of 30 s x SCALE."""

from __future__ import annotations

import asyncio
import time
import uuid

import pytest
from httpx import AsyncClient

from tests.factories import signed_in_headers
from tests.instances.support import (
    ROOT_PASS,
    create_offer,
    deploy_body,
    pick_image,
    provider_for,
    servers_at_provider,
)
from vpspanel.providers.errors import ProviderAlreadyExists
from vpspanel.providers.types import CreateInstanceSpec
from vpspanel.simulator.testing import SimulatorServer
from vpspanel.state import AppState
from vpspanel.worker.config import WorkerConfig
from vpspanel.worker.runner import Worker

SCALE = 0.05
CREATE_PATHS = {"linode": "/linode/instances", "digitalocean": "/droplets"}
QUIET_PERIOD_S = 45 * SCALE
REQUEST_TIMEOUT_S = 30 * SCALE


async def _run_until_running(
    client: AsyncClient, headers: dict[str, str], instance_id: str, worker: Worker
) -> dict[str, object]:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        body = (await client.get(f"/api/vps/{instance_id}", headers=headers)).json()
        instance: dict[str, object] = body["instance"]
        if instance["status"] == "running":
            return instance
        if not await worker.run_once():
            await asyncio.sleep(0.02)
    raise AssertionError(f"{instance_id} never ran: {instance}")


class TestLateCreate:
    @pytest.mark.parametrize("provider_type", ["linode", "digitalocean"])
    @pytest.mark.parametrize(
        ("write_after_s", "answer_after_s"),
        [
            pytest.param(1, None, id="504-at-once-written-after-1s"),
            pytest.param(5, None, id="504-at-once-written-after-5s"),
            pytest.param(35, 31, id="no-answer-within-timeout-written-after-35s"),
        ],
    )
    async def test_exactly_one_server(
        self,
        provider_type: str,
        write_after_s: float,
        answer_after_s: float | None,
        fast_state: AppState,
        client: AsyncClient,
        sim: SimulatorServer,
    ) -> None:
        worker = Worker(
            fast_state,
            config=WorkerConfig.instant(
                create_quiet_period_s=QUIET_PERIOD_S, step_timeout_s=REQUEST_TIMEOUT_S
            ),
        )
        offer = await create_offer(fast_state, sim, provider_type)
        headers, _, _ = await signed_in_headers(fast_state, client)
        image = await pick_image(client, headers, offer.small.id, "Ubuntu")
        path = CREATE_PATHS[provider_type]
        sim.inject_fault(
            provider_type,
            "late_write",
            method="POST",
            path=f"^{path}$",
            write_delay_seconds=write_after_s * SCALE,
            delay_seconds=answer_after_s * SCALE if answer_after_s else None,
        )
        started = time.monotonic()

        created = await client.post("/api/vps", json=deploy_body(offer, image), headers=headers)
        running = await _run_until_running(
            client, headers, created.json()["instance"]["id"], worker
        )
        # Anything still on its way has landed by now.
        await asyncio.sleep(max(write_after_s * SCALE - (time.monotonic() - started), 0) + 0.2)

        assert running["ip_address"]
        assert len(await servers_at_provider(fast_state, offer.account)) == 1
        assert sim.request_count(provider_type, "POST", path) == 1

    async def test_linode_refuses_a_copy_that_lands_after_the_create_was_sent_again(
        self, fast_state: AppState, client: AsyncClient, sim: SimulatorServer
    ) -> None:
        # Later than the quiet period (none here): the create is sent again and succeeds; the
        # late first copy then carries the same derived label, which Linode keeps unique.
        worker = Worker(fast_state, config=WorkerConfig.instant(create_quiet_period_s=0.0))
        offer = await create_offer(fast_state, sim, "linode")
        headers, _, _ = await signed_in_headers(fast_state, client)
        image = await pick_image(client, headers, offer.small.id, "Ubuntu")
        late_s = 2.0
        sim.inject_fault(
            "linode",
            "late_write",
            method="POST",
            path="^/linode/instances$",
            write_delay_seconds=late_s,
        )
        started = time.monotonic()

        created = await client.post("/api/vps", json=deploy_body(offer, image), headers=headers)
        await _run_until_running(client, headers, created.json()["instance"]["id"], worker)
        assert sim.request_count("linode", "POST", "/linode/instances") == 2
        await asyncio.sleep(max(late_s + 0.3 - (time.monotonic() - started), 0))

        assert len(await servers_at_provider(fast_state, offer.account)) == 1

    async def test_linode_create_sent_again_with_its_label_taken_is_already_exists(
        self, fast_state: AppState, sim: SimulatorServer
    ) -> None:
        offer = await create_offer(fast_state, sim, "linode")
        provider = provider_for(fast_state, offer.account)
        spec = CreateInstanceSpec(
            instance_id=uuid.uuid4(),
            label="web-1",
            plan_id=offer.setup.small,
            region_id=offer.setup.region,
            image_id="linode/ubuntu22.04",
            root_pass=ROOT_PASS,
        )
        await provider.create_instance(spec)

        with pytest.raises(ProviderAlreadyExists):
            await provider.create_instance(spec)
