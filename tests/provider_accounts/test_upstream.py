from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy import update

from tests.provider_accounts.support import connect, error_of
from vpspanel.provider_accounts import upstream
from vpspanel.provider_accounts.models import ServiceProvider, UpstreamCatalogCache
from vpspanel.provider_accounts.repository import CatalogCacheRepository
from vpspanel.providers.base import Provider
from vpspanel.simulator.testing import SimulatorServer
from vpspanel.state import AppState

KINDS = ["plans", "regions", "images"]
LINODE_PATHS = {"plans": "/linode/types", "regions": "/regions", "images": "/images"}


class TestAccess:
    @pytest.mark.parametrize("kind", KINDS)
    async def test_anonymous_401_customer_403(
        self, client: AsyncClient, customer: dict[str, str], kind: str
    ) -> None:
        path = f"/api/admin/upstream/{kind}?provider=linode"
        assert (await client.get(path)).status_code == 401
        assert (await client.get(path, headers=customer)).status_code == 403


class TestBrowse:
    async def test_linode_catalog_is_normalized_with_money_as_strings(
        self, client: AsyncClient, admin: dict[str, str], sim: SimulatorServer
    ) -> None:
        provider = await connect(client, admin, sim, "linode")
        plans = (
            await client.get("/api/admin/upstream/plans?provider=linode", headers=admin)
        ).json()
        assert plans["provider_id"] == provider["id"] and plans["stale"] is False
        nanode = next(p for p in plans["plans"] if p["id"] == "g6-nanode-1")
        assert nanode["price_monthly"] == "5.00"
        assert nanode["price_hourly"] == "0.0075"
        assert nanode["disk_gb"] == 25  # Linode MB -> GB
        assert nanode["memory_mb"] == 1024
        assert nanode["class"] == "nanode"
        assert nanode["regions"] is None
        assert nanode["region_prices"]["id-cgk"]["monthly"] == "6.00"
        regions = (
            await client.get("/api/admin/upstream/regions?provider=linode", headers=admin)
        ).json()["regions"]
        assert {"id": "us-east", "label": "Newark, NJ", "country": "US", "available": True} in [
            {k: r[k] for k in ("id", "label", "country", "available")} for r in regions
        ]
        images = (
            await client.get("/api/admin/upstream/images?provider=linode", headers=admin)
        ).json()["images"]
        debian = next(i for i in images if i["id"] == "linode/debian12")
        assert debian["distribution"] == "Debian" and debian["deprecated"] is False

    async def test_digitalocean_catalog_is_normalized(
        self, client: AsyncClient, admin: dict[str, str], sim: SimulatorServer
    ) -> None:
        provider = await connect(client, admin, sim, "digitalocean")
        plans = (
            await client.get(
                f"/api/admin/upstream/plans?provider=digitalocean&providerId={provider['id']}",
                headers=admin,
            )
        ).json()["plans"]
        small = next(p for p in plans if p["id"] == "s-1vcpu-1gb")
        assert small["price_hourly"] == "0.00744"
        assert small["price_monthly"] == "5.00"
        assert small["transfer_gb"] == 1000  # DigitalOcean TB -> GB
        assert isinstance(small["regions"], list) and small["regions"]
        images = await client.get(
            f"/api/admin/upstream/images?providerId={provider['id']}", headers=admin
        )
        assert images.status_code == 200 and images.json()["images"]


class TestWhichAccount:
    async def test_none_is_404(self, client: AsyncClient, admin: dict[str, str]) -> None:
        response = await client.get("/api/admin/upstream/plans?provider=linode", headers=admin)
        assert response.status_code == 404

    async def test_unknown_provider_id_is_404(
        self, client: AsyncClient, admin: dict[str, str]
    ) -> None:
        response = await client.get(
            f"/api/admin/upstream/plans?providerId={uuid.uuid4()}", headers=admin
        )
        assert response.status_code == 404

    async def test_default_wins_and_several_without_default_need_an_id(
        self, client: AsyncClient, admin: dict[str, str], sim: SimulatorServer
    ) -> None:
        first = await connect(client, admin, sim, "linode")
        await connect(client, admin, sim, "linode")
        ambiguous = await client.get("/api/admin/upstream/regions?provider=linode", headers=admin)
        assert ambiguous.status_code == 422
        await client.patch(
            f"/api/admin/providers/{first['id']}",
            json={"configuration": {"default": True}},
            headers=admin,
        )
        chosen = await client.get("/api/admin/upstream/regions?provider=linode", headers=admin)
        assert chosen.json()["provider_id"] == first["id"]

    async def test_inactive_accounts_are_not_chosen(
        self, client: AsyncClient, admin: dict[str, str], sim: SimulatorServer
    ) -> None:
        provider = await connect(client, admin, sim, "linode")
        await client.patch(
            f"/api/admin/providers/{provider['id']}", json={"active": False}, headers=admin
        )
        response = await client.get("/api/admin/upstream/plans?provider=linode", headers=admin)
        assert response.status_code == 404


class TestCache:
    @pytest.mark.parametrize("kind", KINDS)
    async def test_repeat_makes_no_upstream_request(
        self, client: AsyncClient, admin: dict[str, str], sim: SimulatorServer, kind: str
    ) -> None:
        await connect(client, admin, sim, "linode")
        path = LINODE_PATHS[kind]
        before = sim.request_count("linode", "GET", path)
        first = await client.get(f"/api/admin/upstream/{kind}?provider=linode", headers=admin)
        after_first = sim.request_count("linode", "GET", path)
        second = await client.get(f"/api/admin/upstream/{kind}?provider=linode", headers=admin)
        assert first.status_code == second.status_code == 200
        assert first.json()[kind] == second.json()[kind]
        # Regions were fetched (and cached) while connecting only when allowed_regions was set.
        assert after_first - before == 1
        assert sim.request_count("linode", "GET", path) == after_first

    async def test_hundred_concurrent_requests_make_one_upstream_call(
        self, client: AsyncClient, admin: dict[str, str], sim: SimulatorServer, state: AppState
    ) -> None:
        await connect(client, admin, sim, "digitalocean")
        before = sim.request_count("digitalocean", "GET", "/sizes")  # verify() probes /sizes
        sim.configure(latency_ms=100)  # keep the first fetch in flight while the rest arrive
        try:
            responses = await asyncio.gather(
                *[
                    client.get("/api/admin/upstream/plans?provider=digitalocean", headers=admin)
                    for _ in range(100)
                ]
            )
        finally:
            sim.configure(latency_ms=0)
        assert [r.text for r in responses if r.status_code != 200] == []
        assert sim.request_count("digitalocean", "GET", "/sizes") == before + 1

    async def test_stale_copy_is_served_when_the_provider_is_down(
        self,
        client: AsyncClient,
        admin: dict[str, str],
        sim: SimulatorServer,
        state: AppState,
    ) -> None:
        provider = await connect(client, admin, sim, "linode")
        fresh = await client.get("/api/admin/upstream/plans?provider=linode", headers=admin)
        await expire_cache(state, provider["id"])
        sim.inject_fault("linode", "server_error", path="^/linode/types", status=503, times=20)
        stale = await client.get("/api/admin/upstream/plans?provider=linode", headers=admin)
        assert stale.status_code == 200
        assert stale.json()["stale"] is True
        assert stale.json()["fetched_at"] == fresh.json()["fetched_at"]
        assert stale.json()["plans"] == fresh.json()["plans"]
        # Backing off: the next request does not knock on the provider again.
        calls = sim.request_count("linode", "GET", "/linode/types")
        again = await client.get("/api/admin/upstream/plans?provider=linode", headers=admin)
        assert again.json()["stale"] is True
        assert sim.request_count("linode", "GET", "/linode/types") == calls

    async def test_provider_down_and_nothing_cached_is_503(
        self, client: AsyncClient, admin: dict[str, str], sim: SimulatorServer
    ) -> None:
        await connect(client, admin, sim, "linode")
        sim.inject_fault("linode", "server_error", path="^/images", status=503, times=20)
        response = await client.get("/api/admin/upstream/images?provider=linode", headers=admin)
        assert response.status_code == 503
        assert error_of(response) == "provider_unavailable"
        sim.clear_faults()
        retry = await client.get("/api/admin/upstream/images?provider=linode", headers=admin)
        assert retry.status_code == 200 and retry.json()["stale"] is False

    async def test_another_process_refreshing_means_serve_stale_without_calling(
        self,
        client: AsyncClient,
        admin: dict[str, str],
        sim: SimulatorServer,
        state: AppState,
    ) -> None:
        provider = await connect(client, admin, sim, "linode")
        await client.get("/api/admin/upstream/regions?provider=linode", headers=admin)
        await expire_cache(state, provider["id"], refreshing_for=timedelta(minutes=1))
        calls = sim.request_count("linode", "GET", "/regions")
        response = await client.get("/api/admin/upstream/regions?provider=linode", headers=admin)
        assert response.json()["stale"] is True
        assert sim.request_count("linode", "GET", "/regions") == calls

    async def test_expired_entry_is_refetched(
        self,
        client: AsyncClient,
        admin: dict[str, str],
        sim: SimulatorServer,
        state: AppState,
    ) -> None:
        provider = await connect(client, admin, sim, "linode")
        await client.get("/api/admin/upstream/regions?provider=linode", headers=admin)
        await expire_cache(state, provider["id"])
        calls = sim.request_count("linode", "GET", "/regions")
        response = await client.get("/api/admin/upstream/regions?provider=linode", headers=admin)
        assert response.json()["stale"] is False
        assert sim.request_count("linode", "GET", "/regions") == calls + 1

    async def test_key_rotation_invalidates(
        self, client: AsyncClient, admin: dict[str, str], sim: SimulatorServer
    ) -> None:
        token = "tok-" + uuid.uuid4().hex
        provider = await connect(client, admin, sim, "linode", token=token)
        await client.get("/api/admin/upstream/plans?provider=linode", headers=admin)
        calls = sim.request_count("linode", "GET", "/linode/types")
        rotated = await client.post(
            f"/api/admin/providers/{provider['id']}/api-key",
            json={"api_key": token + "~2"},
            headers=admin,
        )
        assert rotated.status_code == 200
        await client.get("/api/admin/upstream/plans?provider=linode", headers=admin)
        assert sim.request_count("linode", "GET", "/linode/types") == calls + 1

    async def test_an_account_backing_off_is_served_stale_without_asking(
        self,
        client: AsyncClient,
        admin: dict[str, str],
        sim: SimulatorServer,
        state: AppState,
    ) -> None:
        provider = await connect(client, admin, sim, "linode")
        fresh = await client.get("/api/admin/upstream/plans?provider=linode", headers=admin)
        await expire_cache(state, provider["id"])
        await set_account_status(
            state, provider["id"], ok=False, failures=3, retry_in=timedelta(minutes=2)
        )
        calls = sim.request_count("linode", "GET", "/linode/types")
        stale = await client.get("/api/admin/upstream/plans?provider=linode", headers=admin)
        assert stale.status_code == 200
        assert stale.json()["stale"] is True
        assert stale.json()["fetched_at"] == fresh.json()["fetched_at"]
        assert sim.request_count("linode", "GET", "/linode/types") == calls

    async def test_a_refresh_records_the_account_failing_and_answering_again(
        self,
        client: AsyncClient,
        admin: dict[str, str],
        sim: SimulatorServer,
        state: AppState,
    ) -> None:
        provider = await connect(client, admin, sim, "linode")
        await client.get("/api/admin/upstream/regions?provider=linode", headers=admin)
        await expire_cache(state, provider["id"])
        sim.inject_fault("linode", "server_error", path="^/regions", status=503, times=20)
        stale = await client.get("/api/admin/upstream/regions?provider=linode", headers=admin)
        assert stale.json()["stale"] is True
        account = await read_account(state, provider["id"])
        assert account.status_ok is False and account.status_failures == 1
        assert "503" in (account.status_error or "")
        assert account.status_next_attempt_at is not None

        sim.clear_faults()
        await expire_cache(state, provider["id"])
        await set_account_status(state, provider["id"], ok=False, failures=1, retry_in=None)
        fresh = await client.get("/api/admin/upstream/regions?provider=linode", headers=admin)
        assert fresh.json()["stale"] is False
        account = await read_account(state, provider["id"])
        assert account.status_ok is True and account.status_failures == 0
        assert account.status_error is None and account.status_next_attempt_at is None


async def set_account_status(
    state: AppState, provider_id: str, *, ok: bool, failures: int, retry_in: timedelta | None
) -> None:
    """Put the account in a failure streak whose backoff ends `retry_in` from now (None: over)."""
    now = state.clock()
    async with state.sessionmaker() as db, db.begin():
        await db.execute(
            update(ServiceProvider)
            .where(ServiceProvider.id == uuid.UUID(provider_id))
            .values(
                status_ok=ok,
                status_error="The provider answered 503.",
                status_since=now,
                status_failures=failures,
                status_next_attempt_at=now + retry_in if retry_in else now - timedelta(seconds=1),
            )
        )


async def read_account(state: AppState, provider_id: str) -> ServiceProvider:
    async with state.read_sessionmaker() as db:
        account = await db.get(ServiceProvider, uuid.UUID(provider_id))
        assert account is not None
        return account


async def expire_cache(
    state: AppState, provider_id: str, *, refreshing_for: timedelta | None = None
) -> None:
    now = state.clock()
    async with state.sessionmaker() as db, db.begin():
        await db.execute(
            update(UpstreamCatalogCache)
            .where(UpstreamCatalogCache.provider_id == uuid.UUID(provider_id))
            .values(
                expires_at=now - timedelta(seconds=1),
                refreshing_until=now + refreshing_for if refreshing_for else None,
            )
        )


class TestOwnTransactions:
    """The cache is filled in short transactions of its own, never in the request's."""

    async def test_cache_filled_by_a_request_that_fails_later_stays_filled(
        self, client: AsyncClient, admin: dict[str, str], sim: SimulatorServer
    ) -> None:
        provider = await connect(client, admin, sim, "linode")
        body = {
            "provider_id": provider["id"],
            "provider_plan_id": "g6-nanode-1",
            "name": "Standard 1GB",
            "markup_price": "2.00",
            "regions": ["nowhere-1"],
        }
        before = {path: sim.request_count("linode", "GET", path) for path in LINODE_PATHS.values()}
        for _ in range(3):
            refused = await client.post("/api/admin/plans", json=body, headers=admin)
            assert refused.status_code == 422  # after the plans and regions were fetched
        after = {path: sim.request_count("linode", "GET", path) for path in LINODE_PATHS.values()}
        assert after["/linode/types"] == before["/linode/types"] + 1
        assert after["/regions"] == before["/regions"] + 1

    async def test_other_writers_proceed_while_the_provider_is_slow(
        self,
        client: AsyncClient,
        admin: dict[str, str],
        sim: SimulatorServer,
        state: AppState,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        provider = await connect(client, admin, sim, "linode")
        fetching = asyncio.Event()
        release = asyncio.Event()
        real_fetch = upstream._FETCHERS["images"]

        async def slow_fetch(driver: Provider) -> list[Any]:
            fetching.set()
            await release.wait()
            return await real_fetch(driver)

        monkeypatch.setitem(upstream._FETCHERS, "images", slow_fetch)
        request = asyncio.create_task(
            client.get("/api/admin/upstream/images?provider=linode", headers=admin)
        )
        try:
            await asyncio.wait_for(fetching.wait(), timeout=10)
            # On SQLite a write transaction open during the fetch would make this wait 30 s.
            await asyncio.wait_for(rename_account(state, provider["id"]), timeout=5)
        finally:
            release.set()
        response = await request
        assert response.status_code == 200
        assert response.json()["images"]

    async def test_another_process_fetching_a_first_fill_is_waited_for(
        self,
        client: AsyncClient,
        admin: dict[str, str],
        sim: SimulatorServer,
        state: AppState,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        provider = await connect(client, admin, sim, "linode")
        account_id = uuid.UUID(provider["id"])
        # "Another process" claimed the first fill and is fetching right now.
        async with state.sessionmaker() as db, db.begin():
            claimed = await CatalogCacheRepository(db).claim_new(
                account_id, "plans", state.clock() + timedelta(minutes=1)
            )
            assert claimed
        monkeypatch.setattr(upstream, "FIRST_FILL_POLL_SECONDS", 0.01)
        request = asyncio.create_task(
            client.get("/api/admin/upstream/plans?provider=linode", headers=admin)
        )
        await asyncio.sleep(0.05)
        assert not request.done()
        now = state.clock()
        async with state.sessionmaker() as db, db.begin():
            await CatalogCacheRepository(db).store(
                account_id, "plans", [], now, now + timedelta(hours=1)
            )
        calls = sim.request_count("linode", "GET", "/linode/types")
        response = await asyncio.wait_for(request, timeout=10)
        assert response.status_code == 200
        assert response.json()["plans"] == [] and response.json()["stale"] is False
        assert sim.request_count("linode", "GET", "/linode/types") == calls


async def rename_account(state: AppState, provider_id: str) -> None:
    async with state.sessionmaker() as db, db.begin():
        await db.execute(
            update(ServiceProvider)
            .where(ServiceProvider.id == uuid.UUID(provider_id))
            .values(name="renamed while fetching")
        )
