"""Registration answers with a signed-in session, like sign-in (issue 10)."""

from __future__ import annotations

from httpx import AsyncClient

from vpspanel.auth.deps import CSRF_COOKIE, SESSION_COOKIE


async def test_registration_returns_a_working_session(client: AsyncClient) -> None:
    response = await client.post(
        "/api/auth/register",
        json={"email": "new@example.com", "password": "violet stapler orbit", "name": "New"},
        headers={"User-Agent": "RegisterTest/1.0"},
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["token_type"] == "bearer"
    assert SESSION_COOKIE in response.cookies and CSRF_COOKIE in response.cookies
    client.cookies.clear()
    me = await client.get(
        "/api/auth/me", headers={"Authorization": f"Bearer {body['access_token']}"}
    )
    assert me.status_code == 200
    assert me.json()["user"]["email"] == "new@example.com"
    sessions = await client.get(
        "/api/account/sessions", headers={"Authorization": f"Bearer {body['access_token']}"}
    )
    assert [item["user_agent"] for item in sessions.json()] == ["RegisterTest/1.0"]
