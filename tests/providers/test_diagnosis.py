"""Admin-facing diagnosis of provider failures (issue 8 #15): a wrong port, a missing path, a
name that does not resolve or a portal instead of the API each get their specific, key-free
reason, and say whether the account's API base URL is the likely culprit."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator

import httpx
import pytest
import respx

from tests.providers.support import FakeClock
from vpspanel.providers.base import Provider
from vpspanel.providers.errors import ProviderError
from vpspanel.providers.http import RateBudgets, RetryPolicy
from vpspanel.providers.registry import get_provider

TOKEN = "tok-SECRET-diagnosis-0123456789"


def driver(provider_type: str, base_url: str, http: httpx.AsyncClient | None = None) -> Provider:
    return get_provider(
        provider_type,
        api_key=TOKEN,
        base_url=base_url,
        http=http or httpx.AsyncClient(timeout=httpx.Timeout(7.0, connect=3.0)),
        clock=FakeClock(),
        budgets=RateBudgets(),
        retry=RetryPolicy(max_attempts=1),
    )


async def failure_of(provider: Provider) -> ProviderError:
    with pytest.raises(ProviderError) as caught:
        await provider.verify()
    error = caught.value
    assert error.diagnosis is not None
    assert TOKEN not in error.diagnosis and TOKEN not in error.message
    return error


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@pytest.fixture
async def answers_404() -> AsyncIterator[int]:
    """A local HTTP server that answers every request 404 with a JSON body (as a web framework
    mounted at the wrong path does); yields its port."""

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read(65536)
        body = b'{"detail":"Not Found"}'
        writer.write(
            b"HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\n"
            + f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
            + body
        )
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    async with server:
        yield server.sockets[0].getsockname()[1]


@pytest.mark.parametrize("provider_type", ["linode", "digitalocean"])
async def test_wrong_port_is_connection_refused_at_host_and_port(provider_type: str) -> None:
    port = closed_port()
    error = await failure_of(driver(provider_type, f"http://127.0.0.1:{port}/v4"))
    assert f"connection refused at 127.0.0.1:{port}" in (error.diagnosis or "")
    assert error.points_at_base_url


@pytest.mark.parametrize(
    ("provider_type", "api_path"), [("linode", "/v4"), ("digitalocean", "/v2")]
)
async def test_missing_path_names_the_path_the_api_lives_under(
    provider_type: str, api_path: str, answers_404: int
) -> None:
    error = await failure_of(driver(provider_type, f"http://127.0.0.1:{answers_404}"))
    assert "answered 404 at /" in (error.diagnosis or "")
    assert f"is the path {api_path} in api_base_url?" in (error.diagnosis or "")
    assert error.points_at_base_url


async def test_unknown_name_is_dns_not_found() -> None:
    # .invalid never resolves (RFC 6761).
    error = await failure_of(driver("linode", "https://api.nowhere.invalid/v4"))
    assert error.diagnosis == "DNS name api.nowhere.invalid not found"
    assert error.points_at_base_url


async def test_tls_to_a_plain_http_port_is_a_tls_failure(answers_404: int) -> None:
    error = await failure_of(driver("linode", f"https://127.0.0.1:{answers_404}/v4"))
    assert f"TLS handshake with 127.0.0.1:{answers_404} failed" in (error.diagnosis or "")
    assert error.points_at_base_url


@respx.mock
async def test_timeouts_say_how_long_was_waited() -> None:
    respx.get("https://api.slow.test/v2/account").mock(side_effect=httpx.ConnectTimeout("t"))
    error = await failure_of(driver("digitalocean", "https://api.slow.test/v2"))
    assert error.diagnosis == "no connection to api.slow.test:443 within 3 s"
    assert error.points_at_base_url
    respx.get("https://api.slow.test/v2/account").mock(side_effect=httpx.ReadTimeout("t"))
    error = await failure_of(driver("digitalocean", "https://api.slow.test/v2"))
    assert error.diagnosis == "no answer from api.slow.test:443 within 7 s"
    assert not error.points_at_base_url  # the API is there, only slow


@respx.mock
async def test_html_instead_of_json_is_named() -> None:
    respx.get("https://portal.example.test/v4/profile").respond(
        200, html="<html>Welcome to our portal</html>"
    )
    error = await failure_of(driver("linode", "https://portal.example.test/v4"))
    assert "answered 200 at /profile with HTML instead of the API's JSON" in (error.diagnosis or "")
    assert error.points_at_base_url


@respx.mock
async def test_rejected_key_is_diagnosed_but_not_blamed_on_the_url() -> None:
    respx.get("https://api.example.test/v4/profile").respond(
        401, json={"errors": [{"reason": "Invalid Token"}]}
    )
    error = await failure_of(driver("linode", "https://api.example.test/v4"))
    assert (
        error.diagnosis == "api.example.test:443 answered 401 at /profile: the API key was rejected"
    )
    assert not error.points_at_base_url


@respx.mock
async def test_provider_outage_is_not_blamed_on_the_url() -> None:
    respx.get("https://api.example.test/v4/profile").respond(503, json={"errors": []})
    error = await failure_of(driver("linode", "https://api.example.test/v4"))
    assert error.diagnosis == "api.example.test:443 answered 503 at /profile"
    assert not error.points_at_base_url


@respx.mock
async def test_redirect_names_where_it_leads() -> None:
    respx.get("http://api.example.test/v4/profile").respond(
        301, headers={"Location": "https://api.example.test/v4/profile"}
    )
    error = await failure_of(driver("linode", "http://api.example.test/v4"))
    assert "a redirect to https://api.example.test/v4/profile" in (error.diagnosis or "")
    assert error.points_at_base_url
