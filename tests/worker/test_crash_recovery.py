"""SIGKILL a real worker process mid-operation, start a new one: every operation finishes,
with exactly one server per instance at the provider."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from httpx import AsyncClient

from tests.conftest import TEST_ENCRYPTION_KEY
from tests.factories import running_instance, signed_in_headers
from tests.instances.support import (
    create_offer,
    deploy_body,
    operations_of,
    pick_image,
    servers_at_provider,
)
from vpspanel.config import Settings
from vpspanel.simulator.testing import SimulatorServer
from vpspanel.state import AppState
from vpspanel.worker.runner import Worker

REPO_ROOT = Path(__file__).resolve().parents[2]
CREATE_PATHS = {"linode": "/linode/instances", "digitalocean": "/droplets"}
REBOOT_PATHS = {"linode": r"/linode/instances/\d+/reboot", "digitalocean": r"/droplets/\d+/actions"}


@pytest.fixture
def spawn(
    test_settings: Settings, tmp_path: Path
) -> Iterator[Callable[..., subprocess.Popen[str]]]:
    started: list[subprocess.Popen[str]] = []
    env = {
        **os.environ,
        "VPSPANEL_DATABASE_URL": test_settings.database_url,
        "VPSPANEL_ENCRYPTION_KEYS": TEST_ENCRYPTION_KEY,
        "VPSPANEL_ENV": test_settings.env.value,
        "VPSPANEL_DATA_DIR": str(tmp_path),
        "VPSPANEL_LOG_LEVEL": "WARNING",
    }

    def start(mode: str, options: dict[str, Any]) -> subprocess.Popen[str]:
        process = subprocess.Popen(
            [sys.executable, "-m", "tests.worker.child", mode, json.dumps(options)],
            cwd=REPO_ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)


async def read_line(process: subprocess.Popen[str], timeout: float = 60.0) -> str:
    assert process.stdout is not None
    line = await asyncio.wait_for(asyncio.to_thread(process.stdout.readline), timeout)
    assert line, "the worker process exited early"
    return line.strip()


async def until(condition: Callable[[], Any], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not await asyncio.to_thread(condition):
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.05)


def go(process: subprocess.Popen[str]) -> None:
    assert process.stdin is not None
    process.stdin.write("go\n")
    process.stdin.flush()


def sigkill(process: subprocess.Popen[str]) -> None:
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)


async def wait_via_api(
    client: AsyncClient, headers: dict[str, str], instance_id: str, wanted: str, timeout: float = 30
) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        instance: dict[str, Any] = (
            await client.get(f"/api/vps/{instance_id}", headers=headers)
        ).json()["instance"]
        if instance["status"] == wanted:
            return instance
        if time.monotonic() > deadline:
            raise AssertionError(f"still {instance}, wanted {wanted}")
        await asyncio.sleep(0.1)


class TestKilledWorker:
    async def _deploy_in_child(
        self,
        provider_type: str,
        fast_state: AppState,
        client: AsyncClient,
        sim: SimulatorServer,
        spawn: Callable[..., subprocess.Popen[str]],
    ) -> tuple[Any, dict[str, str], subprocess.Popen[str], str]:
        offer = await create_offer(fast_state, sim, provider_type)
        headers, user, organization = await signed_in_headers(fast_state, client)
        image = await pick_image(client, headers, offer.small.id, "Ubuntu")
        child = spawn(
            "deploy",
            {
                "lease_s": 1.0,
                "deploy": {
                    "user_id": str(user.id),
                    "organization_id": str(organization.id),
                    "body": deploy_body(offer, image),
                },
            },
        )
        return offer, headers, child, await read_line(child)

    @pytest.mark.parametrize("provider_type", ["linode", "digitalocean"])
    async def test_killed_after_the_server_was_made_binds_it_and_makes_no_second(
        self,
        provider_type: str,
        fast_state: AppState,
        client: AsyncClient,
        sim: SimulatorServer,
        spawn: Callable[..., subprocess.Popen[str]],
    ) -> None:
        path = CREATE_PATHS[provider_type]
        # The server is made but its answer is lost, and the lookup by tag hangs: the worker
        # dies knowing nothing, with a server at the provider.
        sim.inject_fault(provider_type, "lost_response", method="POST", path=f"^{path}$")
        sim.inject_fault(provider_type, "timeout", method="GET", path=f"^{path}$", delay_seconds=20)
        second = spawn("work", {"lease_s": 1.0, "recheck_s": 0.5, "hold": True})
        offer, headers, first, instance_id = await self._deploy_in_child(
            provider_type, fast_state, client, sim, spawn
        )
        await until(lambda: sim.request_count(provider_type, "GET", path) >= 1)
        assert len(sim.instances(provider_type)) == 1
        sigkill(first)
        go(second)
        assert await read_line(second) == "worker-started"
        running = await wait_via_api(client, headers, instance_id, "running")
        second.send_signal(signal.SIGTERM)
        second.wait(timeout=20)

        assert running["ip_address"]
        assert len(await servers_at_provider(fast_state, offer.account)) == 1
        assert sim.request_count(provider_type, "POST", path) == 1
        operations = await operations_of(fast_state, instance_id)
        assert [(op.type, op.status, op.sealed_secret) for op in operations] == [
            ("create", "succeeded", None)
        ]

    @pytest.mark.parametrize("provider_type", ["digitalocean"])
    async def test_killed_while_the_create_was_in_flight_another_process_sends_it_again(
        self,
        provider_type: str,
        fast_state: AppState,
        client: AsyncClient,
        sim: SimulatorServer,
        spawn: Callable[..., subprocess.Popen[str]],
    ) -> None:
        """The password was sealed by the process that died; the successor unseals it with
        the key ring and, once nothing carried the tag for the quiet period, sends again."""
        path = CREATE_PATHS[provider_type]
        # The provider is slow to answer; the worker dies before it does (the simulator then
        # drops the request, as a provider does when the client is gone before the body).
        sim.inject_fault(provider_type, "timeout", method="POST", path=f"^{path}$", delay_seconds=2)
        second = spawn("work", {"lease_s": 1.0, "recheck_s": 2.5, "hold": True})
        offer, headers, first, instance_id = await self._deploy_in_child(
            provider_type, fast_state, client, sim, spawn
        )
        await until(lambda: sim.request_count(provider_type, "POST", path) >= 1)
        sigkill(first)
        go(second)
        assert await read_line(second) == "worker-started"
        running = await wait_via_api(client, headers, instance_id, "running")
        second.send_signal(signal.SIGTERM)
        second.wait(timeout=20)

        assert running["ip_address"]
        assert len(await servers_at_provider(fast_state, offer.account)) == 1
        assert sim.request_count(provider_type, "POST", path) == 2  # the lost one, and one more
        operations = await operations_of(fast_state, instance_id)
        assert [(op.type, op.status, op.sealed_secret) for op in operations] == [
            ("create", "succeeded", None)
        ]

    @pytest.mark.parametrize("provider_type", ["linode"])
    async def test_killed_while_waiting_for_a_reboot_finishes_it(
        self,
        provider_type: str,
        fast_state: AppState,
        client: AsyncClient,
        sim: SimulatorServer,
        worker: Worker,
        spawn: Callable[..., subprocess.Popen[str]],
    ) -> None:
        offer = await create_offer(fast_state, sim, provider_type)
        headers, _user, _org = await signed_in_headers(fast_state, client)
        instance_id = (await running_instance(client, headers, offer, worker))["id"]
        sim.configure(durations={"reboot": 2.0})

        second = spawn("work", {"lease_s": 1.0, "hold": True})
        first = spawn("work", {"lease_s": 1.0})
        assert await read_line(first) == "worker-started"
        assert (
            await client.post(f"/api/vps/{instance_id}/reboot", headers=headers)
        ).status_code == 202
        await until(
            lambda: sim.request_count(provider_type, "POST", REBOOT_PATHS[provider_type]) >= 1
        )
        sigkill(first)
        go(second)
        await wait_via_api(client, headers, instance_id, "running")
        second.send_signal(signal.SIGTERM)
        second.wait(timeout=20)

        assert len(await servers_at_provider(fast_state, offer.account)) == 1
        operations = await operations_of(fast_state, instance_id)
        assert [(op.type, op.status) for op in operations] == [
            ("create", "succeeded"),
            ("reboot", "succeeded"),
        ]
