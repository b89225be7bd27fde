from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from fastapi import APIRouter, FastAPI
from httpx import ASGITransport, AsyncClient

from tests.factories import DEFAULT_PASSWORD, create_committed_user, login, signed_in_headers
from vpspanel.auth.deps import AdminUser, OrgContextDep
from vpspanel.auth.models import UserRole
from vpspanel.security import passwords
from vpspanel.state import AppState


def _register_body(**overrides: object) -> dict[str, object]:
    body: dict[str, object] = {
        "email": f"new-{uuid.uuid4().hex[:8]}@example.com",
        "password": "long enough password",
        "name": "Ada",
    }
    body.update(overrides)
    return body


class TestRegister:
    async def test_creates_a_customer_who_owns_a_new_organization(
        self, client: AsyncClient
    ) -> None:
        response = await client.post(
            "/api/auth/register", json=_register_body(organization_name="Ada Hosting")
        )
        assert response.status_code == 201, response.text
        body = response.json()
        assert body["user"]["role"] == "customer"
        assert body["organization"] == {
            "id": body["organization"]["id"],
            "name": "Ada Hosting",
            "role": "owner",
        }
        assert "password" not in response.text

    async def test_duplicate_email_is_a_clear_conflict(self, client: AsyncClient) -> None:
        body = _register_body()
        assert (await client.post("/api/auth/register", json=body)).status_code == 201
        upper = {**body, "email": str(body["email"]).upper()}
        response = await client.post("/api/auth/register", json=upper)
        assert response.status_code == 409
        assert response.json()["error"] == "email_taken"

    async def test_malformed_json_is_400(self, client: AsyncClient) -> None:
        response = await client.post(
            "/api/auth/register",
            content=b'{"email": "x@example.com",',
            headers={"Content-Type": "application/json"},
        )
        assert response.status_code == 400
        assert response.json()["error"] == "malformed_json"

    @pytest.mark.parametrize(
        ("overrides", "field"),
        [
            ({"email": "not-an-email"}, "email"),
            ({"password": "short"}, "password"),
            ({"name": ""}, "name"),
            ({"role": "admin"}, "role"),
        ],
    )
    async def test_invalid_fields_are_422_naming_the_field(
        self, client: AsyncClient, overrides: dict[str, object], field: str
    ) -> None:
        response = await client.post("/api/auth/register", json=_register_body(**overrides))
        assert response.status_code == 422
        body = response.json()
        assert body["error"] == "validation_error"
        assert field in [f["field"] for f in body["fields"]]

    async def test_missing_fields_are_named(self, client: AsyncClient) -> None:
        response = await client.post("/api/auth/register", json={"email": "a@example.com"})
        assert response.status_code == 422
        assert {f["field"] for f in response.json()["fields"]} >= {"password", "name"}


class TestLogin:
    async def test_login_returns_a_bearer_token_and_an_httponly_cookie(
        self, client: AsyncClient, state: AppState
    ) -> None:
        user, _ = await create_committed_user(state)
        response = await client.post(
            "/api/auth/login", json={"email": user.email, "password": DEFAULT_PASSWORD}
        )
        assert response.status_code == 200
        body = response.json()
        assert body["token_type"] == "bearer" and body["user"]["email"] == user.email
        assert body["expires_at"].endswith("Z")
        cookies = response.headers.get_list("set-cookie")
        session_cookie = next(c for c in cookies if c.startswith("vpspanel_session="))
        assert "HttpOnly" in session_cookie and "SameSite=lax" in session_cookie

    async def test_wrong_password_and_unknown_email_get_the_same_answer(
        self, client: AsyncClient, state: AppState
    ) -> None:
        user, _ = await create_committed_user(state)
        wrong = await client.post(
            "/api/auth/login", json={"email": user.email, "password": "wrong password!"}
        )
        unknown = await client.post(
            "/api/auth/login", json={"email": "nobody@example.com", "password": "wrong password!"}
        )
        assert wrong.status_code == unknown.status_code == 401
        assert wrong.json() == unknown.json()
        assert wrong.json()["error"] == "invalid_credentials"

    async def test_unknown_email_still_pays_for_a_password_check(
        self, client: AsyncClient, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        checked: list[str | None] = []
        real_verify = passwords.verify_password

        def counting_verify(password_hash: str | None, password: str) -> bool:
            checked.append(password_hash)
            return real_verify(password_hash, password)

        monkeypatch.setattr("vpspanel.auth.service.verify_password", counting_verify)
        await client.post(
            "/api/auth/login", json={"email": "ghost@example.com", "password": "whatever!!"}
        )
        assert checked == [None]  # verified against the dummy hash, same Argon2 cost

    async def test_repeated_failures_are_rate_limited_per_account(
        self, client: AsyncClient, state: AppState
    ) -> None:
        user, _ = await create_committed_user(state)
        limit = state.settings.login_attempts_per_account
        for _ in range(limit):
            response = await client.post(
                "/api/auth/login", json={"email": user.email, "password": "wrong password!"}
            )
            assert response.status_code == 401
        blocked = await client.post(
            "/api/auth/login", json={"email": user.email, "password": DEFAULT_PASSWORD}
        )
        assert blocked.status_code == 429
        assert int(blocked.headers["Retry-After"]) >= 1
        assert blocked.json()["error"] == "too_many_requests"

    async def test_failures_across_accounts_are_limited_per_client_address(
        self, client: AsyncClient, state: AppState
    ) -> None:
        for attempt in range(state.settings.login_attempts_per_address):
            await client.post(
                "/api/auth/login",
                json={"email": f"spray{attempt}@example.com", "password": "wrong password!"},
            )
        user, _ = await create_committed_user(state)
        response = await client.post(
            "/api/auth/login", json={"email": user.email, "password": DEFAULT_PASSWORD}
        )
        assert response.status_code == 429


class TestSessions:
    async def test_me_shows_the_user_and_their_organizations(
        self, client: AsyncClient, state: AppState
    ) -> None:
        headers, user, organization = await signed_in_headers(state, client)
        response = await client.get("/api/auth/me", headers=headers)
        assert response.status_code == 200
        body = response.json()
        assert body["user"]["id"] == str(user.id)
        assert body["organizations"] == [
            {"id": str(organization.id), "name": organization.name, "role": "owner"}
        ]

    async def test_no_token_is_401(self, client: AsyncClient) -> None:
        response = await client.get("/api/auth/me")
        assert response.status_code == 401
        assert response.json()["error"] == "unauthenticated"

    async def test_logout_revokes_the_token_at_once(
        self, client: AsyncClient, state: AppState
    ) -> None:
        headers, _, _ = await signed_in_headers(state, client)
        assert (await client.post("/api/auth/logout", headers=headers)).status_code == 204
        assert (await client.get("/api/auth/me", headers=headers)).status_code == 401

    async def test_an_expired_token_is_401(
        self, client: AsyncClient, state: AppState, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        headers, _, _ = await signed_in_headers(state, client)
        real_clock = state.clock
        later = real_clock() + timedelta(hours=state.settings.session_ttl_hours, minutes=1)
        monkeypatch.setattr(state, "clock", lambda: later)
        response = await client.get("/api/auth/me", headers=headers)
        assert response.status_code == 401

    async def test_a_made_up_token_is_401(self, client: AsyncClient) -> None:
        response = await client.get(
            "/api/auth/me", headers={"Authorization": "Bearer made-up-token"}
        )
        assert response.status_code == 401


class TestCookieSessionsAndCsrf:
    async def test_cookie_requests_that_change_state_need_the_csrf_token(
        self, client: AsyncClient, state: AppState
    ) -> None:
        user, _ = await create_committed_user(state)
        response = await client.post(
            "/api/auth/login", json={"email": user.email, "password": DEFAULT_PASSWORD}
        )
        csrf = response.cookies["vpspanel_csrf"]
        assert (await client.get("/api/auth/me")).status_code == 200  # reads need no token
        forged = await client.post("/api/auth/logout")
        assert forged.status_code == 403
        assert forged.json()["error"] == "csrf_failed"
        wrong = await client.post("/api/auth/logout", headers={"X-CSRF-Token": "guess"})
        assert wrong.status_code == 403
        ok = await client.post("/api/auth/logout", headers={"X-CSRF-Token": csrf})
        assert ok.status_code == 204


def _probe_app(app: FastAPI) -> FastAPI:
    """Routes that exercise the role and organization dependencies directly."""
    probe = APIRouter()

    @probe.get("/api/admin/_probe")
    async def admin_only(user: AdminUser) -> dict[str, str]:
        return {"id": str(user.id)}

    @probe.get("/api/_org_probe")
    async def org_probe(context: OrgContextDep) -> dict[str, str]:
        return {"organization_id": str(context.organization.id)}

    app.include_router(probe)
    return app


class TestRolesAndOrganizations:
    async def test_customers_get_403_on_admin_routes_and_admins_pass(
        self, app: FastAPI, state: AppState
    ) -> None:
        async with AsyncClient(
            transport=ASGITransport(app=_probe_app(app)), base_url="http://t"
        ) as http:
            customer, _, _ = await signed_in_headers(state, http)
            admin, _, _ = await signed_in_headers(state, http, role=UserRole.ADMIN)
            denied = await http.get("/api/admin/_probe", headers=customer)
            assert denied.status_code == 403 and denied.json()["error"] == "forbidden"
            assert (await http.get("/api/admin/_probe", headers=admin)).status_code == 200
            assert (await http.get("/api/admin/_probe")).status_code == 401

    async def test_organization_header_must_name_one_of_the_users_organizations(
        self, app: FastAPI, state: AppState
    ) -> None:
        async with AsyncClient(
            transport=ASGITransport(app=_probe_app(app)), base_url="http://t"
        ) as http:
            headers, _, own = await signed_in_headers(state, http)
            _, other = await create_committed_user(state)
            default = await http.get("/api/_org_probe", headers=headers)
            assert default.json() == {"organization_id": str(own.id)}
            explicit = await http.get(
                "/api/_org_probe", headers={**headers, "X-Organization-Id": str(own.id)}
            )
            assert explicit.status_code == 200
            foreign = await http.get(
                "/api/_org_probe", headers={**headers, "X-Organization-Id": str(other.id)}
            )
            assert foreign.status_code == 404
            garbage = await http.get(
                "/api/_org_probe", headers={**headers, "X-Organization-Id": "not-a-uuid"}
            )
            assert garbage.status_code == 400


async def test_login_helper_round_trip(client: AsyncClient, state: AppState) -> None:
    user, _ = await create_committed_user(state)
    token = await login(client, user.email)
    assert len(token) >= 40
