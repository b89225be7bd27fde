"""Workers share the accounts' feeds and sweeps out (worker/account_sync.py): each holds at
most ceil(active accounts / live workers), a worker holding more gives the excess up, and a
dead worker's accounts are taken over when its heartbeat and leases lapse. Never two sweeps
of one account at once."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import Counter
from typing import Any

import pytest
from sqlalchemy import select

from tests.instances.support import create_account
from vpspanel.simulator.testing import SimulatorServer
from vpspanel.state import AppState
from vpspanel.worker import account_sync as account_sync_module
from vpspanel.worker.account_sync import AccountSync
from vpspanel.worker.config import WorkerConfig
from vpspanel.worker.models import ProviderAccountSync, WorkerHeartbeat
from vpspanel.worker.sync_repository import AccountSyncRepository

ACCOUNTS = 6
# Passes often enough to see the sharing settle in seconds, within the accounts' budgets; a
# lease long enough that a loaded machine's late renewal does not look like a dead worker.
CONFIG = WorkerConfig.instant(feed_interval_s=0.2, reconcile_interval_s=0.6, account_lease_s=5.0)


class SweepTracker:
    """Wraps `sweep_account`: records which worker sweeps which account, and any two sweeps
    of one account at once."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.sweeping: dict[uuid.UUID, list[str]] = {}
        self.overlaps: list[str] = []
        self.sweeps_by: Counter[str] = Counter()
        real_sweep = account_sync_module.sweep_account

        async def tracked(
            state: AppState, account: Any, config: Any, report: Any, **kwargs: Any
        ) -> None:
            task = asyncio.current_task()
            assert task is not None
            owner = task.get_name().split("|")[0]  # the scheduler names each pass
            now_sweeping = self.sweeping.setdefault(account.id, [])
            if now_sweeping:
                self.overlaps.append(f"{account.id}: {now_sweeping} and {owner}")
            now_sweeping.append(owner)
            self.sweeps_by[owner] += 1
            try:
                await asyncio.sleep(0.02)  # a slow listing widens any window
                await real_sweep(state, account, config, report, **kwargs)
            finally:
                now_sweeping.remove(owner)

        monkeypatch.setattr(account_sync_module, "sweep_account", tracked)


class Running:
    def __init__(self, state: AppState, owner: str) -> None:
        self.sync = AccountSync(state, CONFIG, owner)
        self.stop = asyncio.Event()
        self.task = asyncio.create_task(self.sync.run(self.stop), name=owner)

    async def stopped(self) -> None:
        self.stop.set()
        await self.task


async def _holders(state: AppState) -> Counter[str]:
    now = state.clock()
    async with state.read_sessionmaker() as session:
        owners = await session.scalars(
            select(ProviderAccountSync.lease_owner).where(
                ProviderAccountSync.lease_owner.is_not(None),
                ProviderAccountSync.lease_expires_at >= now,
            )
        )
        return Counter(owner for owner in owners if owner is not None)


async def _until_held(state: AppState, expected: dict[str, int], timeout: float = 40.0) -> float:
    """Wait until the leases are held exactly as `expected`; returns how long it took."""
    started = time.monotonic()
    while (held := await _holders(state)) != Counter(expected):
        assert time.monotonic() - started < timeout, f"held {dict(held)}, wanted {expected}"
        await asyncio.sleep(0.05)
    return time.monotonic() - started


class TestSharedOut:
    async def test_three_workers_hold_two_accounts_each_and_take_a_dead_ones_over(
        self,
        fast_state: AppState,
        sim: SimulatorServer,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        sim.configure(rate_limits={"enabled": False})  # passes every 200 ms are no load test
        for number in range(ACCOUNTS):
            await create_account(fast_state, sim, ("linode", "digitalocean")[number % 2])
        tracker = SweepTracker(monkeypatch)
        first = Running(fast_state, "worker-a")
        try:
            await _until_held(fast_state, {"worker-a": ACCOUNTS})  # alone: it holds them all
            second = Running(fast_state, "worker-b")
            third = Running(fast_state, "worker-c")
            joined = await _until_held(fast_state, {"worker-a": 2, "worker-b": 2, "worker-c": 2})
            await asyncio.sleep(0.5)  # and it stays that way
            assert await _holders(fast_state) == Counter(
                {"worker-a": 2, "worker-b": 2, "worker-c": 2}
            )
            assert {first.sync.share, second.sync.share, third.sync.share} == {2}
            assert all(tracker.sweeps_by[owner] > 0 for owner in ("worker-b", "worker-c"))

            # The third dies: it gives nothing up, its heartbeat and leases lapse.
            async def dies(self: AccountSyncRepository, owner: str) -> None:
                return None

            monkeypatch.setattr(AccountSyncRepository, "release_leases", dies)
            await third.stopped()
            monkeypatch.undo()
            tracker = SweepTracker(monkeypatch)
            taken_over = await _until_held(fast_state, {"worker-a": 3, "worker-b": 3})
            assert tracker.sweeps_by["worker-c"] == 0
            await second.stopped()  # a clean stop hands over at once
            await _until_held(fast_state, {"worker-a": ACCOUNTS})
        finally:
            await first.stopped()
        async with fast_state.read_sessionmaker() as session:
            # The dead worker's heartbeat stays (expired) until it has been dead a day.
            assert list(await session.scalars(select(WorkerHeartbeat.owner))) == ["worker-c"]
        assert tracker.overlaps == []
        print(f"\nshared out in {joined:.2f}s; a dead worker's accounts taken in {taken_over:.2f}s")

    async def test_a_worker_at_its_share_does_not_take_a_free_account(
        self, fast_state: AppState, sim: SimulatorServer
    ) -> None:
        sim.configure(rate_limits={"enabled": False})
        for _ in range(2):
            await create_account(fast_state, sim, "linode")
        now = fast_state.clock()
        async with fast_state.sessionmaker() as session, session.begin():
            # Another live worker: two accounts, two workers, a share of one each.
            await AccountSyncRepository(session).heartbeat(
                "elsewhere", now=now, until=now + CONFIG.lease
            )
        running = Running(fast_state, "here")
        try:
            await _until_held(fast_state, {"here": 1})
            await asyncio.sleep(0.5)
            assert await _holders(fast_state) == Counter({"here": 1})
            assert running.sync.share == 1
        finally:
            await running.stopped()
