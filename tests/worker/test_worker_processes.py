"""Two real worker processes (the `vpspanel worker` entry, `run_standalone`) on one PostgreSQL
database: four provider accounts and 200 servers (180 already running, 20 created here: a
cloud's own create budget, 10 per 30 s on Linode, keeps a test from creating 200), then a
reboot of every one, with the simulator refusing (429), losing answers and failing reads.
Every operation runs once at the provider, the accounts' feeds and sweeps are shared out (two
accounts each), and no account's sweep overlaps itself (read from the workers' structured
`account_swept` log lines)."""

from __future__ import annotations

import asyncio
import copy
import itertools
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy import func, insert, select

from tests.conftest import TEST_ENCRYPTION_KEY
from tests.factories import signed_in_headers
from tests.instances.support import (
    CREATE_IMAGES,
    STRONG_PASS,
    Offer,
    create_offer,
    queue_sealed_creates,
)
from vpspanel.config import Settings
from vpspanel.db.engine import is_postgres_url
from vpspanel.instances.models import VpsInstance
from vpspanel.operations.models import Operation
from vpspanel.providers.types import CreateInstanceSpec
from vpspanel.simulator.testing import SimulatorServer
from vpspanel.state import AppState

REPO_ROOT = Path(__file__).resolve().parents[2]
ACCOUNTS = ("linode", "linode", "linode", "digitalocean")
SERVERS_PER_ACCOUNT = 50
CREATES_PER_ACCOUNT = 5
RUNNING = {"linode": "running", "digitalocean": "active"}
CREATE_PATH = {"linode": "/linode/instances", "digitalocean": "/droplets"}
REBOOT_PATH = {
    "linode": "/linode/instances/{id}/reboot",
    "digitalocean": "/droplets/{id}/actions",
}
REFUSED_CREATES = 2  # per account, and as many answers lost
WORKER_OPTIONS = {
    "lease_s": 5.0,
    "poll_s": 2.0,
    "config": {
        "concurrency": 16,
        "claim_batch": 8,
        # Often enough to sweep each account many times, within its request budget.
        "feed_interval_s": 1.0,
        "reconcile_interval_s": 2.0,
        "account_lease_s": 3.0,
        # A reboot is never sent twice here: the test counts requests per server.
        "power_resend_after_s": 600.0,
    },
}


@pytest.fixture
def postgres_only(test_settings: Settings) -> None:
    if not is_postgres_url(test_settings.database_url):
        pytest.skip(
            "SQLite runs one worker by design (one writer at a time); several worker "
            "processes share a PostgreSQL database (CI's PostgreSQL pass runs this)"
        )


def _start_worker(settings: Settings, log: Path) -> subprocess.Popen[bytes]:
    environment = {
        **{key: value for key, value in os.environ.items() if not key.startswith("VPSPANEL_")},
        "VPSPANEL_DATABASE_URL": settings.database_url,
        "VPSPANEL_ENCRYPTION_KEYS": TEST_ENCRYPTION_KEY,
        "VPSPANEL_ENV": settings.env.value,
        "VPSPANEL_DATA_DIR": str(log.parent),
        "VPSPANEL_LOG_LEVEL": "INFO",
    }
    with log.open("w") as output:
        return subprocess.Popen(
            [sys.executable, "-m", "tests.worker.child", "work", json.dumps(WORKER_OPTIONS)],
            cwd=REPO_ROOT,
            env=environment,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
        )


async def _seed_running(
    state: AppState, sim: SimulatorServer, offer: Offer, organization_id: uuid.UUID, count: int
) -> None:
    """`count` running servers of `organization_id` on `offer`'s account, bound to their
    instance rows: copies of one created through the provider layer, made white-box so that
    they cost no creates."""
    provider = state.providers.for_account(offer.account)
    kind = offer.setup.type
    ids = [uuid.uuid4() for _ in range(count)]
    template = await provider.create_instance(
        CreateInstanceSpec(
            instance_id=ids[0],
            label="seed-0",
            plan_id=offer.setup.small,
            region_id=offer.setup.region,
            image_id=CREATE_IMAGES[kind],
            root_pass=STRONG_PASS,
        )
    )
    server_ids: list[str] = [template.id]
    with sim.state.lock:
        account = sim.state.account(kind, offer.token)  # type: ignore[arg-type]
        original = account.instances[int(template.id)]
        original.status = RUNNING[kind]
        for number in range(1, count):
            clone = copy.deepcopy(original)
            clone.id = sim.state.next_id(kind)
            clone.name = provider.provider_label(f"seed-{number}", ids[number])
            clone.tags = ["vpspanel", f"vpspanel:{ids[number]}"]
            account.instances[clone.id] = clone
            server_ids.append(str(clone.id))
    now = state.clock()
    async with state.sessionmaker() as session, session.begin():
        await session.execute(
            insert(VpsInstance),
            [
                {
                    "id": instance_id,
                    "organization_id": organization_id,
                    "plan_id": offer.small.id,
                    "provider_id": offer.account.id,
                    "provider_instance_id": server_id,
                    "label": f"seed-{number}",
                    "status": "running",
                    "region": offer.setup.region,
                    "image": "ubuntu",
                    "configuration": {},
                    "created_at": now,
                    "updated_at": now,
                }
                for number, (instance_id, server_id) in enumerate(zip(ids, server_ids, strict=True))
            ],
        )


async def _until_finished(
    state: AppState, workers: list[subprocess.Popen[bytes]], logs: list[Path], timeout: float
) -> float:
    started = time.monotonic()
    while True:
        for worker, log in zip(workers, logs, strict=True):
            assert worker.poll() is None, log.read_text()[-3000:]
        async with state.read_sessionmaker() as session:
            unfinished = await session.scalar(
                select(func.count())
                .select_from(Operation)
                .where(Operation.status.in_(("queued", "running")))
            )
        if unfinished == 0:
            return time.monotonic() - started
        assert time.monotonic() - started < timeout, f"{unfinished} operations unfinished"
        await asyncio.sleep(0.2)


def _sweeps(logs: list[Path]) -> list[dict[str, Any]]:
    sweeps: list[dict[str, Any]] = []
    for log in logs:
        for line in log.read_text().splitlines():
            if '"account_swept"' in line:
                sweeps.append(json.loads(line))
    return sweeps


class TestTwoWorkerProcesses:
    async def test_every_operation_runs_once_and_no_sweep_overlaps_itself(
        self,
        postgres_only: None,
        fast_state: AppState,
        client: AsyncClient,
        sim: SimulatorServer,
        test_settings: Settings,
        tmp_path: Path,
    ) -> None:
        # Our own budgets pace the requests; the simulator's are not what is tested here.
        sim.configure(rate_limits={"enabled": False}, digitalocean_droplet_limit=100)
        headers, _, organization = await signed_in_headers(fast_state, client)
        offers = [await create_offer(fast_state, sim, kind) for kind in ACCOUNTS]
        for offer in offers:
            seeded = SERVERS_PER_ACCOUNT - CREATES_PER_ACCOUNT
            await _seed_running(fast_state, sim, offer, organization.id, seeded)
            await queue_sealed_creates(
                fast_state, offer, organization.id, CREATES_PER_ACCOUNT, label="proc"
            )
        for kind in set(ACCOUNTS):
            create = f"^{CREATE_PATH[kind]}$"
            refusals = REFUSED_CREATES * ACCOUNTS.count(kind)
            sim.inject_fault(kind, "rate_limit", method="POST", path=create, times=refusals)
            sim.inject_fault(kind, "lost_response", method="POST", path=create, times=refusals)
        sim.inject_fault("linode", "server_error", method="GET", path=r"^/linode/instances/\d+$")
        sim.clear_requests()
        logs = [tmp_path / "worker-1.log", tmp_path / "worker-2.log"]
        workers = [_start_worker(test_settings, log) for log in logs]
        try:
            created_in = await _until_finished(fast_state, workers, logs, timeout=40.0)
            for offer in offers:
                kind = offer.setup.type
                assert len(sim.instances(kind, token=offer.token)) == SERVERS_PER_ACCOUNT
            for kind in set(ACCOUNTS):
                # Each create sent once, plus once more for each refusal (429).
                assert sim.request_count(kind, "POST", f"^{CREATE_PATH[kind]}$") == (
                    CREATES_PER_ACCOUNT + REFUSED_CREATES
                ) * ACCOUNTS.count(kind)

            # Then a reboot of every server, accepted through the API; a few refused once.
            async with fast_state.read_sessionmaker() as session:
                rows = (
                    await session.execute(
                        select(
                            VpsInstance.id,
                            VpsInstance.provider_instance_id,
                            VpsInstance.provider_id,
                        )
                    )
                ).all()
            kind_of = {offer.account.id: offer.setup.type for offer in offers}
            refused: set[str] = set()
            sim.clear_requests()  # the workers send as the API accepts: cleared before
            for number, (instance_id, server_id, account_id) in enumerate(rows):
                kind = kind_of[account_id]
                if number % 40 == 0:
                    path = "^" + REBOOT_PATH[kind].format(id=server_id) + "$"
                    sim.inject_fault(kind, "rate_limit", method="POST", path=path)
                    refused.add(str(server_id))
                answer = await client.post(f"/api/vps/{instance_id}/reboot", headers=headers)
                assert answer.status_code == 202, answer.text
            rebooted_in = await _until_finished(fast_state, workers, logs, timeout=40.0)
        finally:
            for worker in workers:
                worker.send_signal(signal.SIGTERM)
            for worker in workers:
                worker.wait(timeout=40)

        async with fast_state.read_sessionmaker() as session:
            outcomes = (
                await session.execute(
                    select(Operation.type, Operation.status, func.count()).group_by(
                        Operation.type, Operation.status
                    )
                )
            ).all()
            sealed = await session.scalar(
                select(func.count())
                .select_from(Operation)
                .where(Operation.sealed_secret.is_not(None))
            )
        servers = len(rows)
        creates = CREATES_PER_ACCOUNT * len(ACCOUNTS)
        assert servers == SERVERS_PER_ACCOUNT * len(ACCOUNTS)
        assert sorted(outcomes) == [
            ("create", "succeeded", creates),
            ("reboot", "succeeded", servers),
        ]
        assert sealed == 0
        for _instance_id, server_id, account_id in rows:
            kind = kind_of[account_id]
            sent = sim.request_count(
                kind, "POST", "^" + REBOOT_PATH[kind].format(id=server_id) + "$"
            )
            assert sent == (2 if str(server_id) in refused else 1), (kind, server_id, sent)
        for kind in set(ACCOUNTS):
            assert sim.request_count(kind, "POST", f"^{CREATE_PATH[kind]}$") == 0

        sweeps = _sweeps(logs)
        by_account: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for sweep in sweeps:
            by_account[sweep["account"]].append(sweep)
        assert set(by_account) == {str(offer.account.id) for offer in offers}
        for account, account_sweeps in by_account.items():
            account_sweeps.sort(key=lambda sweep: sweep["started_at"])
            for earlier, later in itertools.pairwise(account_sweeps):
                ended = earlier["started_at"] + earlier["duration_s"]
                assert later["started_at"] >= ended - 0.002, (account, earlier, later)
        # Four accounts, two workers: each swept (and so held) accounts of its own.
        assert len({sweep["worker"] for sweep in sweeps}) == 2
        print(
            f"\n{creates} creates in {created_in:.1f}s, {servers} reboots in {rebooted_in:.1f}s; "
            f"{len(sweeps)} sweeps by {len({s['worker'] for s in sweeps})} workers, no overlap"
        )
