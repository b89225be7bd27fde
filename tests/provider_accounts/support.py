"""Helpers shared by the provider-account and catalog tests."""

from __future__ import annotations

import uuid
from typing import Any

from httpx import AsyncClient, Response

from vpspanel.simulator.testing import SimulatorServer


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
