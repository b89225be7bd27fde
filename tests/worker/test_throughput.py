"""Worker throughput in a bulk deploy (issue 8 item 21): a slot claims several due operations in
one statement and runs them side by side, their checkpoints and outcomes share transactions,
and the shared watcher writes what its listing shows for every watched server at once. The
bench (`bench/bulk_deploys.py`) measures the time; these assert counts and behaviour."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from tests.db_counts import counting
from tests.factories import signed_in_headers
from tests.instances.support import create_offer, deploy_body, operations_of, pick_image
from vpspanel.instances.models import VpsInstance
from vpspanel.operations.models import Operation
from vpspanel.operations.repository import OperationRepository
from vpspanel.simulator.testing import SimulatorServer
from vpspanel.state import AppState
from vpspanel.worker.batching import GroupCommit
from vpspanel.worker.config import WorkerConfig
from vpspanel.worker.polling import _watch_once
from vpspanel.worker.runner import Worker


async def _deploy(
    state: AppState, client: AsyncClient, sim: SimulatorServer, count: int
) -> list[str]:
    offer = await create_offer(state, sim, "digitalocean")
    headers, _, _ = await signed_in_headers(state, client)
    image = await pick_image(client, headers, offer.small.id, "Ubuntu")
    ids = []
    for number in range(count):
        response = await client.post(
            "/api/vps", json=deploy_body(offer, image, label=f"bulk-{number}"), headers=headers
        )
        assert response.status_code == 201, response.text
        ids.append(response.json()["instance"]["id"])
    return ids


class TestBatchedSteps:
    async def test_one_claim_sends_each_create_once_with_shared_transactions(
        self, fast_state: AppState, client: AsyncClient, sim: SimulatorServer
    ) -> None:
        ids = await _deploy(fast_state, client, sim, 4)
        worker = Worker(fast_state, config=WorkerConfig.instant())
        assert await worker.run_batch(8)
        assert sim.request_count("digitalocean", "POST", "/droplets") == 4
        for instance_id in ids:
            (operation,) = await operations_of(fast_state, instance_id)
            assert operation.attempts == 1
        # Four checkpoints and four outcomes, written side by side: fewer transactions.
        assert worker.writes.transactions < 8
        # Nothing is sent twice when the batch's operations are stepped again.
        while await worker.run_batch(8):
            pass
        assert sim.request_count("digitalocean", "POST", "/droplets") == 4

    async def test_a_claim_takes_one_operation_per_instance(
        self, fast_state: AppState, client: AsyncClient, sim: SimulatorServer
    ) -> None:
        (instance_id,) = await _deploy(fast_state, client, sim, 1)
        async with fast_state.sessionmaker() as session, session.begin():
            instance = await session.get(VpsInstance, uuid.UUID(instance_id))
            assert instance is not None
            OperationRepository(session).add(
                instance_id=instance.id, type="sync", now=fast_state.clock()
            )
        worker = Worker(fast_state, config=WorkerConfig.instant())
        claimed = await worker._claim_many(8)
        assert [one.operation.type for one in claimed] == ["create"]

    async def test_a_create_step_writes_with_one_statement_per_row_read(
        self, fast_state: AppState, client: AsyncClient, sim: SimulatorServer
    ) -> None:
        # The checkpoint before the create leaves is one fenced UPDATE (no read: while our
        # lease holds only our steps write the result), the outcome one locked read of the
        # operation with its instance, and the claim one look-up for its operations' events.
        await _deploy(fast_state, client, sim, 2)
        worker = Worker(fast_state, config=WorkerConfig.instant())
        with counting(fast_state.engine) as claiming:
            claimed = await worker._claim_many(8)
        assert len(claimed) == 2
        event_reads = [s for s in claiming.statements if "FROM instance_events" in s]
        assert len(event_reads) == 1
        one = claimed[0]
        with counting(fast_state.engine) as stepping:
            outcome = await worker._execute(one)
        assert [s.split()[0] for s in stepping.statements] == ["UPDATE"]
        with counting(fast_state.engine) as applying:
            await worker._apply(one, outcome)
        assert [s.split()[0] for s in applying.statements].count("SELECT") == 1
        (operation,) = await operations_of(fast_state, str(one.instance.id))
        assert operation.result.get("sent") is True and operation.status == "queued"


class TestGroupCommit:
    async def test_a_refused_or_failing_write_costs_the_others_nothing(
        self, fast_state: AppState, client: AsyncClient, sim: SimulatorServer
    ) -> None:
        ids = await _deploy(fast_state, client, sim, 3)
        operation_ids = [(await operations_of(fast_state, one))[0].id for one in ids]

        class Refused(Exception):
            pass

        def mark(index: int, mark: str, fail: type[Exception] | None = None) -> Any:
            async def write(session: AsyncSession) -> str:
                if fail is Refused:
                    raise Refused()  # refused before writing anything
                row = await session.get(Operation, operation_ids[index])
                assert row is not None
                row.result = {"mark": mark}
                await session.flush()
                if fail is not None:
                    raise fail("broken after writing")
                return mark

            return write

        async def marks() -> list[Any]:
            return [
                ((await operations_of(fast_state, one))[0].result or {}).get("mark") for one in ids
            ]

        writes = GroupCommit(lambda: fast_state.sessionmaker, isolated=(Refused,))
        answers = await asyncio.gather(
            writes.run(mark(0, "a")),
            writes.run(mark(1, "a", Refused)),
            writes.run(mark(2, "a")),
            return_exceptions=True,
        )
        assert answers[0] == "a" and answers[2] == "a" and isinstance(answers[1], Refused)
        assert writes.transactions == 1
        assert await marks() == ["a", None, "a"]

        broken = await asyncio.gather(
            writes.run(mark(0, "b", ValueError)),
            writes.run(mark(1, "b")),
            return_exceptions=True,
        )
        assert isinstance(broken[0], ValueError) and broken[1] == "b"
        # The broken write was rolled back; the one beside it was then written on its own.
        assert await marks() == ["a", "b", "a"]


class TestWatcherSettles:
    async def test_one_listing_ends_every_watched_create_in_one_transaction(
        self, fast_state: AppState, client: AsyncClient, sim: SimulatorServer
    ) -> None:
        ids = await _deploy(fast_state, client, sim, 3)
        worker = Worker(fast_state, config=WorkerConfig.instant())
        assert await worker.run_batch(8)  # all three sent and bound: now watched
        for instance_id in ids:
            (operation,) = await operations_of(fast_state, instance_id)
            assert operation.status == "queued" and operation.result.get("sent")
        reads_before = sim.request_count("digitalocean", "GET", r"/droplets/[0-9]+")
        transactions: list[int] = []
        settle = worker._settle_listed

        event_reads: list[int] = []

        async def counted(account_id: Any, servers: dict[Any, Any]) -> list[Any]:
            transactions.append(len(servers))
            with counting(fast_state.engine) as use:
                left = await settle(account_id, servers)
            event_reads.append(sum("FROM instance_events" in s for s in use.statements))
            return left

        await _watch_once(fast_state, worker.polls, counted)
        assert transactions == [3]  # one settle (one transaction) for all three
        assert event_reads == [1]  # and one look-up for the events the three end
        for instance_id in ids:
            (operation,) = await operations_of(fast_state, instance_id)
            assert operation.status == "succeeded"
            assert operation.attempts == 1  # no slot claimed it again
            async with fast_state.read_sessionmaker() as session:
                instance = await session.get(VpsInstance, uuid.UUID(instance_id))
            assert instance is not None and instance.status == "running"
        assert sim.request_count("digitalocean", "GET", r"/droplets/[0-9]+") == reads_before

    async def test_creates_bound_before_any_read_wait_for_the_watcher(
        self, fast_state: AppState, client: AsyncClient, sim: SimulatorServer
    ) -> None:
        # A bulk deploy's first answers come back before any server was read: from the third
        # bound server of the account on, each waits for the shared watcher (a backstop of
        # BACKSTOP_POLLS intervals), instead of stepping a poll of its own one interval later.
        ids = await _deploy(fast_state, client, sim, 4)
        worker = Worker(fast_state, config=WorkerConfig.instant(poll_interval_s=1.0))
        started = fast_state.clock()
        assert await worker.run_batch(8)
        delays = []
        for instance_id in ids:
            (operation,) = await operations_of(fast_state, instance_id)
            assert operation.status == "queued" and operation.result.get("sent")
            delays.append((operation.run_after - started).total_seconds())
        assert sim.request_count("digitalocean", "GET", r"/droplets.*") == 0
        assert sorted(round(delay) for delay in delays) == [1, 1, 10, 10]
