"""The customer catalog: active plans of active accounts, region prices, white-label."""

from __future__ import annotations

from httpx import AsyncClient

from tests.factories import signed_in_headers
from tests.instances.support import create_account, create_offer, create_plan
from vpspanel.simulator.testing import SimulatorServer
from vpspanel.state import AppState


class TestCatalog:
    async def test_only_active_plans_of_active_accounts_with_region_prices(
        self, fast_state: AppState, client: AsyncClient, sim: SimulatorServer
    ) -> None:
        account, _ = await create_account(fast_state, sim, "linode")
        specs = {"vcpus": 1, "memory": 1024, "disk": 25, "transfer": 1000}
        sold = await create_plan(
            fast_state,
            account,
            provider_plan_id="g6-nanode-1",
            specs=specs,
            regions=[("us-east", "Newark, NJ", "us"), ("br-gru", "Sao Paulo, BR", "br")],
            region_prices={"br-gru": ("7.00", "0.0105")},
        )
        await create_plan(
            fast_state,
            account,
            provider_plan_id="g6-standard-1",
            specs=specs,
            regions=[("us-west", "Fremont, CA", "us")],
            active=False,
        )
        closed, _ = await create_account(fast_state, sim, "digitalocean", active=False)
        await create_plan(
            fast_state,
            closed,
            provider_plan_id="s-1vcpu-1gb",
            specs=specs,
            regions=[("nyc3", "New York 3", "us")],
        )
        headers, _, _ = await signed_in_headers(fast_state, client)

        regions = (await client.get("/api/vps/regions", headers=headers)).json()["regions"]
        assert sorted(region["id"] for region in regions) == ["newark-nj", "sao-paulo-br"]
        assert {"id": "newark-nj", "label": "Newark, NJ", "country": "us"} in regions

        plans = (await client.get("/api/vps/plans", headers=headers)).json()["plans"]
        assert [plan["id"] for plan in plans] == [str(sold.id)]
        assert plans[0]["price_monthly"] == "7.00"  # 5.00 + 2.00 markup
        assert plans[0]["price_hourly"] == "0.01050"  # the provider's hourly/monthly ratio
        assert plans[0]["memory_mb"] == 1024 and plans[0]["disk_gb"] == 25
        assert plans[0]["regions"] == ["newark-nj", "sao-paulo-br"]

        in_brazil = (await client.get("/api/vps/plans?region=sao-paulo-br", headers=headers)).json()
        assert in_brazil["plans"][0]["price_monthly"] == "9.00"  # 7.00 there + 2.00
        nowhere = (await client.get("/api/vps/plans?region=fremont-ca", headers=headers)).json()
        assert nowhere["plans"] == []
        # The provider's own region id names no region of the catalog.
        upstream = (await client.get("/api/vps/plans?region=br-gru", headers=headers)).json()
        assert upstream["plans"] == []

    async def test_regions_of_two_accounts_with_one_label_are_one_region_offering_both(
        self, fast_state: AppState, client: AsyncClient, sim: SimulatorServer
    ) -> None:
        specs = {"vcpus": 1, "memory": 1024, "disk": 25, "transfer": 1000}
        linode, _ = await create_account(fast_state, sim, "linode")
        digitalocean, _ = await create_account(fast_state, sim, "digitalocean")
        nanode = await create_plan(
            fast_state,
            linode,
            provider_plan_id="g6-nanode-1",
            specs=specs,
            regions=[("us-east", "Newark, NJ", "us")],
            base="5.00",
        )
        droplet = await create_plan(
            fast_state,
            digitalocean,
            provider_plan_id="s-1vcpu-1gb",
            specs=specs,
            regions=[("nyc1", "Newark, NJ", "us")],
            base="6.00",
        )
        headers, _, _ = await signed_in_headers(fast_state, client)

        regions = (await client.get("/api/vps/regions", headers=headers)).json()["regions"]
        assert regions == [{"id": "newark-nj", "label": "Newark, NJ", "country": "us"}]
        there = (await client.get("/api/vps/plans?region=newark-nj", headers=headers)).json()
        assert [plan["id"] for plan in there["plans"]] == [str(nanode.id), str(droplet.id)]
        assert all(plan["regions"] == ["newark-nj"] for plan in there["plans"])

    async def test_images_are_the_accounts_current_images_under_neutral_ids(
        self, fast_state: AppState, client: AsyncClient, sim: SimulatorServer
    ) -> None:
        offer = await create_offer(fast_state, sim, "linode")
        headers, _, _ = await signed_in_headers(fast_state, client)
        images = (
            await client.get(f"/api/vps/images?plan={offer.small.id}", headers=headers)
        ).json()["images"]
        ids = [image["id"] for image in images]
        assert "ubuntu-22.04" in ids
        assert "ubuntu-18.04" not in ids  # deprecated upstream
        assert len(ids) == len(set(ids))
        assert all("linode" not in image_id for image_id in ids)
        missing = await client.get(
            "/api/vps/images?plan=00000000-0000-0000-0000-000000000000", headers=headers
        )
        assert missing.status_code == 404

    async def test_no_customer_response_names_or_hints_at_the_provider(
        self, fast_state: AppState, client: AsyncClient, sim: SimulatorServer
    ) -> None:
        linode = await create_offer(fast_state, sim, "linode")
        digitalocean = await create_offer(fast_state, sim, "digitalocean")
        headers, _, _ = await signed_in_headers(fast_state, client)
        texts = [
            (await client.get("/api/vps/regions", headers=headers)).text,
            (await client.get("/api/vps/plans", headers=headers)).text,
            (await client.get("/api/vps/plans?region=newark-nj", headers=headers)).text,
            (await client.get("/api/vps/plans?region=new-york-3", headers=headers)).text,
        ]
        for offer in (linode, digitalocean):
            texts.append(
                (await client.get(f"/api/vps/images?plan={offer.small.id}", headers=headers)).text
            )
        everything = "\n".join(texts).lower()
        assert '"newark-nj"' in everything and '"new-york-3"' in everything
        forbidden = [
            "linode",
            "digitalocean",
            "primary account",
            "provider",
            "markup",
            "base_price",
            "g6-nanode-1",
            "s-1vcpu-1gb",
            # The provider's own region ids: `us-east` is Linode's, `nyc3` DigitalOcean's.
            linode.setup.region,
            digitalocean.setup.region,
            str(linode.account.id),
            str(digitalocean.account.id),
        ]
        for word in forbidden:
            assert word not in everything, word

    async def test_signed_out_is_401(self, client: AsyncClient) -> None:
        assert (await client.get("/api/vps/plans")).status_code == 401
