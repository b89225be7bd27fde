"""Simulator tests talk to the ASGI app in-process (httpx ASGITransport) on a manual clock.

`sim.linode(...)` / `sim.do(...)` send a request and, unless `validate=False`, check the
response (status, body, declared headers) against the official OpenAPI document.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any, Literal

import httpx
import pytest

from tests.support.openapi_contract import require_specs, validate_response
from vpspanel.simulator import ManualClock, SimulatorSettings, create_simulator_app
from vpspanel.simulator.state import SimulatorState

SSH_ED25519 = (
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAID3Mp6PoyRi2T7lJL7/+eYwxWi0KQaZ8klh3SyOrg51K alice@laptop"
)
SSH_ED25519_OTHER = (
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAINQALaDEwj6z9xjlb36XtBoUkZFnF0liHV2QhRU8GwWy bob@desk"
)
STRONG_PASSWORD = "Corr3ct-Horse-Battery"
DEFAULT_TOKEN = "tok-alpha"


class Sim:
    def __init__(self, client: httpx.AsyncClient, state: SimulatorState, clock: ManualClock):
        self.client = client
        self.state = state
        self.clock = clock

    async def _call(
        self,
        provider: Literal["linode", "digitalocean"],
        prefix: str,
        method: str,
        path: str,
        token: str | None,
        validate: bool,
        **kwargs: Any,
    ) -> httpx.Response:
        headers = dict(kwargs.pop("headers", None) or {})
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        response = await self.client.request(method, prefix + path, headers=headers, **kwargs)
        if validate:
            require_specs()
            body = response.json() if response.content else None
            validate_response(
                provider,
                method,
                path,
                response.status_code,
                body,
                dict(response.headers),
            )
        return response

    async def linode(
        self,
        method: str,
        path: str,
        *,
        token: str | None = DEFAULT_TOKEN,
        validate: bool = True,
        **kwargs: Any,
    ) -> httpx.Response:
        return await self._call("linode", "/linode/v4", method, path, token, validate, **kwargs)

    async def do(
        self,
        method: str,
        path: str,
        *,
        token: str | None = DEFAULT_TOKEN,
        validate: bool = True,
        **kwargs: Any,
    ) -> httpx.Response:
        return await self._call(
            "digitalocean", "/digitalocean/v2", method, path, token, validate, **kwargs
        )

    async def control(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        return await self.client.request(method, "/_control" + path, **kwargs)

    async def configure(self, **changes: Any) -> None:
        response = await self.control("PATCH", "/config", json=changes)
        assert response.status_code == 200, response.text

    # shortcuts ------------------------------------------------------------------------
    async def create_linode(self, token: str = DEFAULT_TOKEN, **overrides: Any) -> dict[str, Any]:
        body = {
            "type": "g6-nanode-1",
            "region": "us-east",
            "image": "linode/debian12",
            "root_pass": STRONG_PASSWORD,
            **overrides,
        }
        response = await self.linode("POST", "/linode/instances", token=token, json=body)
        assert response.status_code == 200, response.text
        result: dict[str, Any] = response.json()
        return result

    async def create_droplet(self, token: str = DEFAULT_TOKEN, **overrides: Any) -> dict[str, Any]:
        body = {
            "name": "web-1",
            "size": "s-1vcpu-1gb",
            "image": "ubuntu-24-04-x64",
            "region": "nyc3",
            **overrides,
        }
        response = await self.do("POST", "/droplets", token=token, json=body)
        assert response.status_code == 202, response.text
        result: dict[str, Any] = response.json()
        return result


@pytest.fixture
def settings() -> SimulatorSettings:
    """Instant lifecycles, no rate limits (the rate-limit tests turn them back on)."""
    return SimulatorSettings.instant().patched({"rate_limits": {"enabled": False}})


@pytest.fixture
async def sim(settings: SimulatorSettings) -> AsyncIterator[Sim]:
    clock = ManualClock()
    app = create_simulator_app(settings, clock)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://sim.test") as client:
        yield Sim(client, app.state.simulator, clock)
