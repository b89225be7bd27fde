"""Login throttling holds under concurrency: N simultaneous guesses cost N counts (issue 8 #23)."""

from __future__ import annotations

import asyncio

import pytest
from httpx import AsyncClient

from tests.factories import DEFAULT_PASSWORD, create_committed_user, login
from vpspanel.security import passwords
from vpspanel.state import AppState

CONCURRENT_GUESSES = 40


@pytest.fixture
def verified(monkeypatch: pytest.MonkeyPatch) -> list[str | None]:
    """Every password hash the login service actually verified against."""
    checked: list[str | None] = []
    real_verify = passwords.verify_password

    def counting_verify(password_hash: str | None, password: str) -> bool:
        checked.append(password_hash)
        return real_verify(password_hash, password)

    monkeypatch.setattr("vpspanel.auth.service.verify_password", counting_verify)
    return checked


async def _guess(client: AsyncClient, email: str) -> int:
    response = await client.post(
        "/api/auth/login", json={"email": email, "password": "wrong password!"}
    )
    return response.status_code


async def test_concurrent_wrong_passwords_verify_at_most_the_account_limit(
    client: AsyncClient, state: AppState, verified: list[str | None]
) -> None:
    user, _ = await create_committed_user(state)
    statuses = await asyncio.gather(
        *(_guess(client, user.email) for _ in range(CONCURRENT_GUESSES))
    )
    limit = state.settings.login_attempts_per_account
    assert len(verified) <= limit
    assert statuses.count(401) == len(verified)
    assert statuses.count(429) == CONCURRENT_GUESSES - len(verified)


async def test_concurrent_guesses_across_accounts_verify_at_most_the_address_limit(
    client: AsyncClient, state: AppState, verified: list[str | None]
) -> None:
    statuses = await asyncio.gather(
        *(_guess(client, f"spray{n}@example.com") for n in range(CONCURRENT_GUESSES))
    )
    assert len(verified) <= state.settings.login_attempts_per_address
    assert set(statuses) == {401, 429}


async def test_successful_sign_ins_do_not_use_up_the_address_allowance(
    client: AsyncClient, state: AppState
) -> None:
    user, _ = await create_committed_user(state)
    for _ in range(state.settings.login_attempts_per_address + 5):
        await login(client, user.email, DEFAULT_PASSWORD)


async def test_a_successful_sign_in_resets_the_account_failures(
    client: AsyncClient, state: AppState
) -> None:
    user, _ = await create_committed_user(state)
    for _ in range(2):
        for _ in range(state.settings.login_attempts_per_account - 1):
            assert await _guess(client, user.email) == 401
        await login(client, user.email, DEFAULT_PASSWORD)
