"""A stranger cannot lock an owner out: strict limits per (account, address) pair, a gentle
per-account slowdown across addresses, and X-Forwarded-For only from trusted proxies (issue 10)."""

from __future__ import annotations

import ipaddress

import pytest
from httpx import AsyncClient

from tests.factories import DEFAULT_PASSWORD, create_committed_user
from tests.fixtures.clients import ClientFrom
from tests.fixtures.clocks import Clock
from vpspanel.state import AppState

WRONG = "wrong password!"


async def _attempt(http: AsyncClient, email: str, password: str = WRONG, **headers: str) -> int:
    response = await http.post(
        "/api/auth/login", json={"email": email, "password": password}, headers=headers
    )
    return response.status_code


async def test_a_strangers_fifty_failures_do_not_lock_the_owner_out(
    state: AppState, client_from: ClientFrom, clock: Clock
) -> None:
    user, _ = await create_committed_user(state)
    stranger, owner = client_from("198.51.100.66"), client_from("203.0.113.5")
    statuses = [await _attempt(stranger, user.email) for _ in range(50)]
    assert statuses.count(401) == state.settings.login_attempts_per_account
    response = await owner.post(
        "/api/auth/login", json={"email": user.email, "password": DEFAULT_PASSWORD}
    )
    if response.status_code == 429:  # slowed down: a short wait, never the whole window
        wait = int(response.headers["Retry-After"])
        assert wait <= 61 < state.settings.login_window_seconds  # a minute, rounded up
        assert f"{wait} second" in response.json()["detail"]
        clock.advance(wait)
        response = await owner.post(
            "/api/auth/login", json={"email": user.email, "password": DEFAULT_PASSWORD}
        )
    assert response.status_code == 200, response.text


async def test_guessing_from_one_address_is_stopped_for_the_window(
    state: AppState, client_from: ClientFrom, clock: Clock
) -> None:
    user, _ = await create_committed_user(state)
    guesser = client_from("198.51.100.66")
    for _ in range(state.settings.login_attempts_per_account):
        assert await _attempt(guesser, user.email) == 401
    response = await guesser.post(
        "/api/auth/login", json={"email": user.email, "password": DEFAULT_PASSWORD}
    )
    assert response.status_code == 429
    wait = int(response.headers["Retry-After"])
    assert wait > 60  # the login window, not the gentle minute
    assert "Try again in" in response.json()["detail"]
    # The owner elsewhere is not affected.
    assert await _attempt(client_from("203.0.113.5"), user.email, DEFAULT_PASSWORD) == 200


async def test_guesses_spread_over_addresses_are_slowed_to_a_minute(
    state: AppState, client_from: ClientFrom, clock: Clock
) -> None:
    user, _ = await create_committed_user(state)
    limit = state.settings.login_attempts_per_account_per_minute
    for n in range(limit):
        assert await _attempt(client_from(f"198.51.100.{n + 1}"), user.email) == 401
    response = await client_from("198.51.100.200").post(
        "/api/auth/login", json={"email": user.email, "password": WRONG}
    )
    assert response.status_code == 429
    assert 1 <= int(response.headers["Retry-After"]) <= 61
    clock.advance(61)
    assert await _attempt(client_from("198.51.100.201"), user.email) == 401


async def test_forwarded_for_is_ignored_from_an_untrusted_peer(
    state: AppState, client: AsyncClient
) -> None:
    user, _ = await create_committed_user(state)
    for n in range(state.settings.login_attempts_per_account):
        assert await _attempt(client, user.email, **{"X-Forwarded-For": f"10.0.0.{n}"}) == 401
    # A fresh made-up address does not buy more guesses.
    assert await _attempt(client, user.email, **{"X-Forwarded-For": "10.0.9.9"}) == 429


async def test_forwarded_for_from_a_trusted_proxy_names_the_client(
    state: AppState, client: AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The test client's peer is 203.0.113.10: make it a trusted proxy.
    monkeypatch.setattr(state.settings, "trusted_proxies", [ipaddress.ip_network("203.0.113.0/24")])
    user, _ = await create_committed_user(state)
    for _ in range(state.settings.login_attempts_per_account):
        # A client-written left-most entry is not believed; the right-most untrusted one is.
        assert (
            await _attempt(client, user.email, **{"X-Forwarded-For": "1.1.1.1, 198.51.100.9"})
            == 401
        )
    assert await _attempt(client, user.email, **{"X-Forwarded-For": "2.2.2.2, 198.51.100.9"}) == 429
    assert (
        await _attempt(client, user.email, DEFAULT_PASSWORD, **{"X-Forwarded-For": "198.51.100.10"})
        == 200
    )
