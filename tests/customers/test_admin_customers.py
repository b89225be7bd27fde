"""Customer management (issue 10): admins list and suspend users, list organizations and set
their server limits, and choose who may register."""

from __future__ import annotations

import uuid

import pytest
from httpx import AsyncClient

from tests.factories import DEFAULT_PASSWORD, create_committed_user, login, signed_in_headers
from vpspanel.auth.models import UserRole
from vpspanel.state import AppState


async def admin_headers(state: AppState, client: AsyncClient) -> dict[str, str]:
    headers, _, _ = await signed_in_headers(state, client, role=UserRole.ADMIN)
    return headers


class TestUsers:
    async def test_search_matches_email_or_name_and_pages_count_every_match(
        self, state: AppState, client: AsyncClient
    ) -> None:
        admin = await admin_headers(state, client)
        for n in range(3):
            await create_committed_user(state, email=f"acme{n}@example.com", name=f"Person {n}")
        await create_committed_user(state, email="zed@example.com", name="ACME Buyer")
        await create_committed_user(state, email="other@example.com", name="Other")

        pages = [
            (await client.get(f"/api/admin/users?q=acMe&page={n}&per_page=3", headers=admin))
            for n in (1, 2)
        ]

        assert [page.status_code for page in pages] == [200, 200]
        bodies = [page.json() for page in pages]
        assert [body["total"] for body in bodies] == [4, 4]
        assert [len(body["users"]) for body in bodies] == [3, 1]
        emails = {user["email"] for body in bodies for user in body["users"]}
        assert emails == {"acme0@example.com", "acme1@example.com", "acme2@example.com"} | {
            "zed@example.com"
        }
        everyone = (await client.get("/api/admin/users", headers=admin)).json()
        assert everyone["total"] == 6  # the admin too

    @pytest.mark.parametrize(
        ("query", "field"),
        [("per_page=201", "per_page"), ("page=0", "page"), ("q=" + "x" * 201, "q")],
    )
    async def test_bad_paging_or_search_names_the_parameter(
        self, state: AppState, client: AsyncClient, query: str, field: str
    ) -> None:
        admin = await admin_headers(state, client)
        for route in ("/api/admin/users", "/api/admin/organizations"):
            response = await client.get(f"{route}?{query}", headers=admin)
            assert response.status_code == 422, (route, response.text)
            assert response.json()["fields"][0]["field"] == field

    async def test_a_user_shows_role_state_and_organizations(
        self, state: AppState, client: AsyncClient
    ) -> None:
        admin = await admin_headers(state, client)
        user, organization = await create_committed_user(state, name="Dana")

        response = await client.get(f"/api/admin/users/{user.id}", headers=admin)

        assert response.status_code == 200, response.text
        shown = response.json()["user"]
        assert shown["role"] == "customer"
        assert shown["active"] is True
        assert shown["server_count"] == 0
        assert shown["organizations"] == [
            {
                "id": str(organization.id),
                "name": organization.name,
                "role": "owner",
                "server_count": 0,
                "server_limit": None,
            }
        ]
        unknown = await client.get(f"/api/admin/users/{uuid.uuid4()}", headers=admin)
        assert unknown.status_code == 404

    async def test_suspension_ends_a_live_session_at_once_and_blocks_sign_in(
        self, state: AppState, client: AsyncClient
    ) -> None:
        admin = await admin_headers(state, client)
        customer, user, _ = await signed_in_headers(state, client)
        assert (await client.get("/api/auth/me", headers=customer)).status_code == 200
        made = await client.post("/api/account/tokens", json={"name": "ci"}, headers=customer)
        token = {"Authorization": f"Bearer {made.json()['token']}"}
        assert (await client.get("/api/vps", headers=token)).status_code == 200

        suspended = await client.patch(
            f"/api/admin/users/{user.id}", json={"active": False}, headers=admin
        )

        assert suspended.status_code == 200, suspended.text
        assert suspended.json()["user"]["active"] is False
        refused = await client.get("/api/auth/me", headers=customer)
        assert refused.status_code == 401
        assert refused.json()["error"] == "suspended"
        assert "suspended" in refused.json()["detail"]
        assert (await client.get("/api/vps", headers=token)).json()["error"] == "suspended"
        sign_in = await client.post(
            "/api/auth/login", json={"email": user.email, "password": DEFAULT_PASSWORD}
        )
        assert sign_in.status_code == 401

        lifted = await client.patch(
            f"/api/admin/users/{user.id}", json={"active": True}, headers=admin
        )
        assert lifted.status_code == 200
        # Nothing issued before the suspension comes back: sign in again.
        assert (await client.get("/api/auth/me", headers=customer)).status_code == 401
        assert (await client.get("/api/vps", headers=token)).status_code == 401
        await login(client, user.email)

    async def test_an_admin_cannot_suspend_themselves(
        self, state: AppState, client: AsyncClient
    ) -> None:
        headers, admin, _ = await signed_in_headers(state, client, role=UserRole.ADMIN)

        response = await client.patch(
            f"/api/admin/users/{admin.id}", json={"active": False}, headers=headers
        )

        assert response.status_code == 409
        assert response.json()["error"] == "cannot_suspend_self"
        assert (await client.get("/api/auth/me", headers=headers)).status_code == 200

    async def test_bad_patch_names_the_field(self, state: AppState, client: AsyncClient) -> None:
        admin = await admin_headers(state, client)
        user, _ = await create_committed_user(state)

        response = await client.patch(
            f"/api/admin/users/{user.id}", json={"active": "maybe"}, headers=admin
        )

        assert response.status_code == 422
        assert response.json()["fields"][0]["field"] == "active"


class TestOrganizations:
    async def test_list_counts_members_and_shows_the_limit(
        self, state: AppState, client: AsyncClient
    ) -> None:
        admin = await admin_headers(state, client)
        _, organization = await create_committed_user(state, name="Fern")

        limited = await client.patch(
            f"/api/admin/organizations/{organization.id}",
            json={"server_limit": 3},
            headers=admin,
        )
        listed = await client.get("/api/admin/organizations?q=FERN", headers=admin)

        assert limited.status_code == 200, limited.text
        assert limited.json()["organization"]["server_limit"] == 3
        body = listed.json()
        assert body["total"] == 1
        assert body["organizations"][0] == {
            "id": str(organization.id),
            "name": "Fern's organization",
            "created_at": body["organizations"][0]["created_at"],
            "member_count": 1,
            "server_count": 0,
            "server_limit": 3,
        }
        removed = await client.patch(
            f"/api/admin/organizations/{organization.id}",
            json={"server_limit": None},
            headers=admin,
        )
        assert removed.json()["organization"]["server_limit"] is None

    @pytest.mark.parametrize("body", [{"server_limit": -1}, {"server_limit": 1.5}, {}])
    async def test_a_bad_limit_names_the_field(
        self, state: AppState, client: AsyncClient, body: dict[str, object]
    ) -> None:
        admin = await admin_headers(state, client)
        _, organization = await create_committed_user(state)

        response = await client.patch(
            f"/api/admin/organizations/{organization.id}", json=body, headers=admin
        )

        assert response.status_code == 422
        assert response.json()["fields"][0]["field"] == "server_limit"

    async def test_an_unknown_organization_is_not_found(
        self, state: AppState, client: AsyncClient
    ) -> None:
        admin = await admin_headers(state, client)
        response = await client.patch(
            f"/api/admin/organizations/{uuid.uuid4()}", json={"server_limit": 1}, headers=admin
        )
        assert response.status_code == 404


class TestSettingsAndRegistration:
    async def register(self, client: AsyncClient, email: str) -> tuple[int, dict[str, str]]:
        response = await client.post(
            "/api/auth/register",
            json={"email": email, "password": DEFAULT_PASSWORD, "name": "New Person"},
        )
        body: dict[str, str] = response.json()
        return response.status_code, body

    async def test_registration_follows_the_setting(
        self, state: AppState, client: AsyncClient
    ) -> None:
        admin = await admin_headers(state, client)
        assert (await client.get("/api/admin/settings", headers=admin)).json() == {
            "registration": "open",
            "default_server_limit": None,
        }
        assert (await self.register(client, "first@example.com"))[0] == 201

        outcomes = {}
        for mode in ("invite_only", "closed"):
            changed = await client.patch(
                "/api/admin/settings", json={"registration": mode}, headers=admin
            )
            assert changed.json()["registration"] == mode
            outcomes[mode] = await self.register(client, f"{mode}@example.com")

        for status, body in outcomes.values():
            assert status == 403
            assert body["error"] == "registration_closed"
        assert "invitation" in outcomes["invite_only"][1]["detail"]
        assert "closed" in outcomes["closed"][1]["detail"]
        await client.patch("/api/admin/settings", json={"registration": "open"}, headers=admin)
        assert (await self.register(client, "again@example.com"))[0] == 201

    async def test_the_default_limit_applies_to_organizations_created_afterwards(
        self, state: AppState, client: AsyncClient
    ) -> None:
        admin = await admin_headers(state, client)
        _, before = await create_committed_user(state)

        changed = await client.patch(
            "/api/admin/settings", json={"default_server_limit": 2}, headers=admin
        )
        status, registered = await self.register(client, "later@example.com")

        assert changed.json() == {"registration": "open", "default_server_limit": 2}
        assert status == 201
        listed = (await client.get("/api/admin/organizations", headers=admin)).json()
        limits = {org["id"]: org["server_limit"] for org in listed["organizations"]}
        assert limits[registered["organization"]["id"]] == 2  # type: ignore[index]
        assert limits[str(before.id)] is None
        kept = await client.patch("/api/admin/settings", json={}, headers=admin)
        assert kept.json()["default_server_limit"] == 2

    @pytest.mark.parametrize(
        ("body", "field"),
        [
            ({"registration": "sometimes"}, "registration"),
            ({"default_server_limit": -3}, "default_server_limit"),
        ],
    )
    async def test_bad_settings_name_the_field(
        self, state: AppState, client: AsyncClient, body: dict[str, object], field: str
    ) -> None:
        admin = await admin_headers(state, client)
        response = await client.patch("/api/admin/settings", json=body, headers=admin)
        assert response.status_code == 422
        assert response.json()["fields"][0]["field"] == field


async def test_customers_are_refused_every_admin_customer_route(
    state: AppState, client: AsyncClient
) -> None:
    customer, user, organization = await signed_in_headers(state, client)
    calls = [
        ("GET", "/api/admin/users", None),
        ("GET", f"/api/admin/users/{user.id}", None),
        ("PATCH", f"/api/admin/users/{user.id}", {"active": True}),
        ("GET", "/api/admin/organizations", None),
        ("PATCH", f"/api/admin/organizations/{organization.id}", {"server_limit": 100}),
        ("GET", "/api/admin/settings", None),
        ("PATCH", "/api/admin/settings", {"registration": "open"}),
    ]
    for method, path, body in calls:
        response = await client.request(method, path, json=body, headers=customer)
        assert response.status_code == 403, (method, path, response.text)
