"""Bulk deploys against the simulator: how close to the providers' own limits do we run?

100 deploys of one account with one SSH key, on each provider, are queued at once (as the API
accepts them) and the worker runs with its production concurrency. We measure:
- time to all running, against the create limit's theoretical minimum for the same run: the
  windows the provider's documented create budget needs for N creates, plus the simulator's
  provisioning time (the ratio is what matters; 1.00 is the provider's limit itself);
- how long each server showed `provisioning` after the provider had it running (its lag),
  against the poll interval;
- SSH key requests and status polls the provider received.

Run from the repository root: `uv run python -m bench.bulk_deploys` (SQLite in a temporary
directory; about a minute). The simulator runs in its own process (`vpspanel simulator` on a
free port), so that its CPU is not counted against the worker; `--in-process` runs it on a
thread of the bench's process instead, as the tests do. Limits are scaled down from the real
windows so it runs in seconds: Linode's 10 creates per 30 s become 10 per 3 s; DigitalOcean
keeps its real 250 requests per minute (100 creates fit in one window, as in production).
It reuses the test suite's fixtures for rows (a customer, an account, a plan).
"""

from __future__ import annotations

import argparse
import asyncio
import math
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Self

import httpx
from pydantic import SecretStr
from sqlalchemy import select
from tests.factories import create_committed_user
from tests.instances.support import SSH_KEY, STRONG_PASS, create_offer

from vpspanel.config import Environment, Settings
from vpspanel.db.migrate import upgrade_engine
from vpspanel.gc_tuning import tune_for_serving
from vpspanel.instances.models import VpsInstance
from vpspanel.logging import configure_logging
from vpspanel.operations import deadlines, handoff
from vpspanel.operations.repository import OperationRepository
from vpspanel.provider_accounts.connect import ProviderConnector
from vpspanel.providers.http import RateLimits, close_shared_client
from vpspanel.providers.registry import default_limits
from vpspanel.simulator.settings import Durations
from vpspanel.simulator.testing import SimulatorServer
from vpspanel.state import AppState
from vpspanel.worker.config import WorkerConfig
from vpspanel.worker.runner import Worker

# Creates per window the simulator allows (the provider's documented number) and the window.
LINODE_CREATES = (10, 3.0)
DIGITALOCEAN_BURST = (250, 60.0)
PROVISION_S = 4.0
POLL_INTERVAL_S = 1.0
WATCH_EVERY_S = 0.02


@dataclass
class BulkResult:
    provider: str
    count: int
    all_running_s: float
    minimum_s: float
    max_lag_s: float
    key_requests: int
    polls: int
    listings: int

    @property
    def ratio(self) -> float:
        return self.all_running_s / self.minimum_s

    def line(self) -> str:
        return (
            f"{self.provider:<12} {self.count} deploys: all running {self.all_running_s:6.2f} s,"
            f" create-limit minimum {self.minimum_s:6.2f} s, ratio {self.ratio:4.2f};"
            f" worst lag {self.max_lag_s:4.2f} s (poll interval {POLL_INTERVAL_S:g} s);"
            f" key requests {self.key_requests}; polls {self.polls}"
            f" ({self.listings} listings)"
        )


def configure(sim: SimulatorServer, provider: str, provision_s: float) -> float:
    """Set the simulator's limits for `provider`; the create limit's minimum per server count
    is returned as (creates, window)."""
    sim.configure(
        durations={"provision": provision_s},
        digitalocean_droplet_limit=1000,
        rate_limits={
            "linode": {"create": {"limit": LINODE_CREATES[0], "window_seconds": LINODE_CREATES[1]}},
            "digitalocean": {
                "burst": {"limit": DIGITALOCEAN_BURST[0], "window_seconds": DIGITALOCEAN_BURST[1]}
            },
        },
    )
    return provision_s


def create_limit_minimum(provider: str, count: int, provision_s: float) -> float:
    """The least time `count` creates can take under the documented create budget, plus the
    provisioning of the last one."""
    limit, window = LINODE_CREATES if provider == "linode" else DIGITALOCEAN_BURST
    return (math.ceil(count / limit) - 1) * window + provision_s


def scaled_limits() -> dict[str, RateLimits]:
    """The worker's budgets for the simulator's scaled limits (the same rule, shorter window)."""
    return {
        "linode": default_limits("linode").with_limit(
            "linode_create", max_requests=LINODE_CREATES[0], window_s=LINODE_CREATES[1]
        ),
        "digitalocean": default_limits("digitalocean").with_limit(
            "burst", max_requests=DIGITALOCEAN_BURST[0], window_s=DIGITALOCEAN_BURST[1]
        ),
    }


async def queue_deploys(
    state: AppState, sim: SimulatorServer, provider: str, count: int
) -> uuid.UUID:
    """`count` accepted deploys of one account and one SSH key, as the API records them;
    returns the account's id."""
    offer = await create_offer(state, sim, provider)
    user, organization = await create_committed_user(state)
    now = state.clock()
    async with state.sessionmaker() as session, session.begin():
        for number in range(count):
            instance = VpsInstance(
                id=uuid.uuid4(),
                organization_id=organization.id,
                user_id=user.id,
                plan_id=offer.small.id,
                provider_id=offer.account.id,
                label=f"bulk-{number}",
                status="pending",
                region=offer.setup.region,
                image="ubuntu",
                progress=0,
                configuration={
                    "region_label": "r",
                    "provider_image_id": "x",
                    "ssh_keys": [SSH_KEY],
                },
                created_at=now,
                updated_at=now,
            )
            session.add(instance)
            await session.flush()
            image = "linode/ubuntu24.04" if provider == "linode" else "ubuntu-24-04-x64"
            operation = OperationRepository(session).add(
                instance_id=instance.id,
                type="create",
                now=now,
                payload={"provider_plan_id": offer.setup.small, "provider_image_id": image},
            )
            handoff.seal(
                state.secret_box,
                operation,
                STRONG_PASS,
                expires_at=now + deadlines.timeout_for("create"),
            )
    return offer.account.id


async def bulk_deploy(
    state: AppState,
    sim: SimulatorServer,
    provider: str,
    *,
    count: int = 100,
    provision_s: float = PROVISION_S,
    config: WorkerConfig | None = None,
) -> BulkResult:
    """Queue `count` deploys, run a worker until all run, and measure (see the module doc)."""
    configure(sim, provider, provision_s)
    account_id = await queue_deploys(state, sim, provider, count)
    config = config or WorkerConfig(poll_interval_s=POLL_INTERVAL_S)
    worker = Worker(state, config=config)
    stop = asyncio.Event()
    started = time.monotonic()
    bound_at: dict[uuid.UUID, float] = {}
    running_at: dict[uuid.UUID, float] = {}
    run = asyncio.create_task(worker.run(stop))
    try:
        while len(running_at) < count:
            if time.monotonic() - started > 600:
                raise TimeoutError(f"{provider}: {len(running_at)} of {count} running after 600 s")
            async with state.read_sessionmaker() as session:
                rows = (
                    await session.execute(
                        select(
                            VpsInstance.id, VpsInstance.provider_instance_id, VpsInstance.status
                        ).where(VpsInstance.provider_id == account_id)
                    )
                ).all()
            seen = time.monotonic() - started
            for instance_id, provider_instance_id, status in rows:
                if provider_instance_id is not None:
                    bound_at.setdefault(instance_id, seen)
                if status == "running":
                    running_at.setdefault(instance_id, seen)
                elif status == "failed":
                    raise AssertionError(f"{provider}: a deploy failed")
            await asyncio.sleep(WATCH_EVERY_S)
    finally:
        stop.set()
        await run
    # The provider had a server running `provision_s` after answering its create (which we
    # see when the server is bound, a step's apply later): lag is what we add on top.
    lags = [running_at[i] - (bound_at[i] + provision_s) for i in running_at]
    keys = sim.request_count(provider, path=r"/account/keys.*")
    polls = sim.request_count(provider, "GET", r"/(linode/instances|droplets)(/[0-9]+)?")
    return BulkResult(
        provider=provider,
        count=count,
        all_running_s=max(running_at.values()),
        minimum_s=create_limit_minimum(provider, count, provision_s),
        max_lag_s=max(lags),
        key_requests=keys,
        polls=polls,
        listings=worker.polls.listings,
    )


class SimulatorProcess(SimulatorServer):
    """`vpspanel simulator` in a process of its own on a free port, driven through the same
    control API helpers as the in-process `SimulatorServer` (its `app` and `state` are unused).
    Every transition is instant unless configured, as with `SimulatorSettings.instant()`."""

    def __init__(self) -> None:
        super().__init__()
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> Self:
        with socket.socket() as sock:
            sock.bind((self._host, 0))
            port: int = sock.getsockname()[1]
        self._process = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "vpspanel"),
                "simulator",
                "--host",
                self._host,
                "--port",
                str(port),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + self._startup_timeout
        while True:
            try:
                httpx.get(f"http://{self._host}:{port}/_control/config", timeout=1)
                break
            except httpx.TransportError:
                if self._process.poll() is not None or time.monotonic() > deadline:
                    self._process.kill()
                    raise RuntimeError("the simulator process did not start") from None
                time.sleep(0.1)
        self._port = port
        self._client = httpx.Client(base_url=self.control_url, timeout=10.0)
        self.configure(durations=dict.fromkeys(Durations.model_fields, 0.0))
        return self

    def stop(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None
        if self._process is not None:
            self._process.terminate()
            self._process.wait(timeout=10)
            self._process = None
        self._port = None


async def _main(in_process: bool) -> None:
    simulator = SimulatorServer() if in_process else SimulatorProcess()
    with tempfile.TemporaryDirectory() as tmp, simulator as sim:
        settings = Settings(
            env=Environment.TEST,
            database_url=f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}",
            data_dir=Path(tmp),
            encryption_keys=[SecretStr("q0BTmBnGcrFqo7TbBbMrdY0sAKhW8rZzF9fQdx6uOQ4=")],
        )
        # The worker's own log lines would bury the results.
        configure_logging(json=False, level="WARNING")
        state = AppState.from_settings(settings)
        state.providers = ProviderConnector(state.secret_box, limits=scaled_limits())
        await upgrade_engine(state.engine)
        tune_for_serving()  # as `vpspanel worker` does
        try:
            for provider in ("linode", "digitalocean"):
                sim.reset()
                print((await bulk_deploy(state, sim, provider)).line(), flush=True)
        finally:
            await state.close()
            await close_shared_client()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--in-process", action="store_true", help="run the simulator on a thread of this process"
    )
    asyncio.run(_main(parser.parse_args().in_process))
