"""Reading servers, the 409s of the transition table, resize rules, metrics, the admin list."""

from __future__ import annotations

import pytest
from httpx import AsyncClient

from tests.factories import running_instance, signed_in_headers
from tests.instances.support import (
    create_account,
    create_offer,
    create_plan,
    operations_of,
    wait_for_status,
)
from vpspanel.auth.models import UserRole
from vpspanel.instances import service as instances_service
from vpspanel.simulator.testing import SimulatorServer
from vpspanel.state import AppState
from vpspanel.worker.runner import Worker


class TestReading:
    async def test_the_list_is_paginated_and_asks_no_provider(
        self, fast_state: AppState, client: AsyncClient, sim: SimulatorServer, worker: Worker
    ) -> None:
        offer = await create_offer(fast_state, sim, "linode")
        headers, _, _ = await signed_in_headers(fast_state, client)
        ids = [
            (await running_instance(client, headers, offer, worker, label=f"web-{n}"))["id"]
            for n in range(3)
        ]
        before = sim.request_count()
        first = (await client.get("/api/vps?page=1&per_page=2", headers=headers)).json()
        second = (await client.get("/api/vps?page=2&per_page=2", headers=headers)).json()
        assert sim.request_count() == before
        assert first["total"] == second["total"] == 3
        assert (first["page"], first["per_page"]) == (1, 2)
        listed = [item["id"] for item in first["instances"] + second["instances"]]
        assert sorted(listed) == sorted(ids)
        assert (await client.get("/api/vps?per_page=0", headers=headers)).status_code == 422


class TestActions:
    async def test_an_action_the_table_does_not_allow_is_409(
        self, fast_state: AppState, client: AsyncClient, sim: SimulatorServer, worker: Worker
    ) -> None:
        offer = await create_offer(fast_state, sim, "linode")
        headers, _, _ = await signed_in_headers(fast_state, client)
        instance = await running_instance(client, headers, offer, worker)
        booted = await client.post(f"/api/vps/{instance['id']}/boot", headers=headers)
        assert booted.status_code == 409
        assert booted.json()["error"] == "invalid_state"
        assert (
            await client.post(f"/api/vps/{instance['id']}/reboot", headers=headers)
        ).status_code == 202
        again = await client.post(f"/api/vps/{instance['id']}/shutdown", headers=headers)
        assert again.status_code == 409  # still rebooting

    async def test_resize_only_to_a_larger_plan_of_the_same_account_in_the_region(
        self, fast_state: AppState, client: AsyncClient, sim: SimulatorServer, worker: Worker
    ) -> None:
        offer = await create_offer(fast_state, sim, "linode")
        headers, _, _ = await signed_in_headers(fast_state, client)
        instance = await running_instance(client, headers, offer, worker, type=str(offer.large.id))
        other_account, _ = await create_account(fast_state, sim, "linode")
        foreign = await create_plan(
            fast_state,
            other_account,
            provider_plan_id="g6-standard-2",
            specs={"vcpus": 2, "memory": 4096, "disk": 80},
            regions=[(offer.setup.region, offer.setup.region_label, "us")],
        )
        elsewhere = await create_plan(
            fast_state,
            offer.account,
            provider_plan_id="g6-standard-4",
            specs={"vcpus": 4, "memory": 8192, "disk": 160},
            regions=[("eu-west", "London, UK", "gb")],
        )
        for plan in (offer.small.id, offer.large.id, foreign.id, elsewhere.id):
            response = await client.post(
                f"/api/vps/{instance['id']}/resize", json={"type": str(plan)}, headers=headers
            )
            assert response.status_code == 422, plan
            assert response.json()["fields"][0]["field"] in ("type", "region")
        after = (await client.get(f"/api/vps/{instance['id']}", headers=headers)).json()
        assert after["instance"]["status"] == "running"

    async def test_rebuild_checks_the_password_before_anything(
        self, fast_state: AppState, client: AsyncClient, sim: SimulatorServer, worker: Worker
    ) -> None:
        offer = await create_offer(fast_state, sim, "digitalocean")
        headers, _, _ = await signed_in_headers(fast_state, client)
        instance = await running_instance(client, headers, offer, worker)
        response = await client.post(
            f"/api/vps/{instance['id']}/rebuild",
            json={"image": instance["image"], "root_pass": "weakpass"},
            headers=headers,
        )
        assert response.status_code == 422
        assert response.json()["fields"][0]["field"] == "root_pass"

    @pytest.mark.parametrize(
        "root_pass",
        ["Strong-Pass-42\n", "Strong\rPass-42", "Strong\tPass-42", "Strong\u200bPass-42"],
    )
    async def test_rebuild_refuses_control_characters_in_the_password(
        self,
        root_pass: str,
        fast_state: AppState,
        client: AsyncClient,
        sim: SimulatorServer,
        worker: Worker,
    ) -> None:
        offer = await create_offer(fast_state, sim, "linode")
        headers, _, _ = await signed_in_headers(fast_state, client)
        instance = await running_instance(client, headers, offer, worker)
        response = await client.post(
            f"/api/vps/{instance['id']}/rebuild",
            json={"image": instance["image"], "root_pass": root_pass},
            headers=headers,
        )
        assert response.status_code == 422, response.text
        assert response.json()["fields"][0]["field"] == "root_pass"
        assert len(await operations_of(fast_state, instance["id"])) == 1


class TestMetrics:
    async def test_metrics_are_normalized_and_cached(
        self, fast_state: AppState, client: AsyncClient, sim: SimulatorServer, worker: Worker
    ) -> None:
        offer = await create_offer(fast_state, sim, "digitalocean")
        headers, _, _ = await signed_in_headers(fast_state, client)
        instance = await running_instance(client, headers, offer, worker)
        url = f"/api/vps/{instance['id']}/metrics?period=24h"
        first = await client.get(url, headers=headers)
        assert first.status_code == 200, first.text
        metrics = first.json()["metrics"]
        assert set(metrics) == {
            "start",
            "end",
            "resolution_seconds",
            "cpu",
            "network_in",
            "network_out",
        }
        assert all(len(point) == 2 for point in metrics["cpu"])
        before = sim.request_count("digitalocean")
        assert (await client.get(url, headers=headers)).json() == first.json()
        assert sim.request_count("digitalocean") == before
        bad = await client.get(f"/api/vps/{instance['id']}/metrics?period=forever", headers=headers)
        assert bad.status_code == 422

    @pytest.mark.parametrize(
        "period",
        ["²h", "1²h", "\u0661h", "0h", "31d", "721h", "1000h", "h", "24", "24 h", "-1h", "24H"],
    )
    async def test_a_bad_period_is_422_naming_it(
        self,
        period: str,
        fast_state: AppState,
        client: AsyncClient,
        sim: SimulatorServer,
        worker: Worker,
    ) -> None:
        offer = await create_offer(fast_state, sim, "digitalocean")
        headers, _, _ = await signed_in_headers(fast_state, client)
        instance = await running_instance(client, headers, offer, worker)
        response = await client.get(
            f"/api/vps/{instance['id']}/metrics", params={"period": period}, headers=headers
        )
        assert response.status_code == 422, response.text
        assert [field["field"] for field in response.json()["fields"]] == ["period"]

    async def test_the_metrics_cache_is_bounded(
        self,
        fast_state: AppState,
        client: AsyncClient,
        sim: SimulatorServer,
        worker: Worker,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        monkeypatch.setattr(instances_service, "MAX_METRICS_CACHE_ENTRIES", 3)
        offer = await create_offer(fast_state, sim, "digitalocean")
        headers, _, _ = await signed_in_headers(fast_state, client)
        instance = await running_instance(client, headers, offer, worker)
        for period in ("1h", "2h", "3h", "4h", "5h"):
            response = await client.get(
                f"/api/vps/{instance['id']}/metrics?period={period}", headers=headers
            )
            assert response.status_code == 200, response.text
        assert [hours for _, hours in instances_service._metrics_cache] == [3, 4, 5]


class TestAdminList:
    async def test_admins_see_every_server_with_its_provider_and_can_filter(
        self, fast_state: AppState, client: AsyncClient, sim: SimulatorServer, worker: Worker
    ) -> None:
        linode = await create_offer(fast_state, sim, "linode")
        digitalocean = await create_offer(fast_state, sim, "digitalocean")
        customer, _, organization = await signed_in_headers(fast_state, client)
        first = await running_instance(client, customer, linode, worker)
        second = await running_instance(client, customer, digitalocean, worker)
        await client.post(f"/api/vps/{second['id']}/shutdown", headers=customer)
        await wait_for_status(client, customer, second["id"], "stopped", worker)
        admin, _, _ = await signed_in_headers(fast_state, client, role=UserRole.ADMIN)

        everything = (await client.get("/api/admin/instances", headers=admin)).json()["instances"]
        by_id = {item["id"]: item for item in everything}
        assert by_id[first["id"]]["provider_type"] == "linode"
        assert by_id[first["id"]]["provider_id"] == str(linode.account.id)
        assert by_id[first["id"]]["provider_instance_id"]
        assert by_id[first["id"]]["organization"]["id"] == str(organization.id)
        assert by_id[first["id"]]["user"]["email"].endswith("@example.com")

        stopped = await client.get("/api/admin/instances?status=stopped", headers=admin)
        assert [item["id"] for item in stopped.json()["instances"]] == [second["id"]]
        of_account = await client.get(
            f"/api/admin/instances?provider_id={linode.account.id}", headers=admin
        )
        assert [item["id"] for item in of_account.json()["instances"]] == [first["id"]]
        of_org = await client.get(
            f"/api/admin/instances?organization_id={organization.id}", headers=admin
        )
        assert len(of_org.json()["instances"]) == 2
        assert (await client.get("/api/admin/instances", headers=customer)).status_code == 403
