"""Tenancy: every /api/vps/{id}... route answers 404 for another organization's server."""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence

from fastapi import FastAPI
from fastapi.routing import APIRoute
from httpx import AsyncClient
from starlette.routing import BaseRoute

from tests.factories import create_committed_user, login, running_instance, signed_in_headers
from tests.instances.support import SSH_KEY, STRONG_PASS, create_offer
from vpspanel.organizations.models import Membership
from vpspanel.simulator.testing import SimulatorServer
from vpspanel.state import AppState
from vpspanel.worker.runner import Worker

BODIES = {
    "rebuild": {"image": "ubuntu-22.04", "root_pass": STRONG_PASS},
    "resize": {"type": "g6-standard-1"},
}


def _api_routes(routes: Sequence[BaseRoute]) -> Iterator[APIRoute]:
    """Every APIRoute, looking inside included routers (FastAPI keeps them nested)."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        nested = getattr(route, "original_router", None)
        if nested is not None:
            yield from _api_routes(nested.routes)


def instance_routes(app: FastAPI) -> list[tuple[str, str]]:
    routes = [
        (method, route.path)
        for route in _api_routes(app.routes)
        if route.path.startswith("/api/vps/{")
        for method in sorted(route.methods or ())
    ]
    documented = {
        (method.upper(), path)
        for path, operations in app.openapi()["paths"].items()
        if path.startswith("/api/vps/{")
        for method in operations
    }
    assert set(routes) == documented, "the route walk missed a route"
    assert len(routes) >= 9, routes
    return routes


class TestTenancy:
    async def test_every_instance_route_hides_other_organizations_servers(
        self,
        app: FastAPI,
        fast_state: AppState,
        client: AsyncClient,
        sim: SimulatorServer,
        worker: Worker,
    ) -> None:
        offer = await create_offer(fast_state, sim, "linode")
        owner_headers, _, _ = await signed_in_headers(fast_state, client)
        instance = await running_instance(client, owner_headers, offer, worker)
        stranger_headers, _, _ = await signed_in_headers(fast_state, client)

        for method, path in instance_routes(app):
            name = path.rsplit("/", 1)[-1]
            url = path.replace("{instance_id}", instance["id"])
            response = await client.request(
                method, url, headers=stranger_headers, json=BODIES.get(name)
            )
            assert response.status_code == 404, (method, path, response.text)
            unknown = await client.request(
                method,
                path.replace("{instance_id}", str(uuid.uuid4())),
                headers=owner_headers,
                json=BODIES.get(name),
            )
            assert unknown.status_code == 404, (method, path)
        still = await client.get(f"/api/vps/{instance['id']}", headers=owner_headers)
        assert still.json()["instance"]["status"] == "running"

    async def test_members_see_their_organizations_servers_and_lists_are_scoped(
        self, fast_state: AppState, client: AsyncClient, sim: SimulatorServer, worker: Worker
    ) -> None:
        offer = await create_offer(fast_state, sim, "linode")
        owner_headers, _, organization = await signed_in_headers(fast_state, client)
        instance = await running_instance(client, owner_headers, offer, worker)
        member, _ = await create_committed_user(fast_state)
        async with fast_state.sessionmaker() as session, session.begin():
            session.add(
                Membership(user_id=member.id, organization_id=organization.id, role="member")
            )
        member_headers = {
            "Authorization": f"Bearer {await login(client, member.email)}",
            "X-Organization-Id": str(organization.id),
        }
        listed = (await client.get("/api/vps", headers=member_headers)).json()
        assert [item["id"] for item in listed["instances"]] == [instance["id"]]
        assert (
            await client.get(f"/api/vps/{instance['id']}", headers=member_headers)
        ).status_code == 200
        stranger_headers, _, _ = await signed_in_headers(fast_state, client)
        assert (await client.get("/api/vps", headers=stranger_headers)).json()["total"] == 0


# Per-user resources under /api/account: another user's id is not found, like another
# organization's server. Each prefix names how its owner makes one (POST body, id key).
ACCOUNT_RESOURCES = {
    "/api/account/ssh-keys": (
        {"name": "laptop", "public_key": SSH_KEY},
        "ssh_key",
        {"name": "renamed"},
    ),
    "/api/account/tokens": ({"name": "ci"}, "api_token", {"name": "renamed"}),
}


def account_routes(app: FastAPI) -> list[tuple[str, str]]:
    routes = [
        (method, route.path)
        for route in _api_routes(app.routes)
        if any(route.path.startswith(prefix + "/{") for prefix in ACCOUNT_RESOURCES)
        for method in sorted(route.methods or ())
    ]
    assert len(routes) >= 3, routes
    return routes


class TestAccountResourceTenancy:
    async def test_every_account_resource_route_hides_other_users_ids(
        self, app: FastAPI, state: AppState, client: AsyncClient
    ) -> None:
        owner_headers, _, _ = await signed_in_headers(state, client)
        stranger_headers, _, _ = await signed_in_headers(state, client)
        ids = {}
        for prefix, (body, key, _) in ACCOUNT_RESOURCES.items():
            created = await client.post(prefix, json=body, headers=owner_headers)
            assert created.status_code == 201, created.text
            ids[prefix] = created.json()[key]["id"]
        for method, path in account_routes(app):
            prefix, template = path.rsplit("/", 1)
            update = ACCOUNT_RESOURCES[prefix][2]
            url = f"{prefix}/{ids[prefix]}"
            response = await client.request(method, url, headers=stranger_headers, json=update)
            assert response.status_code == 404, (method, path, response.text)
            unknown = await client.request(
                method, f"{prefix}/{uuid.uuid4()}", headers=owner_headers, json=update
            )
            assert unknown.status_code == 404, (method, path, template)
        for prefix in ACCOUNT_RESOURCES:
            listed = (await client.get(prefix, headers=owner_headers)).json()
            assert [item["id"] for item in next(iter(listed.values()))] == [ids[prefix]]
