"""A deploy accepted with 201 survives the process that accepted it: `vpspanel serve
--no-worker` in a real process accepts it and sends nothing, is SIGKILLed, and a worker in
another process completes the create with the root password sealed under the key ring. The
ciphertext is then gone from every column of every table of the database."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
from httpx import AsyncClient
from sqlalchemy import inspect, text

from tests.conftest import TEST_ENCRYPTION_KEY
from tests.factories import signed_in_headers
from tests.instances.support import (
    ROOT_PASS,
    create_offer,
    deploy_body,
    operations_of,
    pick_image,
    servers_at_provider,
    wait_for_status,
)
from vpspanel.config import Settings
from vpspanel.simulator.testing import SimulatorServer
from vpspanel.state import AppState
from vpspanel.worker.config import WorkerConfig
from vpspanel.worker.runner import Worker

REPO_ROOT = Path(__file__).resolve().parents[2]
PROVIDER_WRITES = ("POST", "PUT", "DELETE")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _printable(value: Any) -> str:
    if isinstance(value, dict | list):
        return json.dumps(value, default=str)
    if isinstance(value, bytes | memoryview):
        return bytes(value).decode("latin-1")
    return str(value)


async def columns_holding(state: AppState, needles: list[str]) -> set[str]:
    """Every `table.column` of the database (as the database lists its tables, not as our
    models do) with a value containing one of `needles`."""
    found: set[str] = set()
    async with state.engine.connect() as connection:
        tables = await connection.run_sync(lambda sync: inspect(sync).get_table_names())
        for table in tables:
            for row in await connection.execute(text(f'SELECT * FROM "{table}"')):
                for column, value in row._mapping.items():
                    printed = _printable(value)
                    if any(needle in printed for needle in needles):
                        found.add(f"{table}.{column}")
    return found


def _provider_writes(sim: SimulatorServer) -> int:
    return sum(sim.request_count("linode", method) for method in PROVIDER_WRITES)


async def _until_healthy(api: httpx.AsyncClient, serve: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60  # a loaded CI machine imports slowly
    while time.monotonic() < deadline:
        assert serve.poll() is None, log.read_text()
        try:
            if (await api.get("/api/health")).status_code == 200:
                return
        except httpx.TransportError:
            pass
        await asyncio.sleep(0.1)
    raise AssertionError("`vpspanel serve` did not start:\n" + log.read_text())


class TestAcceptedMeansItWillHappen:
    async def test_serve_killed_after_201_a_worker_elsewhere_completes_the_create(
        self,
        fast_state: AppState,
        client: AsyncClient,
        sim: SimulatorServer,
        test_settings: Settings,
        tmp_path: Path,
    ) -> None:
        offer = await create_offer(fast_state, sim, "linode")
        headers, _, _ = await signed_in_headers(fast_state, client)
        image = await pick_image(client, headers, offer.small.id, "Ubuntu")
        port, log = _free_port(), tmp_path / "serve.log"
        environment = {
            **{key: value for key, value in os.environ.items() if not key.startswith("VPSPANEL_")},
            "VPSPANEL_DATABASE_URL": test_settings.database_url,
            "VPSPANEL_ENCRYPTION_KEYS": TEST_ENCRYPTION_KEY,
            "VPSPANEL_ENV": test_settings.env.value,
            "VPSPANEL_DATA_DIR": str(tmp_path),
            "VPSPANEL_LOG_LEVEL": "INFO",
        }
        with log.open("w") as output:
            serve = subprocess.Popen(
                [sys.executable, "-m", "vpspanel.cli", "serve", "--no-worker", "--port", f"{port}"],
                cwd=REPO_ROOT,
                env=environment,
                stdout=output,
                stderr=subprocess.STDOUT,
            )
        try:
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as api:
                await _until_healthy(api, serve, log)
                accepted = await api.post(
                    "/api/vps", json=deploy_body(offer, image), headers=headers
                )
            assert accepted.status_code == 201, accepted.text
            instance_id = accepted.json()["instance"]["id"]
            await asyncio.sleep(0.5)  # an in-process worker would have sent it by now
            assert _provider_writes(sim) == 0
        finally:
            serve.send_signal(signal.SIGKILL)
            serve.wait(timeout=10)

        (operation,) = await operations_of(fast_state, instance_id)
        assert operation.sealed_secret is not None
        ciphertext = operation.sealed_secret.rsplit(".", 1)[-1]
        # The scan sees what is there: the ciphertext on its row, the password nowhere.
        assert await columns_holding(fast_state, [ciphertext]) == {"operations.sealed_secret"}
        assert await columns_holding(fast_state, [ROOT_PASS]) == set()

        worker = Worker(fast_state, config=WorkerConfig.instant())
        running = await wait_for_status(client, headers, instance_id, "running", worker)

        assert running["ip_address"]
        assert len(await servers_at_provider(fast_state, offer.account)) == 1
        assert sim.request_count("linode", "POST", "/linode/instances") == 1
        operations = await operations_of(fast_state, instance_id)
        assert [
            (op.type, op.status, op.sealed_secret, op.secret_expires_at) for op in operations
        ] == [("create", "succeeded", None, None)]
        assert await columns_holding(fast_state, [ciphertext, ROOT_PASS]) == set()
        assert ROOT_PASS not in log.read_text()
