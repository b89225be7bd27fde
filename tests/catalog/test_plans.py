from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy import update

from tests.factories import create_committed_user
from tests.provider_accounts.support import connect, error_of
from vpspanel.catalog.models import VpsPlan, VpsPlanRegion
from vpspanel.instances.models import VpsInstance
from vpspanel.pricing import format_hourly, price_hourly
from vpspanel.provider_accounts.models import ServiceProvider
from vpspanel.simulator.testing import SimulatorServer
from vpspanel.state import AppState
from vpspanel.storefront import plans as on_sale
from vpspanel.storefront import service as storefront

ID = "00000000-0000-0000-0000-000000000001"
ROUTES = [
    ("GET", "/api/admin/plans"),
    ("POST", "/api/admin/plans"),
    ("POST", "/api/admin/plans/refresh-prices"),
    ("GET", f"/api/admin/plans/{ID}"),
    ("PATCH", f"/api/admin/plans/{ID}"),
    ("DELETE", f"/api/admin/plans/{ID}"),
]


async def create_plan(
    client: AsyncClient, admin: dict[str, str], provider_id: str, **overrides: Any
) -> dict[str, Any]:
    body = {
        "provider_id": provider_id,
        "provider_plan_id": "g6-nanode-1",
        "name": "Standard 1GB",
        "markup_price": "2.00",
        "regions": ["us-east", "id-cgk"],
        **overrides,
    }
    response = await client.post("/api/admin/plans", json=body, headers=admin)
    assert response.status_code == 201, response.text
    plan: dict[str, Any] = response.json()["plan"]
    return plan


class TestAccess:
    @pytest.mark.parametrize(("method", "path"), ROUTES)
    async def test_anonymous_401_customer_403(
        self, client: AsyncClient, customer: dict[str, str], method: str, path: str
    ) -> None:
        assert (await client.request(method, path, json={})).status_code == 401
        response = await client.request(method, path, json={}, headers=customer)
        assert response.status_code == 403

    @pytest.mark.parametrize(("method", "path"), ROUTES[3:])
    async def test_admin_unknown_plan_is_404(
        self, client: AsyncClient, admin: dict[str, str], method: str, path: str
    ) -> None:
        assert (await client.request(method, path, json={}, headers=admin)).status_code == 404


class TestCreate:
    async def test_linode_plan_prices_come_from_the_provider(
        self, client: AsyncClient, admin: dict[str, str], sim: SimulatorServer
    ) -> None:
        provider = await connect(client, admin, sim, "linode")
        plan = await create_plan(client, admin, provider["id"])
        assert plan["base_price"] == "5.00"
        assert plan["base_price_hourly"] == "0.0075"
        assert plan["markup_price"] == "2.00"
        assert plan["price_monthly"] == "7.00"
        assert plan["price_hourly"] == "0.0105"
        assert plan["provider"] == {
            "id": provider["id"],
            "name": provider["name"],
            "type": "linode",
        }
        assert plan["specifications"] == {
            "vcpus": 1,
            "memory": 1024,
            "disk": 25,
            "transfer": 1000,
            "regions": ["id-cgk", "us-east"],
        }
        jakarta = next(r for r in plan["regions"] if r["id"] == "id-cgk")
        assert jakarta["base_price_monthly"] == "6.00"
        assert jakarta["price_monthly"] == "8.00"
        listed = (await client.get("/api/admin/plans", headers=admin)).json()["plans"]
        assert listed == [plan]
        assert (await client.get(f"/api/admin/plans/{plan['id']}", headers=admin)).json() == {
            "plan": plan
        }

    async def test_digitalocean_hourly_price_is_exact(
        self, client: AsyncClient, admin: dict[str, str], sim: SimulatorServer
    ) -> None:
        provider = await connect(client, admin, sim, "digitalocean")
        plan = await create_plan(
            client,
            admin,
            provider["id"],
            provider_plan_id="s-1vcpu-1gb",
            markup_price="0",
            regions=["nyc3"],
        )
        assert plan["base_price_hourly"] == "0.00744"
        assert plan["price_hourly"] == "0.00744"
        assert plan["price_monthly"] == "5.00"
        assert plan["specifications"]["transfer"] == 1000

    async def test_client_cannot_set_prices_or_specifications(
        self, client: AsyncClient, admin: dict[str, str], sim: SimulatorServer
    ) -> None:
        provider = await connect(client, admin, sim, "linode")
        response = await client.post(
            "/api/admin/plans",
            json={
                "provider_id": provider["id"],
                "provider_plan_id": "g6-nanode-1",
                "name": "Cheap",
                "markup_price": "1.00",
                "regions": ["us-east"],
                "base_price": "0.01",
            },
            headers=admin,
        )
        assert response.status_code == 422


class TestValidation:
    @pytest.mark.parametrize(
        ("overrides", "code", "field"),
        [
            ({"provider_plan_id": "g6-imaginary-1"}, "unknown_provider_plan", "provider_plan_id"),
            ({"regions": ["us-east", "mars-1"]}, "region_not_available", "regions"),
            ({"markup_price": "-1.00"}, "validation_error", "markup_price"),
            ({"markup_price": "1.005"}, "validation_error", "markup_price"),
            ({"name": ""}, "validation_error", "name"),
            ({"name": "x" * 101}, "validation_error", "name"),
            ({"regions": []}, "validation_error", "regions"),
            ({"provider_id": str(uuid.uuid4())}, "unknown_provider", "provider_id"),
        ],
    )
    async def test_refused(
        self,
        client: AsyncClient,
        admin: dict[str, str],
        sim: SimulatorServer,
        overrides: dict[str, Any],
        code: str,
        field: str,
    ) -> None:
        provider = await connect(client, admin, sim, "linode")
        body = {
            "provider_id": provider["id"],
            "provider_plan_id": "g6-nanode-1",
            "name": "Plan",
            "markup_price": "2.00",
            "regions": ["us-east"],
            **overrides,
        }
        response = await client.post("/api/admin/plans", json=body, headers=admin)
        assert response.status_code == 422, response.text
        assert error_of(response) == code
        assert response.json()["fields"][0]["field"] == field
        if code == "region_not_available":
            assert "mars-1" in response.json()["detail"]

    async def test_region_that_does_not_offer_the_plan(
        self, client: AsyncClient, admin: dict[str, str], sim: SimulatorServer
    ) -> None:
        provider = await connect(client, admin, sim, "digitalocean")
        query = f"?providerId={provider['id']}"
        plans = (await client.get("/api/admin/upstream/plans" + query, headers=admin)).json()
        regions = (await client.get("/api/admin/upstream/regions" + query, headers=admin)).json()
        all_regions = {r["id"] for r in regions["regions"] if r["available"]}
        plan, region = next(
            (p, sorted(all_regions - set(p["regions"]))[0])
            for p in plans["plans"]
            if p["available"] and all_regions - set(p["regions"])
        )
        response = await client.post(
            "/api/admin/plans",
            json={
                "provider_id": provider["id"],
                "provider_plan_id": plan["id"],
                "name": "P",
                "markup_price": "1",
                "regions": [region],
            },
            headers=admin,
        )
        assert response.status_code == 422
        assert error_of(response) == "region_not_available"
        assert region in response.json()["detail"]

    async def test_region_outside_allowed_regions(
        self, client: AsyncClient, admin: dict[str, str], sim: SimulatorServer
    ) -> None:
        provider = await connect(
            client, admin, sim, "linode", configuration={"allowed_regions": ["us-east"]}
        )
        response = await client.post(
            "/api/admin/plans",
            json={
                "provider_id": provider["id"],
                "provider_plan_id": "g6-nanode-1",
                "name": "P",
                "markup_price": "1",
                "regions": ["us-east", "eu-west"],
            },
            headers=admin,
        )
        assert response.status_code == 422
        assert error_of(response) == "region_not_available"
        assert "eu-west" in response.json()["detail"]

    async def test_duplicate_is_409(
        self, client: AsyncClient, admin: dict[str, str], sim: SimulatorServer
    ) -> None:
        provider = await connect(client, admin, sim, "linode")
        await create_plan(client, admin, provider["id"])
        response = await client.post(
            "/api/admin/plans",
            json={
                "provider_id": provider["id"],
                "provider_plan_id": "g6-nanode-1",
                "name": "Standard 1GB",
                "markup_price": "3",
                "regions": ["us-east"],
            },
            headers=admin,
        )
        assert response.status_code == 409
        assert error_of(response) == "duplicate_plan"


class TestEdit:
    async def test_patch_name_markup_regions_active(
        self, client: AsyncClient, admin: dict[str, str], sim: SimulatorServer
    ) -> None:
        provider = await connect(client, admin, sim, "linode")
        plan = await create_plan(client, admin, provider["id"])
        response = await client.patch(
            f"/api/admin/plans/{plan['id']}",
            json={"name": "Nano", "markup_price": "2.50", "regions": ["us-east", "br-gru"]},
            headers=admin,
        )
        assert response.status_code == 200, response.text
        edited = response.json()["plan"]
        assert edited["name"] == "Nano"
        assert edited["price_monthly"] == "7.50"
        assert [r["id"] for r in edited["regions"]] == ["br-gru", "us-east"]
        assert edited["specifications"]["regions"] == ["br-gru", "us-east"]
        bad = await client.patch(
            f"/api/admin/plans/{plan['id']}", json={"regions": ["mars-1"]}, headers=admin
        )
        assert error_of(bad) == "region_not_available"
        off = await client.patch(
            f"/api/admin/plans/{plan['id']}", json={"active": False}, headers=admin
        )
        assert off.json()["plan"]["active"] is False

    async def test_concurrent_patches_of_different_fields_both_apply(
        self, client: AsyncClient, admin: dict[str, str], sim: SimulatorServer
    ) -> None:
        provider = await connect(client, admin, sim, "linode")
        plan = await create_plan(client, admin, provider["id"])
        path = f"/api/admin/plans/{plan['id']}"
        for round_number in range(5):
            responses = await asyncio.gather(
                client.patch(path, json={"name": f"Name {round_number}"}, headers=admin),
                client.patch(path, json={"markup_price": f"{round_number}.25"}, headers=admin),
                client.patch(path, json={"regions": ["us-east"]}, headers=admin),
                client.patch(path, json={"active": round_number % 2 == 0}, headers=admin),
            )
            assert [r.status_code for r in responses] == [200, 200, 200, 200]
            final = (await client.get(path, headers=admin)).json()["plan"]
            assert final["name"] == f"Name {round_number}"
            assert final["markup_price"] == f"{round_number}.25"
            assert [r["id"] for r in final["regions"]] == ["us-east"]
            assert final["active"] is (round_number % 2 == 0)


class TestDelete:
    async def test_plan_in_use_is_409_then_deleted(
        self, client: AsyncClient, admin: dict[str, str], sim: SimulatorServer, state: AppState
    ) -> None:
        provider = await connect(client, admin, sim, "linode")
        plan = await create_plan(client, admin, provider["id"])
        _, organization = await create_committed_user(state)
        async with state.sessionmaker() as db, db.begin():
            instance = VpsInstance(
                organization_id=organization.id,
                plan_id=uuid.UUID(plan["id"]),
                provider_id=uuid.UUID(provider["id"]),
                label="web-1",
                status="running",
                region="us-east",
                image="linode/debian12",
            )
            db.add(instance)
        path = f"/api/admin/plans/{plan['id']}"
        in_use = await client.delete(path, headers=admin)
        assert in_use.status_code == 409 and error_of(in_use) == "plan_in_use"
        async with state.sessionmaker() as db, db.begin():
            await db.execute(
                update(VpsInstance).where(VpsInstance.id == instance.id).values(status="deleted")
            )
        assert (await client.delete(path, headers=admin)).status_code == 204
        assert (await client.get(path, headers=admin)).status_code == 404


class TestRefreshPrices:
    async def test_reports_and_applies_upstream_changes(
        self, client: AsyncClient, admin: dict[str, str], sim: SimulatorServer, state: AppState
    ) -> None:
        provider = await connect(client, admin, sim, "linode")
        plan = await create_plan(client, admin, provider["id"])
        plan_id = uuid.UUID(plan["id"])
        # Pretend the provider raised its prices since: our stored copy is the old price.
        async with state.sessionmaker() as db, db.begin():
            await db.execute(
                update(VpsPlan).where(VpsPlan.id == plan_id).values(base_price=Decimal("4.00"))
            )
            await db.execute(
                update(VpsPlanRegion)
                .where(VpsPlanRegion.plan_id == plan_id, VpsPlanRegion.region_id == "id-cgk")
                .values(base_price_monthly=Decimal("5.50"))
            )
        response = await client.post("/api/admin/plans/refresh-prices", headers=admin)
        assert response.status_code == 200, response.text
        report = response.json()
        assert report["plans_checked"] == 1
        assert {(c["region"], c["period"], c["old"], c["new"]) for c in report["changes"]} == {
            (None, "monthly", "4.00", "5.00"),
            ("id-cgk", "monthly", "5.50", "6.00"),
        }
        refreshed = (await client.get(f"/api/admin/plans/{plan_id}", headers=admin)).json()
        assert refreshed["plan"]["base_price"] == "5.00"
        again = (await client.post("/api/admin/plans/refresh-prices", headers=admin)).json()
        assert again["changes"] == []

    async def test_a_failing_account_is_recorded_then_left_alone_until_its_backoff_ends(
        self, client: AsyncClient, admin: dict[str, str], sim: SimulatorServer, state: AppState
    ) -> None:
        provider = await connect(client, admin, sim, "linode")
        await create_plan(client, admin, provider["id"])
        sim.inject_fault("linode", "server_error", path="^/linode/types", status=503, times=50)
        failed = (await client.post("/api/admin/plans/refresh-prices", headers=admin)).json()
        assert [f["provider_id"] for f in failed["failures"]] == [provider["id"]]
        status = await provider_status(client, admin, provider["id"])
        assert status["ok"] is False and status["failures"] == 1
        assert status["next_attempt_at"] is not None

        # Backing off: the refresh says so and does not ask the provider again.
        asked = sim.request_count("linode", "GET", "/linode/types")
        skipped = (await client.post("/api/admin/plans/refresh-prices", headers=admin)).json()
        (failure,) = skipped["failures"]
        assert "left alone until" in failure["error"] and "503" in failure["error"]
        assert sim.request_count("linode", "GET", "/linode/types") == asked
        assert (await provider_status(client, admin, provider["id"]))["failures"] == 1

        # Past the backoff, an answer clears the streak.
        sim.clear_faults()
        async with state.sessionmaker() as db, db.begin():
            await db.execute(
                update(ServiceProvider)
                .where(ServiceProvider.id == uuid.UUID(provider["id"]))
                .values(status_next_attempt_at=state.clock() - timedelta(seconds=1))
            )
        again = (await client.post("/api/admin/plans/refresh-prices", headers=admin)).json()
        assert again["failures"] == [] and again["plans_checked"] == 1
        cleared = await provider_status(client, admin, provider["id"])
        assert cleared["ok"] is True and cleared["failures"] == 0
        assert cleared["next_attempt_at"] is None

    async def test_a_failure_of_one_request_is_not_held_against_the_account(
        self, client: AsyncClient, admin: dict[str, str], sim: SimulatorServer
    ) -> None:
        provider = await connect(client, admin, sim, "linode")
        await create_plan(client, admin, provider["id"])
        sim.inject_fault("linode", "server_error", path="^/linode/types", status=404, times=50)
        failed = (await client.post("/api/admin/plans/refresh-prices", headers=admin)).json()
        assert [f["provider_id"] for f in failed["failures"]] == [provider["id"]]
        assert (await provider_status(client, admin, provider["id"]))["ok"] is not False


async def provider_status(
    client: AsyncClient, admin: dict[str, str], provider_id: str
) -> dict[str, Any]:
    response = await client.get(f"/api/admin/providers/{provider_id}", headers=admin)
    assert response.status_code == 200, response.text
    status: dict[str, Any] = response.json()["provider"]["status"]
    return status


class TestCustomerReads:
    async def test_only_active_plans_of_active_accounts_priced_per_region(
        self, client: AsyncClient, admin: dict[str, str], sim: SimulatorServer, state: AppState
    ) -> None:
        linode = await connect(client, admin, sim, "linode")
        do = await connect(client, admin, sim, "digitalocean")
        nanode = await create_plan(client, admin, linode["id"])
        droplet = await create_plan(
            client,
            admin,
            do["id"],
            provider_plan_id="s-1vcpu-1gb",
            name="Droplet",
            regions=["nyc3"],
        )
        async with state.sessionmaker() as db:
            plans = await on_sale.list_sellable_plans(db)
            assert {str(p.id) for p in plans} == {nanode["id"], droplet["id"]}
            jakarta = await on_sale.list_sellable_plans(db, region="id-cgk")
            assert [(str(p.id), p.price_monthly) for p in jakarta] == [
                (nanode["id"], Decimal("8.00"))
            ]
            regions = {r.id for r in await on_sale.list_sellable_regions(db)}
            assert regions == {"us-east", "id-cgk", "nyc3"}
            one = await on_sale.get_sellable_plan(db, uuid.UUID(droplet["id"]), region="nyc3")
            assert one is not None and one.price_hourly == Decimal("0.01042")
        images = await storefront.plan_images(state, one, region_id="nyc3")
        assert images and all(not image.upstream.deprecated for image in images)
        await client.patch(
            f"/api/admin/providers/{do['id']}", json={"active": False}, headers=admin
        )
        await client.patch(
            f"/api/admin/plans/{nanode['id']}", json={"regions": ["us-east"]}, headers=admin
        )
        async with state.sessionmaker() as db:
            assert [str(p.id) for p in await on_sale.list_sellable_plans(db)] == [nanode["id"]]
            assert await on_sale.get_sellable_plan(db, uuid.UUID(droplet["id"])) is None
            assert await on_sale.list_sellable_plans(db, region="id-cgk") == []

    async def test_allowed_regions_apply_at_once(
        self, client: AsyncClient, admin: dict[str, str], sim: SimulatorServer, state: AppState
    ) -> None:
        linode = await connect(client, admin, sim, "linode")
        plan = await create_plan(client, admin, linode["id"])
        await client.patch(
            f"/api/admin/providers/{linode['id']}",
            json={"configuration": {"allowed_regions": ["us-east"]}},
            headers=admin,
        )
        async with state.sessionmaker() as db:
            sellable = await on_sale.get_sellable_plan(db, uuid.UUID(plan["id"]))
            assert sellable is not None
            assert [r.id for r in sellable.regions] == ["us-east"]

    async def test_admin_plan_says_where_and_whether_it_is_on_sale(
        self, client: AsyncClient, admin: dict[str, str], sim: SimulatorServer
    ) -> None:
        linode = await connect(client, admin, sim, "linode")
        plan = await create_plan(client, admin, linode["id"])
        path = f"/api/admin/plans/{plan['id']}"
        assert (plan["on_sale"], plan["not_on_sale_reason"], plan["blocked_regions"]) == (
            True,
            None,
            [],
        )
        provider_path = f"/api/admin/providers/{linode['id']}"

        await client.patch(
            provider_path, json={"configuration": {"allowed_regions": ["us-east"]}}, headers=admin
        )
        narrowed = (await client.get(path, headers=admin)).json()["plan"]
        assert (narrowed["on_sale"], narrowed["blocked_regions"]) == (True, ["id-cgk"])

        await client.patch(
            provider_path, json={"configuration": {"allowed_regions": ["eu-west"]}}, headers=admin
        )
        listed = (await client.get("/api/admin/plans", headers=admin)).json()["plans"]
        assert [(p["on_sale"], p["not_on_sale_reason"], p["blocked_regions"]) for p in listed] == [
            (
                False,
                "None of its regions is allowed by the provider account.",
                ["id-cgk", "us-east"],
            )
        ]

        await client.patch(
            provider_path,
            json={"active": False, "configuration": {"allowed_regions": ["us-east"]}},
            headers=admin,
        )
        inactive = (await client.get(path, headers=admin)).json()["plan"]
        assert (inactive["on_sale"], inactive["not_on_sale_reason"]) == (
            False,
            "The provider account is inactive.",
        )

    async def test_regions_outside_allowed_regions_can_be_removed_from_a_plan(
        self, client: AsyncClient, admin: dict[str, str], sim: SimulatorServer
    ) -> None:
        linode = await connect(client, admin, sim, "linode")
        plan = await create_plan(client, admin, linode["id"])
        await client.patch(
            f"/api/admin/providers/{linode['id']}",
            json={"configuration": {"allowed_regions": ["eu-west"]}},
            headers=admin,
        )
        response = await client.patch(
            f"/api/admin/plans/{plan['id']}", json={"regions": ["us-east"]}, headers=admin
        )
        assert response.status_code == 200, response.text
        assert response.json()["plan"]["blocked_regions"] == ["us-east"]


@pytest.mark.parametrize(
    ("monthly", "hourly", "markup", "expected"),
    [
        ("5.00", "0.0075", "2.00", "0.0105"),
        ("5.00", "0.00744", "0", "0.00744"),
        ("5.00", "0.00744", "2.00", "0.01042"),
        ("0", "0", "7.30", "0.01"),
    ],
)
def test_hourly_price_keeps_the_provider_ratio(
    monthly: str, hourly: str, markup: str, expected: str
) -> None:
    assert (
        format_hourly(price_hourly(Decimal(monthly), Decimal(hourly), Decimal(markup))) == expected
    )


@pytest.mark.parametrize("name", ["two\nlines", "nul\u0000"])
async def test_plan_names_refuse_control_characters(
    client: AsyncClient, admin: dict[str, str], sim: SimulatorServer, name: str
) -> None:
    provider = await connect(client, admin, sim, "linode")
    body = {
        "provider_id": provider["id"],
        "provider_plan_id": "g6-nanode-1",
        "name": name,
        "markup_price": "2.00",
        "regions": ["us-east"],
    }
    created = await client.post("/api/admin/plans", json=body, headers=admin)
    assert created.status_code in (400, 422)
    plan = await create_plan(client, admin, provider["id"])
    patched = await client.patch(
        f"/api/admin/plans/{plan['id']}", json={"name": "a\nb"}, headers=admin
    )
    assert patched.status_code == 422
    assert patched.json()["fields"][0]["field"] == "name"
