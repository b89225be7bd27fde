"""Fixtures and helpers shared by the provider-account and catalog tests."""

from __future__ import annotations

import asyncio
import socket
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from httpx import AsyncClient, Response

from tests.factories import create_committed_user
from vpspanel.auth.models import AuthSession, UserRole
from vpspanel.provider_accounts.connect import ProviderConnector
from vpspanel.security.tokens import hash_token
from vpspanel.security.tokens import new_token as new_session_token
from vpspanel.simulator.testing import SimulatorServer
from vpspanel.state import AppState


class InstantClock:
    """Provider transport clock whose back-off sleeps return at once."""

    def monotonic(self) -> float:
        return time.monotonic()

    def time(self) -> float:
        return time.time()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(0)


@pytest.fixture(scope="session")
def simulator_server() -> Iterator[SimulatorServer]:
    with SimulatorServer() as server:
        yield server


@pytest.fixture
def sim(simulator_server: SimulatorServer) -> SimulatorServer:
    simulator_server.reset()
    return simulator_server


@pytest.fixture(autouse=True)
def instant_providers(state: AppState) -> Iterator[None]:
    original = state.providers
    state.providers = ProviderConnector(state.secret_box, clock=InstantClock())
    yield
    state.providers = original


async def bearer_headers(state: AppState, role: UserRole) -> dict[str, str]:
    """A committed user with a session made directly (these tests are not about signing in)."""
    user, _ = await create_committed_user(state, role=role)
    token = new_session_token()
    now = state.clock()
    async with state.sessionmaker() as session, session.begin():
        session.add(
            AuthSession(
                user_id=user.id,
                token_hash=hash_token(token),
                csrf_token_hash=hash_token(new_session_token()),
                created_at=now,
                expires_at=now + timedelta(hours=1),
            )
        )
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
async def admin(state: AppState) -> dict[str, str]:
    return await bearer_headers(state, UserRole.ADMIN)


@pytest.fixture
async def customer(state: AppState) -> dict[str, str]:
    return await bearer_headers(state, UserRole.CUSTOMER)


@pytest.fixture
def closed_port_url() -> str:
    """A loopback URL nobody listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/v4"


def new_token(prefix: str = "tok") -> str:
    """A fresh simulator account (and a fresh request budget) per call."""
    return f"{prefix}-{uuid.uuid4().hex}"


def base_url(sim: SimulatorServer, provider_type: str) -> str:
    return sim.linode_url if provider_type == "linode" else sim.digitalocean_url


async def connect(
    client: AsyncClient,
    headers: dict[str, str],
    sim: SimulatorServer,
    provider_type: str = "linode",
    *,
    token: str | None = None,
    name: str | None = None,
    configuration: dict[str, Any] | None = None,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": name or f"{provider_type} account",
        "type": provider_type,
        "api_key": token or new_token(),
        "api_base_url": base_url(sim, provider_type),
    }
    if configuration is not None:
        body["configuration"] = configuration
    response = await client.post("/api/admin/providers", json=body, headers=headers)
    assert response.status_code == 201, response.text
    provider: dict[str, Any] = response.json()["provider"]
    return provider


def error_of(response: Response) -> str:
    code: str = response.json()["error"]
    return code
