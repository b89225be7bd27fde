"""Forgotten password: a single-use emailed link (issue 10, account self-service)."""

from __future__ import annotations

import hashlib
import re

import pytest
from httpx import AsyncClient
from sqlalchemy import select, update

from tests.factories import DEFAULT_PASSWORD, create_committed_user, login
from tests.fixtures.clocks import Clock
from tests.instances.test_secrets import database_text
from tests.support.smtp import SmtpServer
from vpspanel.auth.models import PasswordResetToken, User
from vpspanel.config import Settings
from vpspanel.state import AppState, mailer_for

NEW_PASSWORD = "violet stapler orbit"
LINK = re.compile(r"(\S+)/reset-password#token=([A-Za-z0-9_-]+)")


@pytest.fixture
def mail(state: AppState, smtp_server: SmtpServer, monkeypatch: pytest.MonkeyPatch) -> SmtpServer:
    monkeypatch.setattr(state, "mailer", mailer_for(Settings(smtp_url=smtp_server.url)))
    monkeypatch.setattr(state.settings, "public_url", "https://panel.example.com")
    return smtp_server


async def _ask(client: AsyncClient, email: str) -> tuple[int, dict[str, object]]:
    response = await client.post("/api/auth/password-reset", json={"email": email})
    return response.status_code, response.json()


def _token_from(mail: SmtpServer, index: int = -1) -> str:
    match = LINK.search(mail.messages[index].text)
    assert match is not None, mail.messages[index].text
    assert match.group(1) == "https://panel.example.com"
    return match.group(2)


async def _confirm(client: AsyncClient, token: str, password: str = NEW_PASSWORD) -> int:
    response = await client.post(
        "/api/auth/password-reset/confirm", json={"token": token, "password": password}
    )
    return response.status_code


async def test_the_emailed_link_sets_a_new_password_and_signs_out_everywhere(
    state: AppState, client: AsyncClient, mail: SmtpServer
) -> None:
    user, _ = await create_committed_user(state)
    old_session = await login(client, user.email)
    made = await client.post(
        "/api/account/tokens",
        json={"name": "ci"},
        headers={"Authorization": f"Bearer {old_session}"},
    )
    api_token = made.json()["token"]
    status, _ = await _ask(client, user.email.upper())
    assert status == 202
    (message,) = mail.messages
    assert message.recipients == [user.email]
    token = _token_from(mail)
    assert await _confirm(client, token) == 204
    await login(client, user.email, NEW_PASSWORD)
    me = await client.get("/api/auth/me", headers={"Authorization": f"Bearer {old_session}"})
    assert me.status_code == 401
    # A reset takes the account back: API tokens issued before it stop too.
    by_token = await client.get("/api/vps", headers={"Authorization": f"Bearer {api_token}"})
    assert by_token.status_code == 401
    # The message holds no secret but the single-use token: no session token, no hash.
    async with state.read_sessionmaker() as db:
        stored = await db.scalar(select(User.password_hash).where(User.id == user.id))
    assert stored is not None and stored not in message.text
    assert old_session not in message.text
    assert len(re.findall(r"[A-Za-z0-9_-]{32,}", message.text)) == 1


async def test_the_token_is_stored_hashed_and_works_once(
    state: AppState, client: AsyncClient, mail: SmtpServer
) -> None:
    user, _ = await create_committed_user(state)
    await _ask(client, user.email)
    token = _token_from(mail)
    async with state.read_sessionmaker() as db:
        (row,) = (await db.scalars(select(PasswordResetToken))).all()
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in repr(row.__dict__)
    assert await _confirm(client, token) == 204
    response = await client.post(
        "/api/auth/password-reset/confirm", json={"token": token, "password": "another good one"}
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_token"
    await login(client, user.email, NEW_PASSWORD)


async def test_an_expired_token_is_refused(
    state: AppState, client: AsyncClient, mail: SmtpServer, clock: Clock
) -> None:
    user, _ = await create_committed_user(state)
    await _ask(client, user.email)
    clock.advance(60 * 60 + 1)
    assert await _confirm(client, _token_from(mail)) == 400
    await login(client, user.email)  # unchanged


async def test_asking_again_kills_the_older_link(
    state: AppState, client: AsyncClient, mail: SmtpServer
) -> None:
    user, _ = await create_committed_user(state)
    await _ask(client, user.email)
    await _ask(client, user.email)
    first, second = _token_from(mail, 0), _token_from(mail, 1)
    assert await _confirm(client, first) == 400
    assert await _confirm(client, second) == 204


async def test_a_weak_new_password_is_422_and_keeps_the_token(
    state: AppState, client: AsyncClient, mail: SmtpServer
) -> None:
    user, _ = await create_committed_user(state, email="grace.hopper@example.com")
    await _ask(client, user.email)
    token = _token_from(mail)
    for weak in ("aaaaaaaaaa", "password123", "grace.hopper@example.com"):
        response = await client.post(
            "/api/auth/password-reset/confirm", json={"token": token, "password": weak}
        )
        assert response.status_code == 422, weak
        assert response.json()["fields"][0]["field"] == "password"
    assert await _confirm(client, token) == 204


async def test_no_account_enumeration(
    state: AppState, client: AsyncClient, mail: SmtpServer
) -> None:
    user, _ = await create_committed_user(state)
    known = await _ask(client, user.email)
    unknown = await _ask(client, "nobody@example.com")
    assert known == unknown
    assert known[0] == 202
    assert [message.recipients for message in mail.messages] == [[user.email]]


async def test_a_suspended_account_gets_no_email(
    state: AppState, client: AsyncClient, mail: SmtpServer
) -> None:
    user, _ = await create_committed_user(state)
    async with state.sessionmaker() as db, db.begin():
        await db.execute(update(User).where(User.id == user.id).values(active=False))
    assert (await _ask(client, user.email))[0] == 202
    assert mail.messages == []


async def test_without_smtp_nothing_is_sent_and_the_answer_is_the_same(
    state: AppState, client: AsyncClient
) -> None:
    user, _ = await create_committed_user(state)
    status, body = await _ask(client, user.email)
    assert status == 202
    assert "token" not in str(body)


async def test_requests_are_throttled_per_account(
    state: AppState, client: AsyncClient, mail: SmtpServer
) -> None:
    user, _ = await create_committed_user(state)
    for _ in range(state.settings.login_attempts_per_account):
        assert (await _ask(client, user.email))[0] == 202
    response = await client.post("/api/auth/password-reset", json={"email": user.email})
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) >= 1
    assert len(mail.messages) == state.settings.login_attempts_per_account


async def test_a_wrong_token_is_400_and_changes_nothing(
    state: AppState, client: AsyncClient
) -> None:
    user, _ = await create_committed_user(state)
    assert await _confirm(client, "made-up-token") == 400
    await login(client, user.email, DEFAULT_PASSWORD)


async def test_the_token_and_new_password_leak_nowhere(
    state: AppState,
    client: AsyncClient,
    mail: SmtpServer,
    captured_logs: pytest.CaptureFixture[str],
) -> None:
    user, _ = await create_committed_user(state)
    responses = [await client.post("/api/auth/password-reset", json={"email": user.email})]
    token = _token_from(mail)
    responses.append(
        await client.post(
            "/api/auth/password-reset/confirm", json={"token": token, "password": NEW_PASSWORD}
        )
    )
    responses.append(
        await client.post(
            "/api/auth/password-reset/confirm", json={"token": token, "password": NEW_PASSWORD}
        )
    )
    everything = "\n".join(
        [
            *(response.text for response in responses),
            *(str(response.headers) for response in responses),
            *captured_logs.readouterr(),
            await database_text(state),
        ]
    )
    assert token not in everything
    assert NEW_PASSWORD not in everything
