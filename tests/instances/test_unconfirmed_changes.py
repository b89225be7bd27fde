"""A resize or rebuild whose request may have been lost succeeds only once the provider shows
the new plan (image): a status settling to running proves nothing about either.

The resize (rebuild) request's answer is lost in two ways the simulator can play: a 502 for a
request the cloud never carried out, and a 504 for one it carries out a moment later
(`late_write`). Times are real and short: the grace the worker gives a change to show is
GRACE_S, the late write lands after LATE_WRITE_S."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any

import pytest
from httpx import AsyncClient

from tests.factories import running_instance, signed_in_headers
from tests.instances.support import (
    Offer,
    create_offer,
    operations_of,
    pick_image,
    rebuild_body,
    servers_at_provider,
)
from vpspanel.instances import tasks
from vpspanel.operations.models import Operation
from vpspanel.simulator.testing import SimulatorServer
from vpspanel.state import AppState
from vpspanel.worker.account_sync import AccountSync
from vpspanel.worker.config import WorkerConfig
from vpspanel.worker.reconcile import AFTER_FAILED_RESIZE
from vpspanel.worker.runner import Worker

GRACE_S = 1.5
LATE_WRITE_S = 0.5
ACTION_PATHS = {
    ("linode", "resize"): r"^/linode/instances/[^/]+/resize$",
    ("linode", "rebuild"): r"^/linode/instances/[^/]+/rebuild$",
    ("digitalocean", "resize"): r"^/droplets/[^/]+/actions$",
    ("digitalocean", "rebuild"): r"^/droplets/[^/]+/actions$",
}


def _worker(state: AppState) -> Worker:
    return Worker(state, config=WorkerConfig.instant(poll_interval_s=0.02, change_grace_s=GRACE_S))


async def _run_until_ended(state: AppState, worker: Worker, instance_id: str) -> Operation:
    """Drive the worker until the instance's last operation ends (its follow-up sync too)."""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        operations = await operations_of(state, instance_id)
        if all(op.status in ("succeeded", "failed") for op in operations):
            return next(op for op in operations if op.type in ("resize", "rebuild"))
        if not await worker.run_once():
            await asyncio.sleep(0.01)
    raise AssertionError(f"the operations of {instance_id} never ended")


async def _event(client: AsyncClient, headers: dict[str, str], instance_id: str, kind: str) -> Any:
    events = (await client.get(f"/api/vps/{instance_id}/events", headers=headers)).json()
    return next(event for event in events["events"] if event["type"] == kind)


@dataclass
class Scene:
    """A running server of ours and what its tests drive."""

    state: AppState
    client: AsyncClient
    sim: SimulatorServer
    headers: dict[str, str]
    provider_type: str
    instance_id: str

    async def ask_with_fault(self, action: str, body: dict[str, Any], **fault: Any) -> Operation:
        """Ask for `action` with `fault` (a kind and its settings) waiting for its request,
        then drive the worker until the operation ends; the request log starts empty."""
        path = ACTION_PATHS[(self.provider_type, action)]
        self.sim.clear_requests()
        self.sim.inject_fault(self.provider_type, method="POST", path=path, **fault)
        accepted = await self.client.post(
            f"/api/vps/{self.instance_id}/{action}", json=body, headers=self.headers
        )
        assert accepted.status_code == 202, accepted.text
        return await _run_until_ended(self.state, _worker(self.state), self.instance_id)


async def _deployed(
    state: AppState, client: AsyncClient, sim: SimulatorServer, provider_type: str
) -> tuple[Offer, dict[str, str], str, str]:
    offer = await create_offer(state, sim, provider_type)
    headers, _, _ = await signed_in_headers(state, client)
    image = await pick_image(client, headers, offer.small.id, "Ubuntu")
    instance_id = (await running_instance(client, headers, offer, _worker(state), image=image))[
        "id"
    ]
    return offer, headers, instance_id, image


@pytest.mark.parametrize("provider_type", ["linode", "digitalocean"])
class TestUnconfirmedResize:
    async def test_a_resize_the_cloud_never_received_fails_and_keeps_the_plan(
        self, provider_type: str, fast_state: AppState, client: AsyncClient, sim: SimulatorServer
    ) -> None:
        offer, headers, instance_id, _ = await _deployed(fast_state, client, sim, provider_type)
        path = ACTION_PATHS[(provider_type, "resize")]
        # A 502 for a request the cloud never carried out: we cannot tell it from a lost answer.
        scene = Scene(fast_state, client, sim, headers, provider_type, instance_id)
        resize = await scene.ask_with_fault(
            "resize", {"type": str(offer.large.id)}, kind="server_error", status=502
        )

        assert resize.status == "failed"
        assert resize.error == tasks.RESIZE_NOT_CARRIED_OUT
        assert "stays on its current plan" in tasks.RESIZE_NOT_CARRIED_OUT
        event = await _event(client, headers, instance_id, "resize")
        assert (event["status"], event["message"]) == ("failed", tasks.RESIZE_NOT_CARRIED_OUT)
        server = (await client.get(f"/api/vps/{instance_id}", headers=headers)).json()["instance"]
        assert (server["plan"]["id"], server["status"]) == (str(offer.small.id), "running")
        (at_provider,) = await servers_at_provider(fast_state, offer.account)
        assert at_provider.plan_id == offer.setup.small
        # Watched, never sent again.
        assert sim.request_count(provider_type, "POST", path) == 1

    async def test_a_resize_carried_out_after_its_answer_was_lost_succeeds_once_shown(
        self, provider_type: str, fast_state: AppState, client: AsyncClient, sim: SimulatorServer
    ) -> None:
        offer, headers, instance_id, _ = await _deployed(fast_state, client, sim, provider_type)
        path = ACTION_PATHS[(provider_type, "resize")]
        # Answered 504 at once, carried out LATE_WRITE_S later: until then the server runs on
        # its old plan, which is no proof of anything.
        scene = Scene(fast_state, client, sim, headers, provider_type, instance_id)
        resize = await scene.ask_with_fault(
            "resize",
            {"type": str(offer.large.id)},
            kind="late_write",
            write_delay_seconds=LATE_WRITE_S,
        )

        # Succeeded only once the provider showed the new plan, not before.
        (at_provider,) = await servers_at_provider(fast_state, offer.account)
        assert at_provider.plan_id == offer.setup.large
        assert (resize.status, resize.error) == ("succeeded", None)
        event = await _event(client, headers, instance_id, "resize")
        assert (event["status"], event["message"]) == ("succeeded", "The server was resized.")
        server = (await client.get(f"/api/vps/{instance_id}", headers=headers)).json()["instance"]
        assert server["plan"]["id"] == str(offer.large.id)
        assert sim.request_count(provider_type, "POST", path) == 1

    async def test_a_resize_carried_out_after_it_was_reported_failed_is_told_as_such(
        self, provider_type: str, fast_state: AppState, client: AsyncClient, sim: SimulatorServer
    ) -> None:
        offer, headers, instance_id, _ = await _deployed(fast_state, client, sim, provider_type)
        late_s = GRACE_S + 1.5
        sent_at = time.monotonic()
        scene = Scene(fast_state, client, sim, headers, provider_type, instance_id)
        resize = await scene.ask_with_fault(
            "resize", {"type": str(offer.large.id)}, kind="late_write", write_delay_seconds=late_s
        )
        assert resize.error == tasks.RESIZE_NOT_CARRIED_OUT
        await asyncio.sleep(max(late_s + 0.3 - (time.monotonic() - sent_at), 0))

        # The next look at the account sees the new plan: the failure no longer describes the
        # server, and the change is not passed off as someone else's.
        sync = AccountSync(fast_state, WorkerConfig.instant(), "test-worker")
        await sync.run_pass(offer.account)
        server = (await client.get(f"/api/vps/{instance_id}", headers=headers)).json()["instance"]
        assert (server["plan"]["id"], server["error"]) == (str(offer.large.id), None)
        events = (await client.get(f"/api/vps/{instance_id}/events", headers=headers)).json()
        observed = [event["message"] for event in events["events"] if event["type"] == "observed"]
        assert observed[-1].startswith(AFTER_FAILED_RESIZE), observed
        assert observed[-1].endswith("plan Standard 1GB → Standard 2GB.")


@pytest.mark.parametrize("provider_type", ["linode", "digitalocean"])
class TestUnconfirmedRebuild:
    async def test_a_rebuild_the_cloud_never_received_fails_and_keeps_the_image(
        self, provider_type: str, fast_state: AppState, client: AsyncClient, sim: SimulatorServer
    ) -> None:
        offer, headers, instance_id, ubuntu = await _deployed(
            fast_state, client, sim, provider_type
        )
        debian = await pick_image(client, headers, offer.small.id, "Debian")
        path = ACTION_PATHS[(provider_type, "rebuild")]
        scene = Scene(fast_state, client, sim, headers, provider_type, instance_id)
        rebuild = await scene.ask_with_fault(
            "rebuild", rebuild_body(provider_type, debian), kind="server_error", status=502
        )

        assert rebuild.status == "failed"
        assert rebuild.error == tasks.REBUILD_NOT_CARRIED_OUT
        event = await _event(client, headers, instance_id, "rebuild")
        assert (event["status"], event["message"]) == ("failed", tasks.REBUILD_NOT_CARRIED_OUT)
        server = (await client.get(f"/api/vps/{instance_id}", headers=headers)).json()["instance"]
        assert server["image"] == ubuntu
        assert sim.request_count(provider_type, "POST", path) == 1

    async def test_a_rebuild_carried_out_after_its_answer_was_lost_succeeds_once_shown(
        self, provider_type: str, fast_state: AppState, client: AsyncClient, sim: SimulatorServer
    ) -> None:
        offer, headers, instance_id, _ = await _deployed(fast_state, client, sim, provider_type)
        debian = await pick_image(client, headers, offer.small.id, "Debian")
        path = ACTION_PATHS[(provider_type, "rebuild")]
        scene = Scene(fast_state, client, sim, headers, provider_type, instance_id)
        rebuild = await scene.ask_with_fault(
            "rebuild",
            rebuild_body(provider_type, debian),
            kind="late_write",
            write_delay_seconds=LATE_WRITE_S,
        )

        (at_provider,) = await servers_at_provider(fast_state, offer.account)
        assert at_provider.image_id == rebuild.payload["provider_image_id"]
        assert (rebuild.status, rebuild.error) == ("succeeded", None)
        server = (await client.get(f"/api/vps/{instance_id}", headers=headers)).json()["instance"]
        assert server["image"] == debian
        assert sim.request_count(provider_type, "POST", path) == 1
