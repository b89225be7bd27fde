"""GET /api/vps/{id}/resize-plans: exactly the plans POST /api/vps/{id}/resize accepts, priced
for the server's region, with the monthly difference, white-label, and only for the acting
organization's servers."""

from __future__ import annotations

from typing import Any

import pytest
from httpx import AsyncClient

from tests.factories import create_committed_user, login, running_instance, signed_in_headers
from tests.instances.support import create_account, create_offer, create_plan
from vpspanel.organizations.models import Membership
from vpspanel.simulator.testing import SimulatorServer
from vpspanel.state import AppState
from vpspanel.worker.runner import Worker

PLAN_KEYS = {
    "id",
    "name",
    "vcpus",
    "memory_mb",
    "disk_gb",
    "transfer_gb",
    "price_monthly",
    "price_hourly",
    "price_difference_monthly",
}


async def _resize_plans(
    client: AsyncClient, headers: dict[str, str], server: dict[str, Any]
) -> list[dict[str, Any]]:
    response = await client.get(f"/api/vps/{server['id']}/resize-plans", headers=headers)
    assert response.status_code == 200, response.text
    plans: list[dict[str, Any]] = response.json()["plans"]
    return plans


@pytest.mark.parametrize("provider_type", ["linode", "digitalocean"])
async def test_lists_exactly_the_plans_resize_accepts(
    provider_type: str,
    fast_state: AppState,
    client: AsyncClient,
    sim: SimulatorServer,
    worker: Worker,
) -> None:
    offer = await create_offer(fast_state, sim, provider_type)
    region = [(offer.setup.region, offer.setup.region_label, "us")]
    bigger = {"vcpus": 2, "memory": 4096, "disk": 80, "transfer": 4000}
    other_account, _ = await create_account(fast_state, sim, provider_type, name="Second")
    candidates = {
        "large": offer.large,
        # Priced higher in the server's region than its list price: the region's price counts.
        "regional": await create_plan(
            fast_state,
            offer.account,
            provider_plan_id="bigger-regional",
            specs=bigger,
            regions=[*region, ("eu-west", "London, UK", "gb")],
            name="Bigger Regional",
            base="20.00",
            base_hourly="0.03",
            region_prices={offer.setup.region: ("24.00", "0.036")},
        ),
        "foreign": await create_plan(
            fast_state, other_account, provider_plan_id="bigger", specs=bigger, regions=region
        ),
        "elsewhere": await create_plan(
            fast_state,
            offer.account,
            provider_plan_id="bigger-elsewhere",
            specs=bigger,
            regions=[("eu-west", "London, UK", "gb")],
        ),
        "inactive": await create_plan(
            fast_state,
            offer.account,
            provider_plan_id="bigger-inactive",
            specs=bigger,
            regions=region,
            active=False,
        ),
        "same_size": await create_plan(
            fast_state,
            offer.account,
            provider_plan_id="same-size",
            specs=offer.setup.small_specs,
            regions=region,
            name="Same Size",
        ),
        "fewer_cpus": await create_plan(
            fast_state,
            offer.account,
            provider_plan_id="more-memory-fewer-cpus",
            specs={"vcpus": 0, "memory": 8192, "disk": 160, "transfer": 1000},
            regions=region,
        ),
        "current": offer.small,
    }
    headers, _, _ = await signed_in_headers(fast_state, client)
    servers = [
        await running_instance(client, headers, offer, worker, label=f"web-{n}") for n in range(2)
    ]

    plans = await _resize_plans(client, headers, servers[0])

    # Cheapest first: large is 12.00 + 2.00 markup; regional is 24.00 + 2.00 in this region.
    assert [plan["id"] for plan in plans] == [
        str(candidates["large"].id),
        str(candidates["regional"].id),
    ]
    assert all(set(plan) == PLAN_KEYS for plan in plans)
    large, regional = plans
    assert (large["price_monthly"], large["price_difference_monthly"]) == ("14.00", "7.00")
    assert (regional["price_monthly"], regional["price_hourly"]) == ("26.00", "0.039")
    assert regional["price_difference_monthly"] == "19.00"
    assert (regional["vcpus"], regional["memory_mb"], regional["disk_gb"]) == (2, 4096, 80)
    assert regional["transfer_gb"] == 4000
    text = str(plans)
    assert offer.setup.large not in text and provider_type not in text

    # The rule is the resize's own: each listed plan is accepted, every other one refused.
    listed = {plan["id"] for plan in plans}
    for name, plan in candidates.items():
        if str(plan.id) in listed:
            continue
        refused = await client.post(
            f"/api/vps/{servers[0]['id']}/resize", json={"type": str(plan.id)}, headers=headers
        )
        assert refused.status_code == 422, (name, refused.text)
        assert [field["field"] for field in refused.json()["fields"]] == ["type"], name
    for server, plan_id in zip(servers, sorted(listed), strict=True):
        accepted = await client.post(
            f"/api/vps/{server['id']}/resize", json={"type": plan_id}, headers=headers
        )
        assert accepted.status_code == 202, accepted.text


async def test_a_server_on_the_largest_plan_has_none(
    fast_state: AppState, client: AsyncClient, sim: SimulatorServer, worker: Worker
) -> None:
    offer = await create_offer(fast_state, sim, "linode")
    headers, _, _ = await signed_in_headers(fast_state, client)
    server = await running_instance(client, headers, offer, worker, type=str(offer.large.id))
    assert await _resize_plans(client, headers, server) == []


async def test_a_cheaper_larger_plan_shows_a_negative_difference(
    fast_state: AppState, client: AsyncClient, sim: SimulatorServer, worker: Worker
) -> None:
    offer = await create_offer(fast_state, sim, "linode")
    bargain = await create_plan(
        fast_state,
        offer.account,
        provider_plan_id="bargain",
        specs={"vcpus": 2, "memory": 2048, "disk": 50, "transfer": 2000},
        regions=[(offer.setup.region, offer.setup.region_label, "us")],
        base="11.00",
        base_hourly="0.0165",
        markup="0.50",
    )
    headers, _, _ = await signed_in_headers(fast_state, client)
    server = await running_instance(client, headers, offer, worker, type=str(offer.large.id))
    (plan,) = await _resize_plans(client, headers, server)
    assert (plan["id"], plan["price_difference_monthly"]) == (str(bargain.id), "-2.50")


async def test_only_the_acting_organization_sees_them(
    fast_state: AppState, client: AsyncClient, sim: SimulatorServer, worker: Worker
) -> None:
    offer = await create_offer(fast_state, sim, "linode")
    owner_headers, _, organization = await signed_in_headers(fast_state, client)
    server = await running_instance(client, owner_headers, offer, worker)
    url = f"/api/vps/{server['id']}/resize-plans"

    stranger_headers, _, _ = await signed_in_headers(fast_state, client)
    hidden = await client.get(url, headers=stranger_headers)
    assert hidden.status_code == 404 and "plans" not in hidden.json()
    assert (await client.get(url)).status_code == 401

    # A member of both organizations sees them only while acting for the server's one.
    member, _ = await create_committed_user(fast_state)
    async with fast_state.sessionmaker() as session, session.begin():
        session.add(Membership(user_id=member.id, organization_id=organization.id, role="member"))
    token = await login(client, member.email)
    as_own = await client.get(url, headers={"Authorization": f"Bearer {token}"})
    assert as_own.status_code == 404
    as_member = await client.get(
        url, headers={"Authorization": f"Bearer {token}", "X-Organization-Id": str(organization.id)}
    )
    assert as_member.status_code == 200
    assert [plan["id"] for plan in as_member.json()["plans"]] == [str(offer.large.id)]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "type"),
        ({"type": 7}, "type"),
        ({"type": "x" * 101}, "type"),
        ({"type": "not-a-plan"}, "type"),
        ({"plan": "anything"}, "plan"),
    ],
)
async def test_a_bad_resize_names_the_field(
    body: dict[str, Any],
    field: str,
    fast_state: AppState,
    client: AsyncClient,
    sim: SimulatorServer,
    worker: Worker,
) -> None:
    offer = await create_offer(fast_state, sim, "linode")
    headers, _, _ = await signed_in_headers(fast_state, client)
    server = await running_instance(client, headers, offer, worker)
    response = await client.post(f"/api/vps/{server['id']}/resize", json=body, headers=headers)
    assert response.status_code == 422, response.text
    assert field in [problem["field"] for problem in response.json()["fields"]]
    after = (await client.get(f"/api/vps/{server['id']}", headers=headers)).json()
    assert after["instance"]["status"] == "running"
