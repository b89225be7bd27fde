"""A deploy accepted with 201 survives the process that accepted it: `vpspanel serve
--no-worker` in a real process accepts it and sends nothing, is SIGKILLed, and a worker in
another process (one in the test's, or a real `vpspanel worker` process) completes the create
with the root password sealed under the key ring. The ciphertext is then gone from every
column of every table of the database."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from httpx import ASGITransport, AsyncClient
from sqlalchemy import inspect, text

from tests.conftest import TEST_ENCRYPTION_KEY
from tests.factories import signed_in_headers
from tests.instances.support import (
    ROOT_PASS,
    Offer,
    create_offer,
    deploy_body,
    operations_of,
    pick_image,
    servers_at_provider,
    wait_for_status,
)
from vpspanel.app import create_app
from vpspanel.config import Settings
from vpspanel.db.migrate import upgrade_engine
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


def _environment(settings: Settings, data_dir: Path) -> dict[str, str]:
    """A child process's environment: ours without any VPSPANEL_* setting, then the test
    database, the test key ring and a data directory of its own."""
    return {
        **{key: value for key, value in os.environ.items() if not key.startswith("VPSPANEL_")},
        "VPSPANEL_DATABASE_URL": settings.database_url,
        "VPSPANEL_ENCRYPTION_KEYS": TEST_ENCRYPTION_KEY,
        "VPSPANEL_ENV": settings.env.value,
        "VPSPANEL_DATA_DIR": str(data_dir),
        "VPSPANEL_LOG_LEVEL": "INFO",
    }


@dataclass(frozen=True)
class Accepted:
    offer: Offer
    headers: dict[str, str]
    instance_id: str
    ciphertext: str
    serve_log: Path


async def _accept_then_kill_serve(
    state: AppState,
    client: AsyncClient,
    sim: SimulatorServer,
    settings: Settings,
    tmp_path: Path,
) -> Accepted:
    """`vpspanel serve --no-worker` in its own process accepts a deploy (201), sends nothing
    to the provider, and is SIGKILLed; the sealed password is left on the operation row."""
    offer = await create_offer(state, sim, "linode")
    headers, _, _ = await signed_in_headers(state, client)
    image = await pick_image(client, headers, offer.small.id, "Ubuntu")
    port, log = _free_port(), tmp_path / "serve.log"
    with log.open("w") as output:
        serve = subprocess.Popen(
            [sys.executable, "-m", "vpspanel.cli", "serve", "--no-worker", "--port", f"{port}"],
            cwd=REPO_ROOT,
            env=_environment(settings, tmp_path),
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as api:
            await _until_healthy(api, serve, log)
            accepted = await api.post("/api/vps", json=deploy_body(offer, image), headers=headers)
        assert accepted.status_code == 201, accepted.text
        instance_id = accepted.json()["instance"]["id"]
        await asyncio.sleep(0.5)  # an in-process worker would have sent it by now
        assert _provider_writes(sim) == 0
    finally:
        serve.send_signal(signal.SIGKILL)
        serve.wait(timeout=10)

    (operation,) = await operations_of(state, instance_id)
    assert operation.sealed_secret is not None
    ciphertext = operation.sealed_secret.rsplit(".", 1)[-1]
    # The scan sees what is there: the ciphertext on its row, the password nowhere.
    assert await columns_holding(state, [ciphertext]) == {"operations.sealed_secret"}
    assert await columns_holding(state, [ROOT_PASS]) == set()
    return Accepted(offer, headers, instance_id, ciphertext, log)


async def _assert_created_once_and_secret_gone(
    state: AppState, sim: SimulatorServer, accepted: Accepted
) -> None:
    assert len(await servers_at_provider(state, accepted.offer.account)) == 1
    assert sim.request_count("linode", "POST", "/linode/instances") == 1
    operations = await operations_of(state, accepted.instance_id)
    assert [(op.type, op.status, op.sealed_secret, op.secret_expires_at) for op in operations] == [
        ("create", "succeeded", None, None)
    ]
    assert await columns_holding(state, [accepted.ciphertext, ROOT_PASS]) == set()
    assert ROOT_PASS not in accepted.serve_log.read_text()


class TestAcceptedMeansItWillHappen:
    async def test_serve_killed_after_201_a_worker_elsewhere_completes_the_create(
        self,
        fast_state: AppState,
        client: AsyncClient,
        sim: SimulatorServer,
        test_settings: Settings,
        tmp_path: Path,
    ) -> None:
        accepted = await _accept_then_kill_serve(fast_state, client, sim, test_settings, tmp_path)

        worker = Worker(fast_state, config=WorkerConfig.instant())
        running = await wait_for_status(
            client, accepted.headers, accepted.instance_id, "running", worker
        )

        assert running["ip_address"]
        await _assert_created_once_and_secret_gone(fast_state, sim, accepted)

    async def test_serve_killed_after_201_a_standalone_worker_process_completes_the_create(
        self,
        fast_state: AppState,
        client: AsyncClient,
        sim: SimulatorServer,
        test_settings: Settings,
        tmp_path: Path,
    ) -> None:
        accepted = await _accept_then_kill_serve(fast_state, client, sim, test_settings, tmp_path)
        log = tmp_path / "worker.log"
        with log.open("w") as output:
            worker = subprocess.Popen(
                [sys.executable, "-m", "vpspanel.cli", "worker"],
                cwd=REPO_ROOT,
                env=_environment(test_settings, tmp_path),
                stdout=output,
                stderr=subprocess.STDOUT,
            )
        try:
            started = time.monotonic()
            # The worker's own pace (3 s status polls, 5 s settle) plus a loaded CI's imports.
            while True:
                assert worker.poll() is None, log.read_text()
                assert time.monotonic() - started < 90, log.read_text()
                answer = await client.get(
                    f"/api/vps/{accepted.instance_id}", headers=accepted.headers
                )
                instance = answer.json()["instance"]
                if instance["status"] == "running" and not instance["is_transitional"]:
                    break
                await asyncio.sleep(0.2)
            print(f"\nthe standalone worker completed the create {time.monotonic() - started:.1f}s")
        finally:
            worker.send_signal(signal.SIGTERM)
            worker.wait(timeout=40)

        assert instance["ip_address"]
        await _assert_created_once_and_secret_gone(fast_state, sim, accepted)
        worker_log = log.read_text()
        assert ROOT_PASS not in worker_log
        assert "operation_claimed" in worker_log and "operation_finished" in worker_log


@pytest.fixture
async def sqlite_file_state(
    fast_state: AppState, test_settings: Settings, tmp_path: Path
) -> AsyncIterator[AppState]:
    """An app state on its own SQLite database file (whichever database the suite runs on):
    what is tested here is what stays in SQLite's files."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'panel.db'}"
    state = AppState.from_settings(test_settings.model_copy(update={"database_url": url}))
    state.providers = fast_state.providers  # instant back-offs
    await upgrade_engine(state.engine)
    yield state
    await state.close()


def _database_files_holding(database: Path, needle: str) -> list[str]:
    """The database's files (main file, -wal, -shm) whose bytes contain `needle`."""
    return [
        path.name
        for path in sorted(database.parent.glob(database.name + "*"))
        if needle.encode() in path.read_bytes()
    ]


class TestErasedSecretsLeaveNoBytes:
    async def test_after_the_sweep_the_ciphertext_is_in_no_file_of_the_sqlite_database(
        self, sqlite_file_state: AppState, sim: SimulatorServer, tmp_path: Path
    ) -> None:
        state = sqlite_file_state
        database = tmp_path / "panel.db"
        app = create_app(state=state)
        async with AsyncClient(transport=ASGITransport(app=app), base_url="http://t") as client:
            offer = await create_offer(state, sim, "linode")
            headers, _, _ = await signed_in_headers(state, client)
            image = await pick_image(client, headers, offer.small.id, "Ubuntu")
            created = await client.post("/api/vps", json=deploy_body(offer, image), headers=headers)
            assert created.status_code == 201, created.text
            instance_id = created.json()["instance"]["id"]
            (operation,) = await operations_of(state, instance_id)
            assert operation.sealed_secret is not None
            # Its head (the nonce and the first bytes after it): a remnant of the ciphertext
            # decrypts as far as it goes, with the key ring (GCM is a stream cipher).
            ciphertext_head = operation.sealed_secret.rsplit(".", 1)[-1][:24]
            # The scan finds it while it is there.
            assert _database_files_holding(database, ciphertext_head) != []

            worker = Worker(state, config=WorkerConfig.instant())
            await wait_for_status(client, headers, instance_id, "running", worker)
            (operation,) = await operations_of(state, instance_id)
            assert operation.sealed_secret is None
            await worker.erase_expired_secrets()

        assert _database_files_holding(database, ciphertext_head) == []
        assert _database_files_holding(database, ROOT_PASS) == []
        assert (tmp_path / "panel.db-wal").stat().st_size == 0
