"""Personal API tokens (issue 10): shown once, stored hashed, usable as Bearer in their own
organization only, on admin routes only when the user is an admin and the token says so, and
dead at once when revoked, expired or their user suspended."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi import APIRouter, FastAPI
from httpx import ASGITransport, AsyncClient
from sqlalchemy import update

from tests.factories import create_committed_user, login, signed_in_headers
from tests.instances.support import SSH_KEY
from tests.instances.test_secrets import database_text
from tests.instances.test_tenancy import _api_routes
from vpspanel.api_tokens.models import ApiToken
from vpspanel.auth.deps import OrgContextDep
from vpspanel.auth.models import User, UserRole
from vpspanel.auth.service import reset_password
from vpspanel.organizations.models import Membership, Organization
from vpspanel.security.tokens import hash_token
from vpspanel.state import AppState

START = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock(state: AppState, monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr(state, "clock", fake)
    return fake


@pytest.fixture
async def http(app: FastAPI) -> AsyncIterator[AsyncClient]:
    """The app with a probe route that says which organization a request acts in."""
    probe = APIRouter()

    @probe.get("/api/_org_probe")
    async def org_probe(context: OrgContextDep) -> dict[str, str]:
        return {"organization_id": str(context.organization.id)}

    app.include_router(probe)
    async with AsyncClient(transport=ASGITransport(app=app), base_url="http://t") as client:
        yield client


async def create_token(
    http: AsyncClient, headers: dict[str, str], **fields: Any
) -> tuple[str, dict[str, Any]]:
    response = await http.post(
        "/api/account/tokens", json={"name": "ci", **fields}, headers=headers
    )
    assert response.status_code == 201, response.text
    body = response.json()
    return body["token"], body["api_token"]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def set_user(state: AppState, user_id: uuid.UUID, **values: Any) -> None:
    async with state.sessionmaker() as session, session.begin():
        await session.execute(update(User).where(User.id == user_id).values(**values))


async def token_row(state: AppState, token_id: str) -> ApiToken:
    async with state.sessionmaker() as session:
        row = await session.get(ApiToken, uuid.UUID(token_id))
        assert row is not None
        return row


class TestCreate:
    async def test_the_token_is_shown_once_and_stored_only_hashed(
        self, state: AppState, http: AsyncClient, captured_logs: pytest.CaptureFixture[str]
    ) -> None:
        headers, _, organization = await signed_in_headers(state, http)
        raw, created = await create_token(http, headers)
        assert raw.startswith("vpst_")
        assert created["prefix"] == raw[:13]
        assert created["organization_id"] == str(organization.id)
        assert created["organization_name"] == organization.name
        assert created["admin"] is False
        assert created["expires_at"] is None
        assert created["last_used_at"] is None
        listed = await http.get("/api/account/tokens", headers=headers)
        assert listed.json() == {"api_tokens": [created]}
        assert raw not in listed.text
        everything = await database_text(state)
        assert raw not in everything
        assert raw[len("vpst_") :] not in everything
        assert hash_token(raw) in everything
        await http.get("/api/vps", headers=bearer(raw))
        assert raw not in captured_logs.readouterr().err

    async def test_bad_fields_are_named(self, state: AppState, http: AsyncClient) -> None:
        headers, _, _ = await signed_in_headers(state, http)
        _, stranger = await create_committed_user(state)
        response = await http.post(
            "/api/account/tokens",
            json={
                "name": "x",
                "organization_id": str(stranger.id),
                "expires_at": "2001-01-01T00:00:00Z",
                "admin": True,
            },
            headers=headers,
        )
        assert response.status_code == 422, response.text
        fields = [field["field"] for field in response.json()["fields"]]
        assert fields == ["organization_id", "expires_at", "admin"]
        assert (await http.get("/api/account/tokens", headers=headers)).json()["api_tokens"] == []

    async def test_a_token_cannot_manage_tokens(self, state: AppState, http: AsyncClient) -> None:
        headers, _, _ = await signed_in_headers(state, http)
        raw, created = await create_token(http, headers)
        for method, url in [
            ("GET", "/api/account/tokens"),
            ("POST", "/api/account/tokens"),
            ("DELETE", f"/api/account/tokens/{created['id']}"),
        ]:
            response = await http.request(method, url, json={"name": "y"}, headers=bearer(raw))
            assert response.status_code == 403, (method, response.text)
            assert response.json()["error"] == "session_required"

    async def test_a_token_cannot_manage_the_account_or_its_organizations(
        self, app: FastAPI, state: AppState, http: AsyncClient
    ) -> None:
        # A leaked token must not invite an owner, change roles or the email, or sign the
        # person out: every such route wants a sign-in. Reading servers stays open to tokens.
        headers, _, _ = await signed_in_headers(state, http)
        raw, _ = await create_token(http, headers)
        readable = {("GET", "/api/account"), ("GET", "/api/organizations")}
        routes = [
            (method, route.path)
            for route in _api_routes(app.routes)
            if route.path.startswith(("/api/account", "/api/organizations"))
            and not route.path.startswith("/api/account/ssh-keys")
            for method in sorted(route.methods or ())
            if (method, route.path) not in readable
        ]
        assert len(routes) >= 15, routes
        for method, path in routes:
            url = re.sub(r"\{[^}]+\}", str(uuid.uuid4()), path)
            response = await http.request(method, url, json={}, headers=bearer(raw))
            assert response.status_code == 403, (method, path, response.text)
            assert response.json()["error"] == "session_required", (method, path)
        for method, path in readable:
            assert (await http.request(method, path, headers=bearer(raw))).status_code == 200

    async def test_another_users_token_is_not_found(
        self, state: AppState, http: AsyncClient
    ) -> None:
        headers, _, _ = await signed_in_headers(state, http)
        raw, created = await create_token(http, headers)
        stranger, _, _ = await signed_in_headers(state, http)
        assert (await http.get("/api/account/tokens", headers=stranger)).json()["api_tokens"] == []
        deleted = await http.delete(f"/api/account/tokens/{created['id']}", headers=stranger)
        assert deleted.status_code == 404
        assert (await http.get("/api/vps", headers=bearer(raw))).status_code == 200


class TestBearer:
    async def test_a_token_works_without_csrf_and_logout_revokes_nothing(
        self, state: AppState, http: AsyncClient
    ) -> None:
        headers, _, _ = await signed_in_headers(state, http)
        raw, _ = await create_token(http, headers)
        listed = await http.get("/api/vps", headers=bearer(raw))
        assert listed.status_code == 200, listed.text
        saved = await http.post(
            "/api/account/ssh-keys",
            json={"name": "k", "public_key": SSH_KEY},
            headers=bearer(raw),
        )
        assert saved.status_code == 201, saved.text
        logout = await http.post("/api/auth/logout", headers=bearer(raw))
        assert logout.status_code == 400
        assert logout.json()["error"] == "not_a_session"
        assert (await http.get("/api/vps", headers=bearer(raw))).status_code == 200

    async def test_a_revoked_token_is_401(self, state: AppState, http: AsyncClient) -> None:
        headers, _, _ = await signed_in_headers(state, http)
        raw, created = await create_token(http, headers)
        revoked = await http.delete(f"/api/account/tokens/{created['id']}", headers=headers)
        assert revoked.status_code == 204
        response = await http.get("/api/vps", headers=bearer(raw))
        assert response.status_code == 401
        assert (await http.get("/api/account/tokens", headers=headers)).json()["api_tokens"] == []

    async def test_an_expired_token_is_401(
        self, state: AppState, http: AsyncClient, clock: Clock
    ) -> None:
        headers, _, _ = await signed_in_headers(state, http)
        raw, _ = await create_token(
            http, headers, expires_at=(START + timedelta(hours=1)).isoformat()
        )
        assert (await http.get("/api/vps", headers=bearer(raw))).status_code == 200
        clock.now = START + timedelta(hours=1)
        assert (await http.get("/api/vps", headers=bearer(raw))).status_code == 401

    async def test_an_unknown_token_is_401(self, state: AppState, http: AsyncClient) -> None:
        response = await http.get("/api/vps", headers=bearer("vpst_" + "A" * 43))
        assert response.status_code == 401
        assert "API token" in response.json()["detail"]

    async def test_a_suspended_users_token_and_session_stop_at_once(
        self, state: AppState, http: AsyncClient
    ) -> None:
        headers, user, _ = await signed_in_headers(state, http)
        raw, _ = await create_token(http, headers)
        await set_user(state, user.id, active=False)
        assert (await http.get("/api/vps", headers=bearer(raw))).status_code == 401
        assert (await http.get("/api/vps", headers=headers)).status_code == 401
        await set_user(state, user.id, active=True)
        assert (await http.get("/api/vps", headers=bearer(raw))).status_code == 200

    async def test_last_use_is_written_at_most_once_a_minute(
        self, state: AppState, http: AsyncClient, clock: Clock
    ) -> None:
        headers, _, _ = await signed_in_headers(state, http)
        raw, created = await create_token(http, headers)
        await http.get("/api/vps", headers=bearer(raw))
        assert (await token_row(state, created["id"])).last_used_at == START
        clock.now = START + timedelta(seconds=59)
        await http.get("/api/vps", headers=bearer(raw))
        assert (await token_row(state, created["id"])).last_used_at == START
        clock.now = START + timedelta(seconds=60)
        await http.get("/api/vps", headers=bearer(raw))
        assert (await token_row(state, created["id"])).last_used_at == clock.now
        listed = (await http.get("/api/account/tokens", headers=headers)).json()
        assert listed["api_tokens"][0]["last_used_at"] == "2030-01-01T12:01:00Z"


class TestOrganization:
    async def test_a_token_acts_in_its_organization_and_no_other(
        self, state: AppState, http: AsyncClient
    ) -> None:
        headers, user, own = await signed_in_headers(state, http)
        _, other = await create_committed_user(state)
        async with state.sessionmaker() as session, session.begin():
            session.add(Membership(user_id=user.id, organization_id=other.id, role="member"))
        raw, _ = await create_token(http, headers, organization_id=str(other.id))
        acting = await http.get("/api/_org_probe", headers=bearer(raw))
        assert acting.json() == {"organization_id": str(other.id)}
        pinned = {**bearer(raw), "X-Organization-Id": str(other.id)}
        assert (await http.get("/api/_org_probe", headers=pinned)).status_code == 200
        elsewhere = {**bearer(raw), "X-Organization-Id": str(own.id)}
        assert (await http.get("/api/_org_probe", headers=elsewhere)).status_code == 404
        assert (await http.get("/api/vps", headers=elsewhere)).status_code == 404
        # The session itself still acts in both.
        assert (
            await http.get("/api/_org_probe", headers={**headers, "X-Organization-Id": str(own.id)})
        ).status_code == 200

    async def test_a_token_stops_when_its_user_leaves_the_organization(
        self, state: AppState, http: AsyncClient
    ) -> None:
        headers, user, organization = await signed_in_headers(state, http)
        raw, _ = await create_token(http, headers)
        async with state.sessionmaker() as session, session.begin():
            membership = await session.get(Membership, (user.id, organization.id))
            await session.delete(membership)
        assert (await http.get("/api/vps", headers=bearer(raw))).status_code == 401

    async def test_leaving_revokes_the_organizations_tokens_for_good(
        self, state: AppState, http: AsyncClient
    ) -> None:
        headers, user, own = await signed_in_headers(state, http)
        other = await http.post("/api/organizations", json={"name": "Other"}, headers=headers)
        other_id = other.json()["id"]
        raw, _ = await create_token(http, headers, organization_id=other_id)
        kept, _ = await create_token(http, headers, organization_id=str(own.id))
        colleague, _ = await create_committed_user(state)
        async with state.sessionmaker() as session, session.begin():
            # A second owner, so the user may leave.
            session.add(
                Membership(user_id=colleague.id, organization_id=uuid.UUID(other_id), role="owner")
            )
        left = await http.post(f"/api/organizations/{other_id}/leave", headers=headers)
        assert left.status_code == 204, left.text
        async with state.sessionmaker() as session, session.begin():
            session.add(
                Membership(user_id=user.id, organization_id=uuid.UUID(other_id), role="member")
            )
        # Re-invited later: the old token does not come back; the other organization's stays.
        assert (await http.get("/api/vps", headers=bearer(raw))).status_code == 401
        assert (await http.get("/api/vps", headers=bearer(kept))).status_code == 200
        listed = (await http.get("/api/account/tokens", headers=headers)).json()["api_tokens"]
        assert [token["organization_id"] for token in listed] == [str(own.id)]

    async def test_the_command_line_password_reset_revokes_tokens(
        self, state: AppState, http: AsyncClient
    ) -> None:
        headers, user, _ = await signed_in_headers(state, http)
        raw, _ = await create_token(http, headers)
        async with state.sessionmaker() as session, session.begin():
            await reset_password(session, email=user.email, password="a brand new passphrase")
        assert (await http.get("/api/vps", headers=bearer(raw))).status_code == 401

    async def test_default_organization_is_the_first(
        self, state: AppState, http: AsyncClient
    ) -> None:
        headers, _, organization = await signed_in_headers(state, http)
        async with state.sessionmaker() as session:
            assert await session.get(Organization, organization.id) is not None
        _, created = await create_token(http, headers)
        assert created["organization_id"] == str(organization.id)


class TestAdminRoutes:
    async def test_a_customers_token_is_refused_on_admin_routes(
        self, state: AppState, http: AsyncClient
    ) -> None:
        headers, _, _ = await signed_in_headers(state, http)
        raw, _ = await create_token(http, headers)
        assert (await http.get("/api/admin/instances", headers=bearer(raw))).status_code == 403

    async def test_an_admins_token_needs_the_admin_flag(
        self, state: AppState, http: AsyncClient
    ) -> None:
        headers, user, _ = await signed_in_headers(state, http, role=UserRole.ADMIN)
        plain, _ = await create_token(http, headers)
        refused = await http.get("/api/admin/instances", headers=bearer(plain))
        assert refused.status_code == 403
        assert refused.json()["error"] == "token_not_admin"
        admin, created = await create_token(http, headers, admin=True)
        assert created["admin"] is True
        assert (await http.get("/api/admin/instances", headers=bearer(admin))).status_code == 200
        # Demoted: the admin token no longer opens admin routes.
        await set_user(state, user.id, role=UserRole.CUSTOMER)
        demoted = await http.get("/api/admin/instances", headers=bearer(admin))
        assert demoted.status_code == 403
        assert (await http.get("/api/vps", headers=bearer(admin))).status_code == 200

    async def test_session_login_still_reaches_admin_routes(
        self, state: AppState, http: AsyncClient
    ) -> None:
        admin, _ = await create_committed_user(state, role=UserRole.ADMIN)
        token = await login(http, admin.email)
        response = await http.get("/api/admin/instances", headers=bearer(token))
        assert response.status_code == 200

    async def test_every_admin_route_refuses_a_token_without_the_flag(
        self, app: FastAPI, state: AppState, http: AsyncClient
    ) -> None:
        headers, _, _ = await signed_in_headers(state, http, role=UserRole.ADMIN)
        plain, _ = await create_token(http, headers)
        routes = [
            (method, route.path)
            for route in _api_routes(app.routes)
            if route.path.startswith("/api/admin")
            for method in sorted(route.methods or ())
        ]
        assert len(routes) >= 10, routes
        for method, path in routes:
            url = re.sub(r"\{[^}]+\}", str(uuid.uuid4()), path)
            response = await http.request(method, url, json={}, headers=bearer(plain))
            assert response.status_code == 403, (method, path, response.text)
            assert response.json()["error"] == "token_not_admin", (method, path)
