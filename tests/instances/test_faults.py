"""Provider faults during a create: every one ends with exactly one server per instance,
counted through the provider's own list API."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from httpx import AsyncClient

from tests.factories import running_instance, signed_in_headers
from tests.instances.support import (
    Offer,
    create_offer,
    deploy_body,
    operations_of,
    pick_image,
    rebuild_body,
    run_until_idle,
    servers_at_provider,
    wait_for_status,
)
from vpspanel.instances import tasks
from vpspanel.simulator.testing import SimulatorServer
from vpspanel.state import AppState
from vpspanel.worker.config import WorkerConfig
from vpspanel.worker.runner import Worker

CREATE_PATHS = {"linode": "/linode/instances", "digitalocean": "/droplets"}
FAULTS = [
    pytest.param("server_error", {"status": 500}, id="5xx"),
    pytest.param("server_error", {"status": 503, "times": 3}, id="503-repeated"),
    pytest.param("rate_limit", {"times": 6}, id="429"),
    pytest.param("lost_response", {"status": 502}, id="lost-create-response"),
    pytest.param("timeout", {"delay_seconds": 1.0}, id="timeout"),
]


class TestCreateFaults:
    @pytest.mark.parametrize("provider_type", ["linode", "digitalocean"])
    @pytest.mark.parametrize(("kind", "options"), FAULTS)
    async def test_fault_ends_with_exactly_one_running_server(
        self,
        provider_type: str,
        kind: str,
        options: dict[str, object],
        fast_state: AppState,
        client: AsyncClient,
        sim: SimulatorServer,
    ) -> None:
        # The step gives up on a hung request after 0.3 s; a request we gave up on is looked
        # for by tag twice (0.3 s apart) before anything is sent again.
        worker = Worker(
            fast_state,
            config=WorkerConfig.instant(step_timeout_s=0.3, create_quiet_period_s=0.3),
        )
        offer = await create_offer(fast_state, sim, provider_type)
        headers, _, _ = await signed_in_headers(fast_state, client)
        image = await pick_image(client, headers, offer.small.id, "Ubuntu")
        path = CREATE_PATHS[provider_type]
        sim.inject_fault(provider_type, kind, method="POST", path=f"^{path}$", **options)  # type: ignore[arg-type]

        created = await client.post("/api/vps", json=deploy_body(offer, image), headers=headers)
        instance_id = created.json()["instance"]["id"]
        running = await wait_for_status(
            client, headers, instance_id, "running", worker, max_steps=400
        )

        assert running["ip_address"]
        assert len(await servers_at_provider(fast_state, offer.account)) == 1
        operations = await operations_of(fast_state, instance_id)
        assert [(op.type, op.status, op.sealed_secret) for op in operations] == [
            ("create", "succeeded", None)
        ]


class TestActionFaults:
    async def test_an_action_that_keeps_failing_ends_failed_with_a_readable_reason(
        self, fast_state: AppState, client: AsyncClient, sim: SimulatorServer
    ) -> None:
        worker = Worker(
            fast_state,
            config=WorkerConfig.instant(timeouts={"reboot": timedelta(seconds=1)}),
        )
        offer = await create_offer(fast_state, sim, "linode")
        headers, _, _ = await signed_in_headers(fast_state, client)
        instance_id = (await running_instance(client, headers, offer, worker))["id"]
        # Refused every time (429): nothing happened, so it is sent again until the deadline.
        # (A 5xx may have been carried out: that is watched, never sent again.)
        sim.inject_fault("linode", "rate_limit", method="POST", path=r"/reboot$", times=10_000)

        assert (
            await client.post(f"/api/vps/{instance_id}/reboot", headers=headers)
        ).status_code == 202
        # Fails at the deadline, then the instance is re-read from the provider.
        after = await wait_for_status(
            client, headers, instance_id, "running", worker, max_steps=10_000
        )
        assert after["error"] == "The cloud provider did not finish in time. Please try again."
        events = (await client.get(f"/api/vps/{instance_id}/events", headers=headers)).json()
        reboot = next(event for event in events["events"] if event["type"] == "reboot")
        assert reboot["status"] == "failed"
        assert "503" not in reboot["message"]
        assert [(op.type, op.status) for op in await operations_of(fast_state, instance_id)] == [
            ("create", "succeeded"),
            ("reboot", "failed"),
            ("sync", "succeeded"),
        ]

    async def test_a_permanent_refusal_fails_at_once(
        self, fast_state: AppState, client: AsyncClient, sim: SimulatorServer, worker: Worker
    ) -> None:
        offer = await create_offer(fast_state, sim, "digitalocean")
        headers, _, _ = await signed_in_headers(fast_state, client)
        instance_id = (await running_instance(client, headers, offer, worker))["id"]
        sim.inject_fault(
            "digitalocean", "server_error", method="POST", path=r"/actions$", status=403
        )

        await client.post(f"/api/vps/{instance_id}/shutdown", headers=headers)
        after = await wait_for_status(client, headers, instance_id, "running", worker)
        assert after["error"] is not None and "refused" in after["error"]
        operations = await operations_of(fast_state, instance_id)
        assert [(op.type, op.status, op.attempts) for op in operations][1] == (
            "shutdown",
            "failed",
            1,
        )


ACTION_PATHS = {
    ("linode", "reboot"): r"^/linode/instances/[^/]+/reboot$",
    ("linode", "rebuild"): r"^/linode/instances/[^/]+/rebuild$",
    ("linode", "resize"): r"^/linode/instances/[^/]+/resize$",
    ("linode", "shutdown"): r"^/linode/instances/[^/]+/shutdown$",
    ("digitalocean", "reboot"): r"^/droplets/[^/]+/actions$",
    ("digitalocean", "rebuild"): r"^/droplets/[^/]+/actions$",
    ("digitalocean", "resize"): r"^/droplets/[^/]+/actions$",
    ("digitalocean", "shutdown"): r"^/droplets/[^/]+/actions$",
}
SETTLED_STATUS = {
    "reboot": "running",
    "rebuild": "running",
    "resize": "running",
    "shutdown": "stopped",
}


def _action_body(action: str, offer: Offer, image: str) -> dict[str, str] | None:
    if action == "rebuild":
        return rebuild_body(offer.setup.type, image)
    if action == "resize":
        return {"type": str(offer.large.id)}
    return None


class TestAmbiguousActionFailures:
    """An action whose answer is lost may have been carried out: it is watched, never sent
    again (a second rebuild would wipe the disk twice)."""

    @pytest.mark.parametrize("provider_type", ["linode", "digitalocean"])
    @pytest.mark.parametrize(
        ("action", "kind", "options"),
        [
            *(
                pytest.param(action, "lost_response", {"status": 502}, id=f"lost-{action}")
                for action in ("rebuild", "reboot", "resize", "shutdown")
            ),
            *(
                pytest.param(action, "timeout", {"delay_seconds": 2.0}, id=f"no-answer-{action}")
                for action in ("rebuild", "reboot", "resize")
            ),
        ],
    )
    async def test_the_action_reaches_the_provider_once(
        self,
        provider_type: str,
        action: str,
        kind: str,
        options: dict[str, object],
        fast_state: AppState,
        client: AsyncClient,
        sim: SimulatorServer,
    ) -> None:
        # A step gives up on an answer that takes longer than this; long enough that a busy
        # machine never gives up before the request is sent (that is a different case). The
        # grace a settled server gets to show a new plan outlasts the 2 s the simulator holds
        # an unanswered request.
        worker = Worker(
            fast_state,
            config=WorkerConfig.instant(
                step_timeout_s=1.0, poll_interval_s=0.05, change_grace_s=3.0
            ),
        )
        offer = await create_offer(fast_state, sim, provider_type)
        headers, _, _ = await signed_in_headers(fast_state, client)
        image = await pick_image(client, headers, offer.small.id, "Ubuntu")
        instance_id = (await running_instance(client, headers, offer, worker, image=image))["id"]
        path = ACTION_PATHS[(provider_type, action)]
        sim.clear_requests()
        sim.inject_fault(provider_type, kind, method="POST", path=path, **options)  # type: ignore[arg-type]

        accepted = await client.post(
            f"/api/vps/{instance_id}/{action}",
            json=_action_body(action, offer, image),
            headers=headers,
        )
        assert accepted.status_code == 202, accepted.text
        await wait_for_status(
            client, headers, instance_id, SETTLED_STATUS[action], worker, max_steps=2000
        )
        await run_until_idle(worker)

        assert sim.request_count(provider_type, "POST", path) == 1
        action_operation, *follow_ups = (await operations_of(fast_state, instance_id))[1:]
        assert (action_operation.type, action_operation.sealed_secret) == (action, None)
        # Only a failed action is followed by a sync that re-reads the server.
        succeeded = action_operation.status == "succeeded"
        assert [op.type for op in follow_ups] == ([] if succeeded else ["sync"])
        if action == "resize":
            # Succeeded exactly when the provider shows the new plan, whatever became of the
            # request (the simulator drops a held request whose client has hung up).
            (server,) = await servers_at_provider(fast_state, offer.account)
            assert succeeded == (server.plan_id == offer.setup.large)

    @pytest.mark.parametrize("provider_type", ["linode", "digitalocean"])
    async def test_a_shutdown_showing_no_effect_is_sent_again(
        self,
        provider_type: str,
        fast_state: AppState,
        client: AsyncClient,
        sim: SimulatorServer,
        worker: Worker,
    ) -> None:
        offer = await create_offer(fast_state, sim, provider_type)
        headers, _, _ = await signed_in_headers(fast_state, client)
        instance_id = (await running_instance(client, headers, offer, worker))["id"]
        path = ACTION_PATHS[(provider_type, "shutdown")]
        sim.clear_requests()
        # A 502 that did not carry the request out: the server stays up.
        sim.inject_fault(provider_type, "server_error", method="POST", path=path, status=502)

        await client.post(f"/api/vps/{instance_id}/shutdown", headers=headers)
        await wait_for_status(client, headers, instance_id, "stopped", worker)

        assert sim.request_count(provider_type, "POST", path) == 2
        (server,) = await servers_at_provider(fast_state, offer.account)
        assert server.status == "stopped"

    @pytest.mark.parametrize("provider_type", ["linode", "digitalocean"])
    async def test_a_worker_taking_over_a_sent_rebuild_does_not_send_it_again(
        self,
        provider_type: str,
        fast_state: AppState,
        client: AsyncClient,
        sim: SimulatorServer,
        worker: Worker,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        offer = await create_offer(fast_state, sim, provider_type)
        headers, _, _ = await signed_in_headers(fast_state, client)
        image = await pick_image(client, headers, offer.small.id, "Ubuntu")
        instance_id = (await running_instance(client, headers, offer, worker, image=image))["id"]
        path = ACTION_PATHS[(provider_type, "rebuild")]
        sim.clear_requests()
        real_send = tasks._send

        async def send_then_die(*args: Any) -> None:
            await real_send(*args)
            raise WorkerDied

        monkeypatch.setattr(tasks, "_send", send_then_die)
        rebuild = await client.post(
            f"/api/vps/{instance_id}/rebuild",
            json=rebuild_body(provider_type, image),
            headers=headers,
        )
        assert rebuild.status_code == 202, rebuild.text
        with pytest.raises(WorkerDied):
            await worker.run_once()
        monkeypatch.setattr(tasks, "_send", real_send)
        # The dead worker's lease lapses; another worker takes over.
        base = fast_state.clock()
        monkeypatch.setattr(fast_state, "clock", lambda: base + worker.config.lease * 2)
        successor = Worker(fast_state, config=worker.config)
        await wait_for_status(client, headers, instance_id, "running", successor)

        assert sim.request_count(provider_type, "POST", path) == 1
        (_, rebuilt) = await operations_of(fast_state, instance_id)
        assert (rebuilt.type, rebuilt.status, rebuilt.attempts) == ("rebuild", "succeeded", 2)


class WorkerDied(Exception):
    """Stands for a worker process killed right after its request left."""
