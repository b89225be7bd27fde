"""/api/account: profile, password change, sessions (issue 10, account self-service)."""

from __future__ import annotations

from httpx import AsyncClient
from sqlalchemy import select

from tests.factories import DEFAULT_PASSWORD, create_committed_user, login
from tests.fixtures.clocks import Clock
from vpspanel.auth.models import AuthSession
from vpspanel.state import AppState

NEW_PASSWORD = "violet stapler orbit"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def _login_as(client: AsyncClient, email: str, agent: str) -> str:
    response = await client.post(
        "/api/auth/login",
        json={"email": email, "password": DEFAULT_PASSWORD},
        headers={"User-Agent": agent},
    )
    assert response.status_code == 200, response.text
    client.cookies.clear()
    token: str = response.json()["access_token"]
    return token


class TestProfile:
    async def test_get_and_rename(self, state: AppState, client: AsyncClient) -> None:
        user, _ = await create_committed_user(state, name="Ada")
        token = await login(client, user.email)
        assert (await client.get("/api/account", headers=bearer(token))).json()["name"] == "Ada"
        response = await client.patch(
            "/api/account", json={"name": "Ada Lovelace"}, headers=bearer(token)
        )
        assert response.status_code == 200, response.text
        assert response.json()["name"] == "Ada Lovelace"
        assert response.json()["email"] == user.email

    async def test_email_change_needs_the_current_password(
        self, state: AppState, client: AsyncClient
    ) -> None:
        user, _ = await create_committed_user(state)
        token = await login(client, user.email)
        for extra in ({}, {"current_password": "not my password"}):
            response = await client.patch(
                "/api/account", json={"email": "new@example.com", **extra}, headers=bearer(token)
            )
            assert response.status_code == 422, response.text
            assert response.json()["fields"][0]["field"] == "current_password"
        response = await client.patch(
            "/api/account",
            json={"email": "New@EXAMPLE.com", "current_password": DEFAULT_PASSWORD},
            headers=bearer(token),
        )
        assert response.status_code == 200, response.text
        assert response.json()["email"] == "new@example.com"
        await login(client, "new@example.com")

    async def test_a_taken_email_is_409(self, state: AppState, client: AsyncClient) -> None:
        user, _ = await create_committed_user(state)
        other, _ = await create_committed_user(state)
        token = await login(client, user.email)
        response = await client.patch(
            "/api/account",
            json={"email": other.email.upper(), "current_password": DEFAULT_PASSWORD},
            headers=bearer(token),
        )
        assert response.status_code == 409
        assert response.json()["error"] == "email_taken"


class TestPasswordChange:
    async def test_revokes_every_other_session_and_keeps_this_one(
        self, state: AppState, client: AsyncClient
    ) -> None:
        user, _ = await create_committed_user(state)
        this, other = await login(client, user.email), await login(client, user.email)
        response = await client.post(
            "/api/account/password",
            json={"current_password": DEFAULT_PASSWORD, "new_password": NEW_PASSWORD},
            headers=bearer(this),
        )
        assert response.status_code == 204, response.text
        assert (await client.get("/api/account", headers=bearer(this))).status_code == 200
        assert (await client.get("/api/account", headers=bearer(other))).status_code == 401
        await login(client, user.email, NEW_PASSWORD)

    async def test_wrong_current_password_is_422_on_that_field(
        self, state: AppState, client: AsyncClient
    ) -> None:
        user, _ = await create_committed_user(state)
        token = await login(client, user.email)
        response = await client.post(
            "/api/account/password",
            json={"current_password": "not my password", "new_password": NEW_PASSWORD},
            headers=bearer(token),
        )
        assert response.status_code == 422
        assert response.json()["fields"][0]["field"] == "current_password"
        await login(client, user.email)  # unchanged

    async def test_weak_new_passwords_are_refused_on_new_password(
        self, state: AppState, client: AsyncClient
    ) -> None:
        user, _ = await create_committed_user(state, email="grace.hopper@example.com")
        token = await login(client, user.email)
        for weak, reason in [
            ("aaaaaaaaaa", "commonly used"),
            ("password123", "commonly used"),
            ("grace.hopper@example.com", "email"),
        ]:
            response = await client.post(
                "/api/account/password",
                json={"current_password": DEFAULT_PASSWORD, "new_password": weak},
                headers=bearer(token),
            )
            assert response.status_code == 422, weak
            (field,) = response.json()["fields"]
            assert field["field"] == "new_password" and reason in field["message"]


class TestSessions:
    async def test_list_marks_the_current_one_and_shows_the_user_agent(
        self, state: AppState, client: AsyncClient
    ) -> None:
        user, _ = await create_committed_user(state)
        laptop = await _login_as(client, user.email, "Laptop/1.0")
        await _login_as(client, user.email, "Phone/2.0")
        response = await client.get("/api/account/sessions", headers=bearer(laptop))
        assert response.status_code == 200
        by_agent = {item["user_agent"]: item for item in response.json()}
        assert set(by_agent) == {"Laptop/1.0", "Phone/2.0"}
        assert by_agent["Laptop/1.0"]["current"] is True
        assert by_agent["Phone/2.0"]["current"] is False
        assert laptop not in response.text

    async def test_revoke_my_other_session(self, state: AppState, client: AsyncClient) -> None:
        user, _ = await create_committed_user(state)
        mine = await _login_as(client, user.email, "Laptop/1.0")
        other = await _login_as(client, user.email, "Phone/2.0")
        listed = (await client.get("/api/account/sessions", headers=bearer(mine))).json()
        (phone,) = [item for item in listed if not item["current"]]
        response = await client.delete(f"/api/account/sessions/{phone['id']}", headers=bearer(mine))
        assert response.status_code == 204
        assert (await client.get("/api/account", headers=bearer(other))).status_code == 401
        assert (await client.get("/api/account", headers=bearer(mine))).status_code == 200

    async def test_another_users_session_is_404_and_untouched(
        self, state: AppState, client: AsyncClient
    ) -> None:
        me, _ = await create_committed_user(state)
        them, _ = await create_committed_user(state)
        mine = await login(client, me.email)
        theirs = await login(client, them.email)
        their_sessions = (await client.get("/api/account/sessions", headers=bearer(theirs))).json()
        assert len(their_sessions) == 1
        response = await client.delete(
            f"/api/account/sessions/{their_sessions[0]['id']}", headers=bearer(mine)
        )
        assert response.status_code == 404
        assert (await client.get("/api/account", headers=bearer(theirs))).status_code == 200
        mine_listed = (await client.get("/api/account/sessions", headers=bearer(mine))).json()
        assert [item["id"] for item in mine_listed] != [their_sessions[0]["id"]]
        assert len(mine_listed) == 1

    async def test_last_used_is_written_at_most_once_a_minute(
        self, state: AppState, client: AsyncClient, clock: Clock
    ) -> None:
        user, _ = await create_committed_user(state)
        token = await login(client, user.email)

        async def last_used() -> object:
            async with state.read_sessionmaker() as db:
                return await db.scalar(
                    select(AuthSession.last_used_at).where(AuthSession.user_id == user.id)
                )

        assert await last_used() is None
        await client.get("/api/account", headers=bearer(token))
        first = await last_used()
        assert first == clock.now
        clock.advance(30)
        await client.get("/api/account", headers=bearer(token))
        assert await last_used() == first
        clock.advance(31)
        await client.get("/api/account", headers=bearer(token))
        assert await last_used() == clock.now


async def test_wrong_current_passwords_are_throttled_like_sign_in(
    state: AppState, client: AsyncClient
) -> None:
    user, _ = await create_committed_user(state)
    token = await login(client, user.email)
    body = {"current_password": "not my password", "new_password": NEW_PASSWORD}
    for _ in range(state.settings.login_attempts_per_account):
        response = await client.post("/api/account/password", json=body, headers=bearer(token))
        assert response.status_code == 422
    right = {"current_password": DEFAULT_PASSWORD, "new_password": NEW_PASSWORD}
    response = await client.post("/api/account/password", json=right, headers=bearer(token))
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) >= 1
