"""The address a request came from, for rate limits: the TCP peer, or — only when the peer is
one of ``VPSPANEL_TRUSTED_PROXIES`` — the right-most address in ``X-Forwarded-For`` that is not a
trusted proxy (addresses further left were written by the client and prove nothing)."""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

from fastapi import Request

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def _trusted(address: str, proxies: Sequence[Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return False
    return any(ip in network for network in proxies)


def client_address(request: Request, trusted_proxies: Sequence[Network]) -> str:
    """E.g. ``203.0.113.7``; ``unknown`` when the server saw no peer."""
    peer = request.client.host if request.client else "unknown"
    if not trusted_proxies or not _trusted(peer, trusted_proxies):
        return peer
    hops = [
        hop.strip()
        for header in request.headers.getlist("x-forwarded-for")
        for hop in header.split(",")
        if hop.strip()
    ]
    for hop in reversed(hops):
        if not _trusted(hop, trusted_proxies):
            try:
                return str(ipaddress.ip_address(hop))
            except ValueError:
                return peer  # garbage where an address belongs: fall back to what we saw
    return hops[0] if hops else peer
