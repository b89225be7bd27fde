from __future__ import annotations

import ipaddress

import pytest
from starlette.requests import Request

from vpspanel.auth.client_address import client_address
from vpspanel.config import Settings

PROXIES = [ipaddress.ip_network("10.0.0.0/8"), ipaddress.ip_network("::1/128")]


def _request(peer: str, *forwarded: str) -> Request:
    headers = [(b"x-forwarded-for", value.encode()) for value in forwarded]
    return Request({"type": "http", "client": (peer, 1234), "headers": headers})


@pytest.mark.parametrize(
    ("peer", "forwarded", "expected"),
    [
        ("198.51.100.1", ["6.6.6.6"], "198.51.100.1"),  # untrusted peer: header ignored
        ("10.1.2.3", ["6.6.6.6, 198.51.100.7"], "198.51.100.7"),  # right-most untrusted
        ("10.1.2.3", ["198.51.100.7, 10.9.9.9"], "198.51.100.7"),  # skips trusted hops
        ("10.1.2.3", ["6.6.6.6", "198.51.100.7"], "198.51.100.7"),  # repeated headers
        ("10.1.2.3", [], "10.1.2.3"),  # a trusted proxy that sent no header
        ("10.1.2.3", ["not-an-ip"], "10.1.2.3"),  # garbage is not believed
        ("::1", ["2001:db8::5"], "2001:db8::5"),
    ],
)
def test_client_address(peer: str, forwarded: list[str], expected: str) -> None:
    assert client_address(_request(peer, *forwarded), PROXIES) == expected


def test_without_trusted_proxies_the_peer_is_the_client() -> None:
    assert client_address(_request("10.1.2.3", "6.6.6.6"), []) == "10.1.2.3"


def test_settings_parse_a_comma_separated_list() -> None:
    settings = Settings(trusted_proxies="10.0.0.1, 192.168.0.0/16,::1")
    assert [str(net) for net in settings.trusted_proxies] == [
        "10.0.0.1/32",
        "192.168.0.0/16",
        "::1/128",
    ]
    with pytest.raises(ValueError, match="VPSPANEL_TRUSTED_PROXIES"):
        Settings(trusted_proxies="not-a-network")
