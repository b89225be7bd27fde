"""How an account's passes live with its health, its request budget and the metrics
(worker/account_sync.py): a refused key backs the account off and shows on the admin provider
list, passes are background requests, a low budget stretches the next pass, and every pass
feeds the Prometheus gauges and counters."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import pytest
from httpx import AsyncClient
from prometheus_client import REGISTRY
from sqlalchemy import update

from tests.factories import running_instance, signed_in_headers
from tests.instances.support import create_offer
from vpspanel import metrics
from vpspanel.auth.models import UserRole
from vpspanel.provider_accounts.models import ServiceProvider
from vpspanel.providers.http import REQUEST_PRIORITY, RequestPriority
from vpspanel.simulator.testing import SimulatorServer
from vpspanel.state import AppState
from vpspanel.worker.account_sync import AccountSync
from vpspanel.worker.config import WorkerConfig
from vpspanel.worker.models import ProviderAccountSync
from vpspanel.worker.runner import Worker

FEED_INTERVAL_S = 15.0


def _sync(state: AppState) -> AccountSync:
    config = WorkerConfig.instant(
        feed_interval_s=FEED_INTERVAL_S, reconcile_interval_s=300.0, account_lease_s=60.0
    )
    return AccountSync(state, config, "wiring")


def _sample(name: str, labels: dict[str, str]) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


async def _admin_status(
    state: AppState, client: AsyncClient, account: ServiceProvider
) -> dict[str, Any]:
    admin, _, _ = await signed_in_headers(state, client, role=UserRole.ADMIN)
    response = await client.get(f"/api/admin/providers/{account.id}", headers=admin)
    assert response.status_code == 200, response.text
    status: dict[str, Any] = response.json()["provider"]["status"]
    listed = await client.get("/api/admin/providers", headers=admin)
    assert listed.status_code == 200
    (row,) = [p for p in listed.json()["providers"] if p["id"] == str(account.id)]
    assert row["status"] == status
    return status


async def _due_passes(sync: AccountSync) -> list[str]:
    """Start every pass due now (as the loop does) and return the accounts started."""
    sync._accounts_read_at = None  # read the accounts (and their health) again
    for account_id in list(sync._next_at):
        sync._next_at[account_id] = 0.0
    await sync._start_due()
    started = [name.split("|")[1] for name in (t.get_name() for t in sync._passes.values())]
    for task in sync._passes.values():
        await task
    sync._passes.clear()
    return started


class TestAccountHealth:
    async def test_a_refused_key_backs_the_account_off_until_a_good_answer_clears_it(
        self, fast_state: AppState, client: AsyncClient, sim: SimulatorServer
    ) -> None:
        offer = await create_offer(fast_state, sim, "linode")
        sync = _sync(fast_state)
        await sync.run_pass(offer.account)  # the feed starts
        sim.inject_fault(
            "linode", "server_error", status=401, method="GET", path="^/account/events$"
        )

        report = await sync.run_pass(offer.account)

        assert report.unreachable_accounts == 1
        status = await _admin_status(fast_state, client, offer.account)
        assert status["ok"] is False and status["failures"] == 1
        assert status["error"] and "api-key" not in status["error"]
        assert status["next_attempt_at"] is not None
        # The next pass is put off until the backoff ends, not at the next feed interval.
        assert sync._next_at[offer.account.id] - time.monotonic() > FEED_INTERVAL_S
        sim.clear_requests()
        assert await _due_passes(sync) == []  # backing off: skipped
        assert sim.request_count("linode") == 0

        async with fast_state.sessionmaker() as session, session.begin():
            await session.execute(  # the backoff has ended
                update(ServiceProvider)
                .where(ServiceProvider.id == offer.account.id)
                .values(status_next_attempt_at=fast_state.clock() - timedelta(seconds=1))
            )
        assert await _due_passes(sync) == [str(offer.account.id)]

        status = await _admin_status(fast_state, client, offer.account)
        assert status["ok"] is True and status["failures"] == 0 and status["error"] is None

    @pytest.mark.parametrize("provider_type", ["linode", "digitalocean"])
    async def test_a_provider_down_for_every_request_backs_off_and_shows_not_ok(
        self, provider_type: str, fast_state: AppState, client: AsyncClient, sim: SimulatorServer
    ) -> None:
        offer = await create_offer(fast_state, sim, provider_type)
        sync = _sync(fast_state)
        await sync.run_pass(offer.account)  # the feed starts
        sim.inject_fault(provider_type, "server_error", status=503, path=".*", times=100_000)

        report = await sync.run_pass(offer.account)

        assert report.updated == report.deleted == 0
        status = await _admin_status(fast_state, client, offer.account)
        assert status["ok"] is False and status["failures"] == 1
        assert status["error"] and status["next_attempt_at"] is not None
        assert sync._next_at[offer.account.id] - time.monotonic() > FEED_INTERVAL_S
        sim.clear_requests()
        assert await _due_passes(sync) == []  # backing off: skipped
        assert sim.request_count(provider_type) == 0

        sim.clear_faults()
        await _end_backoff(fast_state, offer.account)
        assert await _due_passes(sync) == [str(offer.account.id)]
        status = await _admin_status(fast_state, client, offer.account)
        assert status["ok"] is True and status["failures"] == 0 and status["error"] is None

    async def test_a_sweep_whose_listing_fails_counts_against_the_account_and_stays_due(
        self, fast_state: AppState, client: AsyncClient, sim: SimulatorServer
    ) -> None:
        offer = await create_offer(fast_state, sim, "linode")
        sync = _sync(fast_state)
        await sync.run_pass(offer.account)  # the feed starts, the account is swept
        await _sweep_due(fast_state, offer.account)
        sim.inject_fault(
            "linode", "server_error", status=503, path="^/linode/instances$", times=100_000
        )

        report = await sync.run_pass(offer.account)

        assert report.sweeps == 1 and report.unreachable_accounts == 1
        status = await _admin_status(fast_state, client, offer.account)
        assert status["ok"] is False and status["next_attempt_at"] is not None
        async with fast_state.sessionmaker() as session:
            row = await session.get(ProviderAccountSync, offer.account.id)
            assert row is not None and row.sweep_due_at is not None
            assert row.sweep_due_at <= fast_state.clock()  # nothing compared: still due

        sim.clear_faults()
        await _end_backoff(fast_state, offer.account)
        assert await _due_passes(sync) == [str(offer.account.id)]
        assert sync.report.sweeps == 3
        assert (await _admin_status(fast_state, client, offer.account))["ok"] is True


async def _end_backoff(state: AppState, account: ServiceProvider) -> None:
    async with state.sessionmaker() as session, session.begin():
        await session.execute(
            update(ServiceProvider)
            .where(ServiceProvider.id == account.id)
            .values(status_next_attempt_at=state.clock() - timedelta(seconds=1))
        )


async def _sweep_due(state: AppState, account: ServiceProvider) -> None:
    async with state.sessionmaker() as session, session.begin():
        await session.execute(
            update(ProviderAccountSync)
            .where(ProviderAccountSync.account_id == account.id)
            .values(sweep_due_at=state.clock() - timedelta(seconds=1))
        )


class TestBudget:
    async def test_passes_are_background_requests(
        self, fast_state: AppState, sim: SimulatorServer, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        offer = await create_offer(fast_state, sim, "digitalocean")
        priorities: list[RequestPriority] = []
        provider_type = type(fast_state.providers.for_account(offer.account))
        real_list_changes = provider_type.list_changes_since
        real_list = provider_type.list_instances

        async def list_changes(self: Any, *args: Any, **kwargs: Any) -> Any:
            priorities.append(REQUEST_PRIORITY.get())
            return await real_list_changes(self, *args, **kwargs)

        async def list_instances(self: Any, *args: Any, **kwargs: Any) -> Any:
            priorities.append(REQUEST_PRIORITY.get())
            return await real_list(self, *args, **kwargs)

        monkeypatch.setattr(provider_type, "list_changes_since", list_changes)
        monkeypatch.setattr(provider_type, "list_instances", list_instances)

        report = await _sync(fast_state).run_pass(offer.account)

        assert report.feed_polls == 1 and report.sweeps == 1
        assert priorities == [RequestPriority.BACKGROUND] * 2
        assert REQUEST_PRIORITY.get() == RequestPriority.CUSTOMER  # reset after the pass

    async def test_a_low_budget_stretches_the_next_pass(
        self, fast_state: AppState, sim: SimulatorServer, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        offer = await create_offer(fast_state, sim, "linode")
        sync = _sync(fast_state)
        provider_type = type(fast_state.providers.for_account(offer.account))

        await sync.run_pass(offer.account)
        plenty = sync._next_at[offer.account.id] - time.monotonic()
        monkeypatch.setattr(provider_type, "budget_headroom", lambda self: 0.1)
        await sync.run_pass(offer.account)
        low = sync._next_at[offer.account.id] - time.monotonic()

        assert plenty <= FEED_INTERVAL_S
        # A tenth of the budget left: five times the interval (stretched_interval_s).
        assert FEED_INTERVAL_S * 4.5 < low <= FEED_INTERVAL_S * 5


class TestMetrics:
    async def test_one_pass_sets_feed_lag_sweep_time_changes_and_orphans(
        self, fast_state: AppState, client: AsyncClient, sim: SimulatorServer, worker: Worker
    ) -> None:
        offer = await create_offer(fast_state, sim, "linode")
        headers, _, _ = await signed_in_headers(fast_state, client)
        await running_instance(client, headers, offer, worker)
        (server,) = sim.instances("linode", token=offer.token)
        account = {"account": str(offer.account.id)}
        sweeps_before = _sample("vpspanel_sweep_seconds_count", account)
        updated_before = _sample("vpspanel_sweep_changes_total", {"kind": "updated"})
        sync = _sync(fast_state)
        await sync.run_pass(offer.account)  # the feed starts with a sweep
        assert _sample("vpspanel_sweep_seconds_count", account) == sweeps_before + 1
        assert REGISTRY.get_sample_value("vpspanel_orphans", account) == 0.0
        sim.change_instance("linode", server["id"], status="offline")
        # What an earlier unreadable poll left behind; this pass reads the feed again.
        metrics.FEED_LAG_SECONDS.labels(str(offer.account.id)).set(99.0)

        report = await sync.run_pass(offer.account)

        assert report.updated == 1
        assert REGISTRY.get_sample_value("vpspanel_feed_lag_seconds", account) == 0.0
        assert _sample("vpspanel_sweep_changes_total", {"kind": "updated"}) == updated_before + 1
        assert _sample("vpspanel_sweep_seconds_count", account) == sweeps_before + 1  # no sweep
