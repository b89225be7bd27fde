"""Tenancy walk for /api/organizations/{organization_id}...: every route answers 404 for an
organization the caller is not in, 403 for a member on an owner-only route."""

from __future__ import annotations

import uuid

from fastapi import FastAPI
from httpx import AsyncClient

from tests.instances.test_tenancy import _api_routes
from tests.organizations.support import owner_and_member, person
from vpspanel.state import AppState

PREFIX = "/api/organizations/{"
BODIES = {
    ("PATCH", "/api/organizations/{organization_id}"): {"name": "Taken over"},
    ("PATCH", "/api/organizations/{organization_id}/members/{user_id}"): {"role": "owner"},
    ("POST", "/api/organizations/{organization_id}/invitations"): {
        "email": "someone@example.com",
        "role": "owner",
    },
}
# The one route a member may use on someone else's organization.
MEMBER_ALLOWED = {("POST", "/api/organizations/{organization_id}/leave")}


def organization_routes(app: FastAPI) -> list[tuple[str, str]]:
    routes = [
        (method, route.path)
        for route in _api_routes(app.routes)
        if route.path.startswith(PREFIX)
        for method in sorted(route.methods or ())
    ]
    documented = {
        (method.upper(), path)
        for path, operations in app.openapi()["paths"].items()
        if path.startswith(PREFIX)
        for method in operations
    }
    assert set(routes) == documented, "the route walk missed a route"
    assert len(routes) >= 9, routes
    return routes


class TestOrganizationTenancy:
    async def test_other_organizations_are_404_and_members_get_403(
        self, app: FastAPI, state: AppState, client: AsyncClient
    ) -> None:
        owner, member, organization = await owner_and_member(state, client)
        stranger, stranger_organization = await person(state, client)
        sent = await client.post(
            f"/api/organizations/{organization.id}/invitations",
            json={"email": "invited@example.com", "role": "member"},
            headers=owner.headers,
        )
        invitation_id = sent.json()["invitation"]["id"]

        def url(path: str, organization_id: object) -> str:
            return (
                path.replace("{organization_id}", str(organization_id))
                .replace("{user_id}", str(member.user.id))
                .replace("{invitation_id}", invitation_id)
            )

        for method, path in organization_routes(app):
            body = BODIES.get((method, path))
            as_stranger = await client.request(
                method, url(path, organization.id), headers=stranger.headers, json=body
            )
            assert as_stranger.status_code == 404, (method, path, as_stranger.text)
            unknown = await client.request(
                method, url(path, uuid.uuid4()), headers=owner.headers, json=body
            )
            assert unknown.status_code == 404, (method, path, unknown.text)
            if "{user_id}" in path or "{invitation_id}" in path:
                # The other organization's member or invitation, through the stranger's own
                # organization where they are owner.
                crossed = await client.request(
                    method,
                    url(path, stranger_organization.id),
                    headers=stranger.headers,
                    json=body,
                )
                assert crossed.status_code == 404, (method, path, crossed.text)
            if (method, path) not in MEMBER_ALLOWED:
                as_member = await client.request(
                    method, url(path, organization.id), headers=member.headers, json=body
                )
                assert as_member.status_code == 403, (method, path, as_member.text)

        # Nothing changed hands.
        members = await client.get(
            f"/api/organizations/{organization.id}/members", headers=owner.headers
        )
        assert [m["role"] for m in members.json()["members"]] == ["owner", "member"]
        listed = await client.get(
            f"/api/organizations/{organization.id}/invitations", headers=owner.headers
        )
        assert [i["id"] for i in listed.json()["invitations"]] == [invitation_id]
        mine = await client.get("/api/organizations", headers=owner.headers)
        assert organization.name in mine.text
