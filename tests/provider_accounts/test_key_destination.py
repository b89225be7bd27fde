"""A stored API key never leaves for an address it was not entered for (issue 8 #22)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from httpx import AsyncClient

from tests.provider_accounts.support import connect, error_of, new_token
from vpspanel.simulator.testing import SimulatorServer


class Listener:
    """A TCP listener of the attacker's own that records every byte sent to it."""

    def __init__(self) -> None:
        self.received = bytearray()
        self.server: asyncio.Server | None = None

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.received += await reader.read(65536)
        writer.write(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        await writer.drain()
        writer.close()

    @property
    def url(self) -> str:
        assert self.server is not None
        port = self.server.sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}/v4"


@pytest.fixture
async def listener() -> AsyncIterator[Listener]:
    recorder = Listener()
    recorder.server = await asyncio.start_server(recorder._serve, "127.0.0.1", 0)
    async with recorder.server:
        yield recorder


async def test_moving_the_account_without_the_key_sends_nothing_anywhere(
    client: AsyncClient, admin: dict[str, str], sim: SimulatorServer, listener: Listener
) -> None:
    stored = new_token()
    provider = await connect(client, admin, sim, "linode", token=stored)
    response = await client.patch(
        f"/api/admin/providers/{provider['id']}",
        json={"api_base_url": listener.url},
        headers=admin,
    )
    assert response.status_code == 422, response.text
    assert error_of(response) == "api_key_required"
    assert response.json()["fields"][0]["field"] == "api_key"
    await asyncio.sleep(0.05)
    assert listener.received == b""


async def test_a_key_sent_with_the_new_url_is_the_only_one_that_goes_there(
    client: AsyncClient, admin: dict[str, str], sim: SimulatorServer, listener: Listener
) -> None:
    stored = new_token()
    provider = await connect(client, admin, sim, "linode", token=stored)
    offered = new_token("offered")
    response = await client.patch(
        f"/api/admin/providers/{provider['id']}",
        json={"api_base_url": listener.url, "api_key": offered},
        headers=admin,
    )
    assert response.status_code >= 400  # the listener is no Linode API
    assert offered.encode() in listener.received
    assert stored.encode() not in listener.received
    after = await client.get(f"/api/admin/providers/{provider['id']}", headers=admin)
    assert after.json()["provider"]["api_base_url"] == sim.linode_url


async def test_a_key_without_a_new_url_is_refused(
    client: AsyncClient, admin: dict[str, str], sim: SimulatorServer
) -> None:
    provider = await connect(client, admin, sim, "linode")
    response = await client.patch(
        f"/api/admin/providers/{provider['id']}",
        json={"api_key": new_token(), "name": "renamed"},
        headers=admin,
    )
    assert response.status_code == 422
    assert "api-key" in response.json()["detail"]


@pytest.mark.parametrize(
    "url",
    [
        "http://user:secret@127.0.0.1:9/v4",
        "http://user@127.0.0.1:9/v4",
        "https://api.linode.com@evil.example/v4",
        "https://api.linode.com/v4?token=x",
        "https://api.linode.com/v4#x",
    ],
)
async def test_urls_with_credentials_query_or_fragment_are_refused(
    client: AsyncClient, admin: dict[str, str], sim: SimulatorServer, url: str
) -> None:
    provider = await connect(client, admin, sim, "linode")
    created = await client.post(
        "/api/admin/providers",
        json={"name": "x", "type": "linode", "api_key": new_token(), "api_base_url": url},
        headers=admin,
    )
    patched = await client.patch(
        f"/api/admin/providers/{provider['id']}",
        json={"api_base_url": url, "api_key": new_token()},
        headers=admin,
    )
    for response in (created, patched):
        assert response.status_code == 422, response.text
        assert response.json()["fields"][0]["field"] == "api_base_url"
