"""Organizations and members: create, rename, list, roles, remove, leave, the last owner."""

from __future__ import annotations

import asyncio
import uuid

from httpx import AsyncClient
from sqlalchemy import select, update

from tests.organizations.support import join, owner_and_member, person
from vpspanel.customers.models import SETTINGS_ROW_ID, PanelSettings
from vpspanel.organizations.models import Membership, Organization
from vpspanel.state import AppState

ROUNDS = 5


class TestOrganizations:
    async def test_creator_becomes_owner_and_lists_every_organization_with_role(
        self, state: AppState, client: AsyncClient
    ) -> None:
        _owner, member, organization = await owner_and_member(state, client)
        created = await client.post(
            "/api/organizations", json={"name": "  Second Org "}, headers=member.headers
        )
        assert created.status_code == 201, created.text
        assert created.json()["name"] == "Second Org"
        assert created.json()["role"] == "owner"
        mine = (await client.get("/api/organizations", headers=member.headers)).json()
        roles = {item["id"]: item["role"] for item in mine["organizations"]}
        assert roles[str(organization.id)] == "member"
        assert roles[created.json()["id"]] == "owner"
        assert len(roles) == 3  # their own, the owner's, the new one

    async def test_a_new_organization_starts_with_the_panels_default_server_limit(
        self, state: AppState, client: AsyncClient
    ) -> None:
        owner, _ = await person(state, client)
        async with state.sessionmaker() as session, session.begin():
            session.add(PanelSettings(id=SETTINGS_ROW_ID, default_server_limit=3))
        created = await client.post(
            "/api/organizations", json={"name": "Limited"}, headers=owner.headers
        )
        async with state.read_sessionmaker() as session:
            organization = await session.get(Organization, uuid.UUID(created.json()["id"]))
        assert organization is not None and organization.server_limit == 3

    async def test_owner_renames_member_cannot(self, state: AppState, client: AsyncClient) -> None:
        owner, member, organization = await owner_and_member(state, client)
        url = f"/api/organizations/{organization.id}"
        renamed = await client.patch(url, json={"name": "Acme"}, headers=owner.headers)
        assert renamed.status_code == 200, renamed.text
        assert renamed.json() == {"id": str(organization.id), "name": "Acme", "role": "owner"}
        refused = await client.patch(url, json={"name": "Mine"}, headers=member.headers)
        assert refused.status_code == 403
        assert refused.json()["error"] == "owner_required"

    async def test_empty_name_is_422_naming_the_field(
        self, state: AppState, client: AsyncClient
    ) -> None:
        owner, _ = await person(state, client)
        response = await client.post("/api/organizations", json={"name": ""}, headers=owner.headers)
        assert response.status_code == 422
        assert response.json()["fields"][0]["field"] == "name"


class TestMembers:
    async def test_owner_lists_members_with_role_and_joined_date(
        self, state: AppState, client: AsyncClient
    ) -> None:
        owner, member, organization = await owner_and_member(state, client)
        listed = await client.get(
            f"/api/organizations/{organization.id}/members", headers=owner.headers
        )
        assert listed.status_code == 200, listed.text
        members = listed.json()["members"]
        assert [(m["email"], m["role"]) for m in members] == [
            (owner.user.email, "owner"),
            (member.user.email, "member"),
        ]
        assert all(m["joined_at"] and m["name"] for m in members)

    async def test_member_cannot_see_or_manage_members(
        self, state: AppState, client: AsyncClient
    ) -> None:
        owner, member, organization = await owner_and_member(state, client)
        base = f"/api/organizations/{organization.id}/members"
        assert (await client.get(base, headers=member.headers)).status_code == 403
        promote = await client.patch(
            f"{base}/{member.user.id}", json={"role": "owner"}, headers=member.headers
        )
        assert promote.status_code == 403
        remove = await client.delete(f"{base}/{owner.user.id}", headers=member.headers)
        assert remove.status_code == 403

    async def test_owner_changes_role_and_removes_member(
        self, state: AppState, client: AsyncClient
    ) -> None:
        owner, member, organization = await owner_and_member(state, client)
        base = f"/api/organizations/{organization.id}/members"
        promoted = await client.patch(
            f"{base}/{member.user.id}", json={"role": "owner"}, headers=owner.headers
        )
        assert promoted.status_code == 200, promoted.text
        assert promoted.json()["role"] == "owner"
        # Now an owner, the former member may manage members.
        assert (await client.get(base, headers=member.headers)).status_code == 200
        removed = await client.delete(f"{base}/{member.user.id}", headers=owner.headers)
        assert removed.status_code == 204
        assert (await client.get(base, headers=member.headers)).status_code == 404
        gone = await client.delete(f"{base}/{member.user.id}", headers=owner.headers)
        assert gone.status_code == 404

    async def test_bad_role_is_422(self, state: AppState, client: AsyncClient) -> None:
        owner, member, organization = await owner_and_member(state, client)
        response = await client.patch(
            f"/api/organizations/{organization.id}/members/{member.user.id}",
            json={"role": "admin"},
            headers=owner.headers,
        )
        assert response.status_code == 422
        assert response.json()["fields"][0]["field"] == "role"


class TestLastOwner:
    async def test_last_owner_cannot_demote_remove_or_leave(
        self, state: AppState, client: AsyncClient
    ) -> None:
        owner, _member, organization = await owner_and_member(state, client)
        base = f"/api/organizations/{organization.id}"
        for response in (
            await client.patch(
                f"{base}/members/{owner.user.id}", json={"role": "member"}, headers=owner.headers
            ),
            await client.delete(f"{base}/members/{owner.user.id}", headers=owner.headers),
            await client.post(f"{base}/leave", headers=owner.headers),
        ):
            assert response.status_code == 409, response.text
            assert response.json()["error"] == "last_owner"
        members = (await client.get(f"{base}/members", headers=owner.headers)).json()
        assert [m["role"] for m in members["members"]] == ["owner", "member"]

    async def test_one_of_two_owners_may_step_down(
        self, state: AppState, client: AsyncClient
    ) -> None:
        owner, member, organization = await owner_and_member(state, client)
        base = f"/api/organizations/{organization.id}"
        await client.patch(
            f"{base}/members/{member.user.id}", json={"role": "owner"}, headers=owner.headers
        )
        left = await client.post(f"{base}/leave", headers=owner.headers)
        assert left.status_code == 204
        mine = (await client.get("/api/organizations", headers=owner.headers)).json()
        assert str(organization.id) not in {o["id"] for o in mine["organizations"]}

    async def test_member_leaves(self, state: AppState, client: AsyncClient) -> None:
        _owner, member, organization = await owner_and_member(state, client)
        left = await client.post(
            f"/api/organizations/{organization.id}/leave", headers=member.headers
        )
        assert left.status_code == 204
        again = await client.post(
            f"/api/organizations/{organization.id}/leave", headers=member.headers
        )
        assert again.status_code == 404

    async def test_two_owners_demoting_each_other_at_once_leave_one_owner(
        self, state: AppState, client: AsyncClient
    ) -> None:
        first, organization = await person(state, client)
        second, _ = await person(state, client)
        await join(state, second.user, organization, "owner")
        base = f"/api/organizations/{organization.id}/members"
        for _ in range(ROUNDS):  # a race shows only sometimes: try a few times
            responses = await asyncio.gather(
                client.patch(
                    f"{base}/{second.user.id}", json={"role": "member"}, headers=first.headers
                ),
                client.patch(
                    f"{base}/{first.user.id}", json={"role": "member"}, headers=second.headers
                ),
            )
            # The second to run is no longer an owner by then.
            codes = sorted(r.status_code for r in responses)
            assert codes == [200, 403], [r.text for r in responses]
            assert await owners(state, organization.id) == 1
            await set_roles(state, organization.id, "owner")

    async def test_two_owners_leaving_at_once_leave_one_owner(
        self, state: AppState, client: AsyncClient
    ) -> None:
        first, organization = await person(state, client)
        second, _ = await person(state, client)
        await join(state, second.user, organization, "owner")
        url = f"/api/organizations/{organization.id}/leave"
        for _ in range(ROUNDS):
            responses = await asyncio.gather(
                client.post(url, headers=first.headers), client.post(url, headers=second.headers)
            )
            codes = sorted(r.status_code for r in responses)
            assert codes == [204, 409], [r.text for r in responses]
            assert "last_owner" in "".join(r.text for r in responses)
            assert await owners(state, organization.id) == 1
            gone = first if responses[0].status_code == 204 else second
            await join(state, gone.user, organization, "owner")


async def set_roles(state: AppState, organization_id: uuid.UUID, role: str) -> None:
    async with state.sessionmaker() as session, session.begin():
        await session.execute(
            update(Membership)
            .where(Membership.organization_id == organization_id)
            .values(role=role)
        )


async def owners(state: AppState, organization_id: uuid.UUID) -> int:
    async with state.read_sessionmaker() as session:
        return len(
            (
                await session.scalars(
                    select(Membership).where(
                        Membership.organization_id == organization_id, Membership.role == "owner"
                    )
                )
            ).all()
        )
