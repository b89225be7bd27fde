"""A slow cloud delays only its own account's work (issue 12, "several workers"): steps run as
their own tasks with at most `account_concurrency` per provider account, so the worker keeps
claiming the healthy account's operations while the slow one's are in flight."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta

from httpx import AsyncClient

from tests.factories import signed_in_headers
from tests.instances.support import create_offer, deploy_body, operations_of, pick_image
from vpspanel.simulator.testing import SimulatorServer
from vpspanel.state import AppState
from vpspanel.worker.config import WorkerConfig
from vpspanel.worker.runner import Worker

SLOW_ANSWER_S = 2.0
PER_ACCOUNT = 4


async def _deploy(
    state: AppState, client: AsyncClient, sim: SimulatorServer, provider: str, count: int
) -> list[str]:
    offer = await create_offer(state, sim, provider)
    headers, _, _ = await signed_in_headers(state, client)
    image = await pick_image(client, headers, offer.small.id, offer.setup.image_distribution)
    ids = []
    for number in range(count):
        response = await client.post(
            "/api/vps",
            json=deploy_body(offer, image, label=f"{provider}-{number}"),
            headers=headers,
        )
        assert response.status_code == 201, response.text
        ids.append(response.json()["instance"]["id"])
    return ids


async def _all_succeeded(state: AppState, instance_ids: list[str]) -> bool:
    for instance_id in instance_ids:
        if any(op.status != "succeeded" for op in await operations_of(state, instance_id)):
            return False
    return True


async def _seconds_until_done(
    state: AppState, instance_ids: list[str], limit_s: float
) -> float | None:
    started = time.monotonic()
    while time.monotonic() - started < limit_s:
        if await _all_succeeded(state, instance_ids):
            return time.monotonic() - started
        await asyncio.sleep(0.02)
    return None


async def _race(
    state: AppState, client: AsyncClient, sim: SimulatorServer, config: WorkerConfig
) -> tuple[float | None, bool]:
    """Four creates on a Linode account whose every answer takes SLOW_ANSWER_S, accepted
    first, then four on a healthy DigitalOcean account: how long until the healthy ones are
    done, and whether the slow ones were still in flight then."""
    slow = await _deploy(state, client, sim, "linode", PER_ACCOUNT)
    healthy = await _deploy(state, client, sim, "digitalocean", PER_ACCOUNT)
    sim.inject_fault("linode", "timeout", times=1000, delay_seconds=SLOW_ANSWER_S)
    worker = Worker(state, config=config)
    stop = asyncio.Event()
    running = asyncio.create_task(worker.run(stop))
    try:
        healthy_s = await _seconds_until_done(state, healthy, limit_s=6 * SLOW_ANSWER_S)
        slow_in_flight = not await _all_succeeded(state, slow)
    finally:
        stop.set()
        sim.clear_faults()
        await asyncio.wait_for(running, timeout=30)
    return healthy_s, slow_in_flight


class TestSlowAccount:
    async def test_a_slow_account_does_not_hold_the_healthy_accounts_operations(
        self, fast_state: AppState, client: AsyncClient, sim: SimulatorServer
    ) -> None:
        config = WorkerConfig.instant(
            concurrency=PER_ACCOUNT, account_concurrency=PER_ACCOUNT // 2, claim_batch=2
        )
        healthy_s, slow_in_flight = await _race(fast_state, client, sim, config)
        print(f"\nhealthy account's 4 creates done in {healthy_s}s beside a slow account")
        assert healthy_s is not None
        # Promptly: well within one of the slow account's answers.
        assert healthy_s < SLOW_ANSWER_S
        assert slow_in_flight

    async def test_without_a_per_account_limit_the_slow_account_takes_every_step(
        self, fast_state: AppState, client: AsyncClient, sim: SimulatorServer
    ) -> None:
        # The control: an account may fill the whole worker (as the fixed slots allowed),
        # and the healthy account's creates wait behind the slow answers.
        config = WorkerConfig.instant(
            concurrency=PER_ACCOUNT, account_concurrency=PER_ACCOUNT, claim_batch=2
        )
        healthy_s, _ = await _race(fast_state, client, sim, config)
        print(f"\nwithout the limit: healthy account's creates done in {healthy_s}s")
        assert healthy_s is None or healthy_s >= SLOW_ANSWER_S


class TestRateLimitedAccount:
    async def test_a_429_parks_that_accounts_create_and_the_others_run_on(
        self, fast_state: AppState, client: AsyncClient, sim: SimulatorServer
    ) -> None:
        # One Linode create a minute: the second is answered 429 with Retry-After ~60 s.
        sim.configure(rate_limits={"linode": {"create": {"limit": 1, "window_seconds": 60}}})
        limited = await _deploy(fast_state, client, sim, "linode", 2)
        healthy = await _deploy(fast_state, client, sim, "digitalocean", PER_ACCOUNT)
        worker = Worker(
            fast_state, config=WorkerConfig.instant(concurrency=4, budget_patience_s=0.0)
        )
        stop = asyncio.Event()
        running = asyncio.create_task(worker.run(stop))
        try:
            healthy_s = await _seconds_until_done(fast_state, healthy, limit_s=10.0)
        finally:
            stop.set()
            await asyncio.wait_for(running, timeout=30)
        print(f"\nhealthy account's creates done in {healthy_s}s beside a 429")
        assert healthy_s is not None and healthy_s < 5.0
        parked = [op for i in limited for op in await operations_of(fast_state, i)]
        waiting = [op for op in parked if op.status == "queued"]
        assert len(waiting) == 1  # not waited out inline: parked until the provider's reset
        assert waiting[0].run_after >= fast_state.clock() + timedelta(seconds=30)
