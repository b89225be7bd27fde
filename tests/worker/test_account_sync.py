"""Servers kept true to their cloud: change feeds, full sweeps, deletions, stuck states and the
per-account lease (worker/account_sync.py, worker/feeds.py, worker/reconcile.py)."""

from __future__ import annotations

import asyncio
import copy
import math
import time
import uuid
from datetime import timedelta
from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy import insert, select, update

from tests.db_counts import counting
from tests.factories import create_committed_user, running_instance, signed_in_headers
from tests.instances.support import (
    ROOT_PASS,
    Offer,
    create_offer,
    provider_for,
    run_until_idle,
)
from vpspanel.auth.models import UserRole
from vpspanel.db.types import utcnow
from vpspanel.instances.models import InstanceEvent, VpsInstance
from vpspanel.operations.models import Operation
from vpspanel.providers.digitalocean import client as do_client
from vpspanel.providers.digitalocean.client import PER_PAGE
from vpspanel.providers.errors import ProviderUnavailable
from vpspanel.providers.linode.client import PAGE_SIZE
from vpspanel.providers.types import CreateInstanceSpec
from vpspanel.simulator.testing import SimulatorServer
from vpspanel.state import AppState
from vpspanel.worker import account_sync as account_sync_module
from vpspanel.worker.account_sync import AccountSync
from vpspanel.worker.config import WorkerConfig
from vpspanel.worker.models import ProviderAccountSync
from vpspanel.worker.reconcile import (
    DELETED_AT_PROVIDER,
    NEVER_CREATED,
    AccountLeaseLost,
    ReconcileReport,
    reconcile,
    sweep_account,
)
from vpspanel.worker.runner import Worker
from vpspanel.worker.sync_repository import AccountSyncRepository

PROVIDERS = ["linode", "digitalocean"]
OFF = {"linode": "offline", "digitalocean": "off"}
ON = {"linode": "running", "digitalocean": "active"}
TRANSITIONAL = {"linode": "rebooting", "digitalocean": "new"}
LIST_PATH = {"linode": "/linode/instances", "digitalocean": "/droplets"}
PAGE = {"linode": PAGE_SIZE, "digitalocean": PER_PAGE}
WRITES = ("INSERT", "UPDATE", "DELETE")


def _sync(state: AppState, owner: str = "test-worker", **overrides: Any) -> AccountSync:
    config = WorkerConfig.instant(
        feed_interval_s=15.0, reconcile_interval_s=300.0, account_lease_s=60.0, **overrides
    )
    return AccountSync(state, config, owner)


async def _events(client: AsyncClient, headers: dict[str, str], instance_id: str) -> list[Any]:
    response = await client.get(f"/api/vps/{instance_id}/events", headers=headers)
    assert response.status_code == 200, response.text
    events: list[Any] = response.json()["events"]
    return events


async def _instance(client: AsyncClient, headers: dict[str, str], instance_id: str) -> Any:
    response = await client.get(f"/api/vps/{instance_id}", headers=headers)
    assert response.status_code == 200, response.text
    return response.json()["instance"]


def _writes(statements: list[str]) -> list[str]:
    return [s for s in statements if s.lstrip().upper().startswith(WRITES)]


def _provider_writes(sim: SimulatorServer, provider_type: str) -> int:
    return sum(
        sim.request_count(provider_type, method=method) for method in ("POST", "PUT", "DELETE")
    )


async def _deployed(
    state: AppState, client: AsyncClient, sim: SimulatorServer, worker: Worker, provider: str
) -> tuple[Offer, dict[str, str], dict[str, Any], dict[str, Any]]:
    """A running server deployed through our API, and the account's first pass made (the feed
    started, the account swept): what the tests below change behind the panel's back."""
    offer = await create_offer(state, sim, provider)
    headers, _, _ = await signed_in_headers(state, client)
    instance = await running_instance(client, headers, offer, worker)
    (server,) = sim.instances(provider, token=offer.token)
    return offer, headers, instance, server


class TestChangeFeed:
    @pytest.mark.parametrize("provider_type", PROVIDERS)
    async def test_a_shutdown_in_the_console_is_seen_at_the_next_poll_with_an_observed_event(
        self,
        provider_type: str,
        fast_state: AppState,
        client: AsyncClient,
        sim: SimulatorServer,
        worker: Worker,
    ) -> None:
        offer, headers, instance, server = await _deployed(
            fast_state, client, sim, worker, provider_type
        )
        sync = _sync(fast_state)
        first = await sync.run_pass(offer.account)
        assert first.sweeps == 1 and first.gaps == 1  # the feed starts with a sweep
        sim.clear_requests()
        quiet = await sync.run_pass(offer.account)
        assert sim.request_count(provider_type) == 1  # nothing happened: one request
        assert quiet.sweeps == 0 and quiet.updated == 0

        sim.change_instance(provider_type, server["id"], status=OFF[provider_type])
        report = await sync.run_pass(offer.account)

        assert report.updated == 1 and report.sweeps == 0
        after = await _instance(client, headers, instance["id"])
        assert after["status"] == "stopped" and after["allowed_actions"][0] == "boot"
        observed = (await _events(client, headers, instance["id"]))[-1]
        assert observed["type"] == "observed"
        assert "status running → stopped" in observed["message"]
        assert provider_type not in observed["message"].lower()
        assert "linode" not in observed["message"].lower()
        admin, _, _ = await signed_in_headers(fast_state, client, role=UserRole.ADMIN)
        seen_by_admin = await client.get(
            f"/api/admin/instances/{instance['id']}/events", headers=admin
        )
        assert seen_by_admin.status_code == 200
        assert seen_by_admin.json()["events"][-1] == observed
        customer_asks = await client.get(
            f"/api/admin/instances/{instance['id']}/events", headers=headers
        )
        assert customer_asks.status_code == 403
        missing = await client.get(f"/api/admin/instances/{uuid.uuid4()}/events", headers=admin)
        assert missing.status_code == 404

    @pytest.mark.parametrize("provider_type", PROVIDERS)
    async def test_boot_resize_and_rename_in_the_console_are_each_seen_at_the_next_poll(
        self,
        provider_type: str,
        fast_state: AppState,
        client: AsyncClient,
        sim: SimulatorServer,
        worker: Worker,
    ) -> None:
        offer, headers, instance, server = await _deployed(
            fast_state, client, sim, worker, provider_type
        )
        sync = _sync(fast_state)
        await sync.run_pass(offer.account)

        sim.change_instance(provider_type, server["id"], status=OFF[provider_type])
        await sync.run_pass(offer.account)
        sim.change_instance(provider_type, server["id"], status=ON[provider_type])
        await sync.run_pass(offer.account)
        assert (await _instance(client, headers, instance["id"]))["status"] == "running"

        sim.change_instance(provider_type, server["id"], plan=offer.setup.large)
        await sync.run_pass(offer.account)
        resized = await _instance(client, headers, instance["id"])
        assert resized["plan"] == {"id": str(offer.large.id), "name": "Standard 2GB"}

        sim.change_instance(provider_type, server["id"], label="renamed-at-console")
        await sync.run_pass(offer.account)
        assert (await _instance(client, headers, instance["id"]))["label"] == "renamed-at-console"

        messages = [
            event["message"]
            for event in await _events(client, headers, instance["id"])
            if event["type"] == "observed"
        ]
        assert len(messages) == 4, messages
        assert "status stopped → running" in messages[1]
        assert "plan Standard 1GB → Standard 2GB" in messages[2]
        assert "→ renamed-at-console" in messages[3]
        # Nothing more to see: the next poll changes nothing.
        assert (await sync.run_pass(offer.account)).updated == 0

    @pytest.mark.parametrize("provider_type", PROVIDERS)
    async def test_an_address_change_in_the_console_is_seen_at_the_next_poll(
        self,
        provider_type: str,
        fast_state: AppState,
        client: AsyncClient,
        sim: SimulatorServer,
        worker: Worker,
    ) -> None:
        offer, headers, instance, server = await _deployed(
            fast_state, client, sim, worker, provider_type
        )
        sync = _sync(fast_state)
        await sync.run_pass(offer.account)
        assert (await sync.run_pass(offer.account)).sweeps == 0  # the sweep is not due

        sim.change_instance(provider_type, server["id"], ipv4="203.0.113.77")
        report = await sync.run_pass(offer.account)

        # Linode's event names the server (one re-read); DigitalOcean's reserved-IP action
        # names only the address, so the account is swept at once.
        assert report.updated == 1
        assert (report.lookups, report.sweeps) == ((1, 0) if provider_type == "linode" else (0, 1))

        assert (await _instance(client, headers, instance["id"]))["ip_address"] == "203.0.113.77"
        observed = (await _events(client, headers, instance["id"]))[-1]
        assert "IPv4 address" in observed["message"] and "→ 203.0.113.77" in observed["message"]

    @pytest.mark.parametrize("provider_type", PROVIDERS)
    async def test_a_shutdown_through_the_providers_own_api_is_seen_at_the_next_poll(
        self,
        provider_type: str,
        fast_state: AppState,
        client: AsyncClient,
        sim: SimulatorServer,
        worker: Worker,
    ) -> None:
        offer, headers, instance, server = await _deployed(
            fast_state, client, sim, worker, provider_type
        )
        sync = _sync(fast_state)
        await sync.run_pass(offer.account)

        # Someone else with the account's key, not through the panel.
        await provider_for(fast_state, offer.account).shutdown(str(server["id"]))
        for _ in range(3):  # the provider reports the action again when it has ended
            await sync.run_pass(offer.account)
            if (await _instance(client, headers, instance["id"]))["status"] == "stopped":
                break

        assert (await _instance(client, headers, instance["id"]))["status"] == "stopped"
        assert (await _events(client, headers, instance["id"]))[-1]["type"] == "observed"

    @pytest.mark.parametrize("provider_type", PROVIDERS)
    async def test_a_server_deleted_in_the_console_becomes_deleted_and_offers_no_action(
        self,
        provider_type: str,
        fast_state: AppState,
        client: AsyncClient,
        sim: SimulatorServer,
        worker: Worker,
    ) -> None:
        offer, headers, instance, server = await _deployed(
            fast_state, client, sim, worker, provider_type
        )
        sync = _sync(fast_state)
        await sync.run_pass(offer.account)

        sim.delete_instance(provider_type, server["id"])
        report = await sync.run_pass(offer.account)

        # The re-read's 404 asks for a sweep; the complete listing and a second look confirm.
        assert report.deleted == 1 and report.sweeps == 1 and report.lookups == 2
        after = await _instance(client, headers, instance["id"])
        assert after["status"] == "deleted" and after["allowed_actions"] == []
        assert (await _events(client, headers, instance["id"]))[-1]["message"] == (
            DELETED_AT_PROVIDER
        )
        refused = await client.post(f"/api/vps/{instance['id']}/boot", headers=headers)
        assert refused.status_code == 409
        sim.clear_requests()
        again = await client.delete(f"/api/vps/{instance['id']}", headers=headers)
        assert again.status_code == 202 and again.json()["instance"]["status"] == "deleted"
        await run_until_idle(worker)
        assert _provider_writes(sim, provider_type) == 0  # deleting twice is deleting once
        listed = (await client.get("/api/vps", headers=headers)).json()
        assert instance["id"] not in [item["id"] for item in listed["instances"]]

    @pytest.mark.parametrize("provider_type", PROVIDERS)
    async def test_one_404_on_a_re_read_sweeps_instead_of_deleting_a_running_server(
        self,
        provider_type: str,
        fast_state: AppState,
        client: AsyncClient,
        sim: SimulatorServer,
        worker: Worker,
    ) -> None:
        offer, headers, instance, server = await _deployed(
            fast_state, client, sim, worker, provider_type
        )
        sync = _sync(fast_state)
        await sync.run_pass(offer.account)
        own_address = {"linode": "/linode/instances", "digitalocean": "/droplets"}[provider_type]
        sim.inject_fault(
            provider_type,
            "server_error",
            status=404,
            method="GET",
            path=f"^{own_address}/{server['id']}$",
        )
        sim.change_instance(provider_type, server["id"], label="renamed-at-console")

        report = await sync.run_pass(offer.account)

        assert report.deleted == 0 and report.sweeps == 1 and report.gaps == 1
        after = await _instance(client, headers, instance["id"])
        assert after["status"] == "running" and after["label"] == "renamed-at-console"
        events = await _events(client, headers, instance["id"])
        assert DELETED_AT_PROVIDER not in [event["message"] for event in events]
        assert (await sync.run_pass(offer.account)).deleted == 0

    @pytest.mark.parametrize("provider_type", PROVIDERS)
    async def test_a_resize_to_a_plan_not_sold_here_never_names_the_providers_plan(
        self,
        provider_type: str,
        fast_state: AppState,
        client: AsyncClient,
        sim: SimulatorServer,
        worker: Worker,
    ) -> None:
        offer, headers, instance, server = await _deployed(
            fast_state, client, sim, worker, provider_type
        )
        sync = _sync(fast_state)
        await sync.run_pass(offer.account)
        unsold = {"linode": "g6-standard-2", "digitalocean": "s-2vcpu-4gb"}[provider_type]

        sim.change_instance(provider_type, server["id"], plan=unsold)
        assert (await sync.run_pass(offer.account)).updated == 1
        sim.change_instance(provider_type, server["id"], plan=offer.setup.small)
        assert (await sync.run_pass(offer.account)).updated == 1

        admin, _, _ = await signed_in_headers(fast_state, client, role=UserRole.ADMIN)
        seen_by_admin = await client.get(
            f"/api/admin/instances/{instance['id']}/events", headers=admin
        )
        for events in (
            await _events(client, headers, instance["id"]),
            seen_by_admin.json()["events"],
        ):
            observed = [e["message"] for e in events if e["type"] == "observed"]
            assert observed[-2].endswith("plan Standard 1GB → a plan not offered here.")
            assert observed[-1].endswith("plan a plan not offered here → Standard 1GB.")
            for message in observed:
                assert unsold not in message and offer.setup.small not in message
                assert "linode" not in message.lower() and "digitalocean" not in message.lower()

    async def test_a_server_an_operation_of_ours_is_changing_is_not_re_read(
        self, fast_state: AppState, client: AsyncClient, sim: SimulatorServer, worker: Worker
    ) -> None:
        offer, headers, instance, server = await _deployed(
            fast_state, client, sim, worker, "linode"
        )
        sync = _sync(fast_state)
        await sync.run_pass(offer.account)
        assert (
            await client.post(f"/api/vps/{instance['id']}/reboot", headers=headers)
        ).status_code == 202
        sim.change_instance("linode", server["id"], status="offline")

        report = await sync.run_pass(offer.account)

        assert report.lookups == 0 and report.updated == 0
        assert (await _instance(client, headers, instance["id"]))["status"] == "rebooting"

    async def test_more_changed_servers_than_a_poll_re_reads_sweep_the_account(
        self, fast_state: AppState, client: AsyncClient, sim: SimulatorServer, worker: Worker
    ) -> None:
        offer, headers, instance, server = await _deployed(
            fast_state, client, sim, worker, "digitalocean"
        )
        sync = _sync(fast_state, feed_reread_max=0)
        await sync.run_pass(offer.account)
        sim.change_instance("digitalocean", server["id"], status="off")
        sim.clear_requests()

        report = await sync.run_pass(offer.account)

        assert report.gaps == 1 and report.sweeps == 1 and report.lookups == 0
        assert sim.request_count("digitalocean", "GET", "/droplets") == 1
        assert (await _instance(client, headers, instance["id"]))["status"] == "stopped"

    async def test_a_feed_that_cannot_be_read_sweeps_at_most_every_four_intervals(
        self, fast_state: AppState, client: AsyncClient, sim: SimulatorServer, worker: Worker
    ) -> None:
        offer, _, _, _ = await _deployed(fast_state, client, sim, worker, "linode")
        sync = _sync(fast_state)
        await sync.run_pass(offer.account)
        sim.inject_fault("linode", "server_error", method="GET", path="^/account/events$", times=50)

        soon_after = await sync.run_pass(offer.account)
        assert soon_after.gaps == 1 and soon_after.sweeps == 0
        async with fast_state.sessionmaker() as session, session.begin():
            await session.execute(
                update(ProviderAccountSync).values(last_sweep_at=utcnow() - timedelta(minutes=2))
            )
        later = await sync.run_pass(offer.account)

        assert later.gaps == 1 and later.sweeps == 1
        assert later.feed_lag_s[offer.account.id] > 0

    async def test_a_lost_cursor_sweeps_the_account(
        self, fast_state: AppState, client: AsyncClient, sim: SimulatorServer, worker: Worker
    ) -> None:
        offer, _, _, _ = await _deployed(fast_state, client, sim, worker, "digitalocean")
        sync = _sync(fast_state)
        await sync.run_pass(offer.account)
        async with fast_state.sessionmaker() as session, session.begin():
            await session.execute(
                update(ProviderAccountSync).values(feed_cursor="not a cursor", last_sweep_at=None)
            )

        report = await sync.run_pass(offer.account)

        assert report.gaps == 1 and report.sweeps == 1


class TestSweep:
    async def test_a_server_gone_silently_is_looked_up_once_then_marked_deleted(
        self, fast_state: AppState, client: AsyncClient, sim: SimulatorServer, worker: Worker
    ) -> None:
        _offer, headers, instance, server = await _deployed(
            fast_state, client, sim, worker, "linode"
        )
        sim.delete_instance("linode", server["id"], silent=True)
        sim.clear_requests()

        report = await reconcile(fast_state)

        assert report.deleted == 1 and report.lookups == 1
        assert sim.request_count("linode", "GET", f"/linode/instances/{server['id']}") == 1
        after = await _instance(client, headers, instance["id"])
        assert after["status"] == "deleted" and after["allowed_actions"] == []

    async def test_a_listing_that_fails_on_page_3_deletes_nothing(
        self,
        fast_state: AppState,
        sim: SimulatorServer,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        offer = await create_offer(fast_state, sim, "digitalocean")
        ids = await _seed_bound_servers(fast_state, sim, offer, 6)
        await reconcile(fast_state)
        monkeypatch.setattr(do_client, "PER_PAGE", 2)  # six servers: three pages
        real_get = do_client.DigitalOceanClient.get

        async def third_page_fails(self: Any, path: str, params: Any = None) -> Any:
            if path == "/droplets" and (params or {}).get("page") == 3:
                raise ProviderUnavailable("page 3 failed", may_have_succeeded=False)
            return await real_get(self, path, params)

        monkeypatch.setattr(do_client.DigitalOceanClient, "get", third_page_fails)
        sim.clear_requests()

        report = await reconcile(fast_state)

        assert report.unreachable_accounts == 1 and report.deleted == 0
        assert sim.request_count("digitalocean", "GET", "/droplets") == 2
        async with fast_state.sessionmaker() as session:
            statuses = set(
                (
                    await session.scalars(select(VpsInstance.status).where(VpsInstance.id.in_(ids)))
                ).all()
            )
        assert statuses == {"running"}

    async def test_an_untagged_server_in_the_same_account_is_never_touched(
        self, fast_state: AppState, sim: SimulatorServer
    ) -> None:
        offer = await create_offer(fast_state, sim, "linode")
        await _seed_bound_servers(fast_state, sim, offer, 1)
        await reconcile(fast_state)  # addresses learnt
        with sim.state.lock:
            account = sim.state.account("linode", offer.token)
            (template,) = account.instances.values()
            theirs = copy.deepcopy(template)
            theirs.id, theirs.tags, theirs.name = 99_000_001, [], "someone-elses"
            account.instances[theirs.id] = theirs
        sim.clear_requests()

        report = await reconcile(fast_state)

        assert report.untracked == 0 and report.updated == 0 and report.deleted == 0
        assert sim.request_count("linode", path=".*99000001.*") == 0
        assert len(sim.instances("linode", token=offer.token)) == 2

    @pytest.mark.parametrize("provider_type", PROVIDERS)
    async def test_a_second_sweep_with_nothing_changed_writes_nothing(
        self,
        provider_type: str,
        fast_state: AppState,
        client: AsyncClient,
        sim: SimulatorServer,
        worker: Worker,
    ) -> None:
        offer = await create_offer(fast_state, sim, provider_type)
        headers, _, _ = await signed_in_headers(fast_state, client)
        for n in range(3):
            await running_instance(client, headers, offer, worker, label=f"web-{n}")
        await reconcile(fast_state)
        sim.clear_requests()

        with counting(fast_state.engine) as use:
            report = await reconcile(fast_state)

        assert report.changed == 0 and report.lookups == 0
        assert _writes(use.statements) == []
        # The account list, its rows, its unfinished operations, the untracked check.
        assert len(use.statements) <= 5, use.statements
        assert _provider_writes(sim, provider_type) == 0
        assert sim.request_count(provider_type, "GET", LIST_PATH[provider_type]) == 1

    @pytest.mark.parametrize("provider_type", PROVIDERS)
    async def test_a_thousand_servers_cost_one_list_request_per_full_page(
        self, provider_type: str, fast_state: AppState, sim: SimulatorServer
    ) -> None:
        offer = await create_offer(fast_state, sim, provider_type)
        await _seed_bound_servers(fast_state, sim, offer, 1000)
        first = await reconcile(fast_state)
        assert first.updated == 1000  # addresses learnt
        sim.clear_requests()

        started = time.monotonic()
        with counting(fast_state.engine) as use:
            report = await reconcile(fast_state)
        elapsed = time.monotonic() - started

        expected = math.ceil(1000 / PAGE[provider_type])
        assert sim.request_count(provider_type, "GET", LIST_PATH[provider_type]) == expected
        assert sim.request_count(provider_type) == expected
        assert report.changed == 0 and _writes(use.statements) == []
        assert len(use.statements) <= 5
        print(f"\n{provider_type}: second sweep of 1000 servers {elapsed:.3f}s, {use.line()}")


class TestStuck:
    async def test_a_server_left_rebooting_with_no_operation_is_resolved_from_the_provider(
        self, fast_state: AppState, sim: SimulatorServer
    ) -> None:
        offer = await create_offer(fast_state, sim, "linode")
        (instance_id,) = await _seed_bound_servers(fast_state, sim, offer, 1)
        await reconcile(fast_state)
        await _set_row(fast_state, instance_id, status="rebooting", age=timedelta(hours=1))

        report = await reconcile(fast_state)

        assert report.stuck_resolved == 1 and report.stuck_failed == 0
        assert (await _row(fast_state, instance_id)).status == "running"

    async def test_a_server_still_transitional_at_the_provider_past_the_deadline_fails(
        self, fast_state: AppState, sim: SimulatorServer
    ) -> None:
        offer = await create_offer(fast_state, sim, "linode")
        (instance_id,) = await _seed_bound_servers(fast_state, sim, offer, 1)
        await reconcile(fast_state)
        (server,) = sim.instances("linode", token=offer.token)
        sim.change_instance("linode", server["id"], status="rebooting", silent=True)
        await _set_row(fast_state, instance_id, status="rebooting", age=timedelta(minutes=5))
        assert (await reconcile(fast_state)).stuck_failed == 0  # not past the deadline yet
        await _set_row(fast_state, instance_id, status="rebooting", age=timedelta(hours=1))

        report = await reconcile(fast_state)

        assert report.stuck_failed == 1
        row = await _row(fast_state, instance_id)
        assert row.status == "failed" and "still rebooting" in (row.error or "")

    async def test_a_create_that_never_reached_the_provider_fails_past_the_deadline(
        self, fast_state: AppState, sim: SimulatorServer
    ) -> None:
        offer = await create_offer(fast_state, sim, "digitalocean")
        (instance_id,) = await _seed_bound_servers(fast_state, sim, offer, 1, at_provider=False)
        await _set_row(fast_state, instance_id, status="provisioning", age=timedelta(hours=1))

        report = await reconcile(fast_state)

        assert report.stuck_failed == 1
        row = await _row(fast_state, instance_id)
        assert row.status == "failed" and row.error == NEVER_CREATED
        async with fast_state.sessionmaker() as session:
            (event,) = (
                await session.scalars(
                    select(InstanceEvent).where(InstanceEvent.instance_id == instance_id)
                )
            ).all()
        assert event.type == "stuck" and event.status == "failed"

    async def test_a_server_with_an_unfinished_operation_is_never_called_stuck(
        self, fast_state: AppState, sim: SimulatorServer
    ) -> None:
        offer = await create_offer(fast_state, sim, "linode")
        (instance_id,) = await _seed_bound_servers(fast_state, sim, offer, 1, at_provider=False)
        await _set_row(fast_state, instance_id, status="provisioning", age=timedelta(hours=1))
        async with fast_state.sessionmaker() as session, session.begin():
            session.add(
                Operation(
                    id=uuid.uuid4(),
                    instance_id=instance_id,
                    type="create",
                    status="queued",
                    run_after=utcnow(),
                    payload={},
                )
            )

        report = await reconcile(fast_state)

        assert report.stuck_failed == 0
        assert (await _row(fast_state, instance_id)).status == "provisioning"


class TestLease:
    async def test_an_account_is_held_by_one_worker_until_its_lease_lapses(
        self, fast_state: AppState, sim: SimulatorServer
    ) -> None:
        offer = await create_offer(fast_state, sim, "linode")
        now = utcnow()

        async def take(owner: str, at: Any) -> bool:
            async with fast_state.sessionmaker() as session, session.begin():
                held = await AccountSyncRepository(session).take_lease(
                    offer.account.id, owner=owner, now=at, until=at + timedelta(seconds=60)
                )
            return held is not None

        assert await take("a", now)
        assert not await take("b", now + timedelta(seconds=30))
        assert await take("a", now + timedelta(seconds=30))  # renewed by its holder
        assert await take("b", now + timedelta(seconds=91))  # lapsed: taken over
        async with fast_state.sessionmaker() as session, session.begin():
            await AccountSyncRepository(session).release_leases("b")
        assert await take("a", now + timedelta(seconds=92))

    async def test_a_worker_whose_lease_was_taken_over_writes_nothing(
        self, fast_state: AppState, sim: SimulatorServer
    ) -> None:
        offer = await create_offer(fast_state, sim, "linode")
        (instance_id,) = await _seed_bound_servers(fast_state, sim, offer, 1)
        late = _sync(fast_state, owner="late")
        assert await late._take_lease(offer.account.id) is not None
        async with fast_state.sessionmaker() as session, session.begin():
            await session.execute(  # it lapsed, and another worker took the account over
                update(ProviderAccountSync).values(lease_owner="other")
            )

        with pytest.raises(AccountLeaseLost):
            await sweep_account(
                fast_state,
                offer.account,
                late.config,
                ReconcileReport(),
                fence=late._fence(offer.account.id),
            )

        assert (await _row(fast_state, instance_id)).ip_address is None  # not learnt

    async def test_two_workers_never_sweep_one_account_at_once(
        self,
        fast_state: AppState,
        client: AsyncClient,
        sim: SimulatorServer,
        worker: Worker,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        offers = [
            await create_offer(fast_state, sim, "linode"),
            await create_offer(fast_state, sim, "digitalocean"),
        ]
        headers, _, _ = await signed_in_headers(fast_state, client)
        for offer in offers:
            await running_instance(client, headers, offer, worker)
        sweeping: dict[uuid.UUID, list[str]] = {offer.account.id: [] for offer in offers}
        overlaps: list[str] = []
        sweeps_by: dict[str, int] = {}
        real_sweep = account_sync_module.sweep_account

        async def tracked_sweep(
            state: AppState, account: Any, config: Any, report: Any, **kwargs: Any
        ) -> None:
            task = asyncio.current_task()
            assert task is not None
            owner = task.get_name().split("|")[0]  # the scheduler names each pass
            if sweeping[account.id]:
                overlaps.append(f"{account.id}: {sweeping[account.id]} and {owner}")
            sweeping[account.id].append(owner)
            sweeps_by[owner] = sweeps_by.get(owner, 0) + 1
            try:
                await asyncio.sleep(0.05)  # a slow listing widens any window
                await real_sweep(state, account, config, report, **kwargs)
            finally:
                sweeping[account.id].remove(owner)

        monkeypatch.setattr(account_sync_module, "sweep_account", tracked_sweep)
        config = WorkerConfig.instant(
            feed_interval_s=0.02, reconcile_interval_s=0.02, account_lease_s=2.0
        )
        workers = [Worker(fast_state, config=config, owner=f"worker-{n}") for n in range(2)]
        stops = [asyncio.Event(), asyncio.Event()]
        tasks = [
            asyncio.create_task(w.account_sync.run(stop), name=w.owner)
            for w, stop in zip(workers, stops, strict=True)
        ]
        await asyncio.sleep(1.0)
        stops[0].set()  # the first worker stops: its accounts pass to the other
        await tasks[0]
        await asyncio.sleep(1.0)
        stops[1].set()
        await tasks[1]

        assert overlaps == []
        assert sweeps_by.get("worker-1", 0) > 0
        assert sum(sweeps_by.values()) >= 4


class TestRateLimits:
    async def test_a_rate_limited_account_is_put_off_without_holding_up_another(
        self, fast_state: AppState, client: AsyncClient, sim: SimulatorServer, worker: Worker
    ) -> None:
        limited, _, _, _ = await _deployed(fast_state, client, sim, worker, "linode")
        healthy, headers, instance, server = await _deployed(
            fast_state, client, sim, worker, "digitalocean"
        )
        sync = _sync(fast_state)
        await sync.run_pass(limited.account)
        await sync.run_pass(healthy.account)
        sim.inject_fault("linode", "rate_limit", method="GET", path="^/account/events$")
        sim.change_instance("digitalocean", server["id"], status="off")

        started = time.monotonic()
        reports = await asyncio.gather(
            sync.run_pass(limited.account), sync.run_pass(healthy.account)
        )
        elapsed = time.monotonic() - started

        assert reports[0].deferred_accounts == 1 and reports[1].updated == 1
        assert elapsed < 0.9  # the 1 s Retry-After was not waited out inline
        assert (await _instance(client, headers, instance["id"]))["status"] == "stopped"


class TestVisibleWithinOnePoll:
    async def test_the_running_loop_shows_a_console_shutdown_within_one_feed_interval(
        self, fast_state: AppState, client: AsyncClient, sim: SimulatorServer, worker: Worker
    ) -> None:
        _offer, headers, instance, server = await _deployed(
            fast_state, client, sim, worker, "linode"
        )
        interval = 0.5
        config = WorkerConfig.instant(feed_interval_s=interval, reconcile_interval_s=300.0)
        sync = AccountSync(fast_state, config, "loop")
        stop = asyncio.Event()
        loop = asyncio.create_task(sync.run(stop))
        try:
            while sync.report.sweeps == 0:  # the feed has started
                await asyncio.sleep(0.02)
            sim.change_instance("linode", server["id"], status="offline")
            changed_at = time.monotonic()
            while (await _instance(client, headers, instance["id"]))["status"] != "stopped":
                assert time.monotonic() - changed_at < interval * 3
                await asyncio.sleep(0.02)
            seen_after = time.monotonic() - changed_at
        finally:
            stop.set()
            await loop
        print(f"\nconsole shutdown visible after {seen_after:.2f}s (feed interval {interval}s)")
        assert seen_after <= interval + 0.5

    async def test_a_digitalocean_address_change_is_visible_within_one_feed_interval(
        self, fast_state: AppState, client: AsyncClient, sim: SimulatorServer, worker: Worker
    ) -> None:
        _offer, headers, instance, server = await _deployed(
            fast_state, client, sim, worker, "digitalocean"
        )
        interval = 0.5
        config = WorkerConfig.instant(feed_interval_s=interval, reconcile_interval_s=300.0)
        sync = AccountSync(fast_state, config, "loop")
        stop = asyncio.Event()
        loop = asyncio.create_task(sync.run(stop))
        try:
            while sync.report.sweeps == 0:  # the feed has started
                await asyncio.sleep(0.02)
            sim.change_instance("digitalocean", server["id"], ipv4="203.0.113.78")
            changed_at = time.monotonic()
            while (await _instance(client, headers, instance["id"]))["ip_address"] != (
                "203.0.113.78"
            ):
                assert time.monotonic() - changed_at < interval * 3
                await asyncio.sleep(0.02)
            seen_after = time.monotonic() - changed_at
        finally:
            stop.set()
            await loop
        print(f"\naddress change visible after {seen_after:.2f}s (feed interval {interval}s)")
        assert seen_after <= interval + 0.5


# -- helpers -------------------------------------------------------------------------------


async def _seed_bound_servers(
    state: AppState, sim: SimulatorServer, offer: Offer, count: int, *, at_provider: bool = True
) -> list[uuid.UUID]:
    """`count` instance rows of a new organization on `offer`'s account, and (with
    `at_provider`) a running server for each in the simulator carrying its tags, made
    white-box (copies of one real server) so a thousand cost no creates."""
    provider = provider_for(state, offer.account)
    _, organization = await create_committed_user(state)
    ids = [uuid.uuid4() for _ in range(count)]
    server_ids: list[str | None] = [None] * count
    if at_provider:
        template = await provider.create_instance(_spec(offer, ids[0]))
        await provider.get_instance(template.id)  # instant lifecycle: running from now
        kind = offer.setup.type
        with sim.state.lock:
            account = sim.state.account(kind, offer.token)  # type: ignore[arg-type]
            original = account.instances[int(template.id)]
            original.status = ON[kind]
            server_ids[0] = template.id
            for n in range(1, count):
                clone = copy.deepcopy(original)
                clone.id = sim.state.next_id(kind)
                clone.name = provider.provider_label(f"web-{n}", ids[n])
                clone.tags = ["vpspanel", f"vpspanel:{ids[n]}"]
                account.instances[clone.id] = clone
                server_ids[n] = str(clone.id)
    now = utcnow()
    async with state.sessionmaker() as session, session.begin():
        await session.execute(
            insert(VpsInstance),
            [
                {
                    "id": instance_id,
                    "organization_id": organization.id,
                    "plan_id": offer.small.id,
                    "provider_id": offer.account.id,
                    "provider_instance_id": server_ids[n],
                    "label": f"web-{n}",
                    "status": "running",
                    "region": offer.setup.region,
                    "image": "ubuntu",
                    "configuration": {},
                    "created_at": now,
                    "updated_at": now - timedelta(seconds=1),
                }
                for n, instance_id in enumerate(ids)
            ],
        )
    return ids


def _spec(offer: Offer, instance_id: uuid.UUID) -> CreateInstanceSpec:
    return CreateInstanceSpec(
        instance_id=instance_id,
        label="web-0",
        plan_id=offer.setup.small,
        region_id=offer.setup.region,
        image_id="linode/ubuntu22.04" if offer.setup.type == "linode" else "ubuntu-22-04-x64",
        root_pass=ROOT_PASS,
    )


async def _set_row(state: AppState, instance_id: uuid.UUID, *, status: str, age: timedelta) -> None:
    async with state.sessionmaker() as session, session.begin():
        await session.execute(
            update(VpsInstance)
            .where(VpsInstance.id == instance_id)
            .values(status=status, updated_at=utcnow() - age)
        )


async def _row(state: AppState, instance_id: uuid.UUID) -> VpsInstance:
    async with state.sessionmaker() as session:
        row = await session.get(VpsInstance, instance_id)
    assert row is not None
    return row
