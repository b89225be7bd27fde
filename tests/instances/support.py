"""Shared test helpers for servers, operations and the worker: provider accounts and plans
inserted as rows, deploy bodies, and ways to drive the worker deterministically."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from httpx import AsyncClient
from sqlalchemy import select

from vpspanel.catalog.models import VpsPlan, VpsPlanRegion
from vpspanel.instances.models import VpsInstance
from vpspanel.operations import deadlines, handoff
from vpspanel.operations.models import Operation
from vpspanel.operations.repository import OperationRepository
from vpspanel.provider_accounts.models import ServiceProvider
from vpspanel.providers.base import Provider
from vpspanel.security.secrets import key_hint, provider_key_context
from vpspanel.simulator.testing import SimulatorServer
from vpspanel.state import AppState
from vpspanel.storefront.regions import public_region_ids
from vpspanel.worker.runner import Worker

ROOT_PASS = "Canary-Root-Pass-7731!"
STRONG_PASS = "Another-Strong-Pass-42"
# The image a queued create names, per provider type (a public image of the simulator).
CREATE_IMAGES = {"linode": "linode/ubuntu24.04", "digitalocean": "ubuntu-22-04-x64"}
SSH_KEY = (
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIP71BkG4a7ZCR5AUhtgitpPEpM0sdYeoaf+6RD8hjKZf me@laptop"
)


@dataclass(frozen=True)
class ProviderSetup:
    type: str
    region: str
    region_label: str
    small: str  # upstream plan ids
    large: str
    small_specs: dict[str, int]
    large_specs: dict[str, int]
    image_distribution: str

    @property
    def public_region(self) -> str:
        """The region's id as customers see and send it (the catalog's public id)."""
        return public_region_ids([(self.region, self.region_label)])[self.region]


SETUPS = {
    "linode": ProviderSetup(
        "linode",
        "us-east",
        "Newark, NJ",
        "g6-nanode-1",
        "g6-standard-1",
        {"vcpus": 1, "memory": 1024, "disk": 25, "transfer": 1000},
        {"vcpus": 1, "memory": 2048, "disk": 50, "transfer": 2000},
        "Ubuntu",
    ),
    "digitalocean": ProviderSetup(
        "digitalocean",
        "nyc3",
        "New York 3",
        "s-1vcpu-1gb",
        "s-1vcpu-2gb",
        {"vcpus": 1, "memory": 1024, "disk": 25, "transfer": 1000},
        {"vcpus": 1, "memory": 2048, "disk": 50, "transfer": 2000},
        "Ubuntu",
    ),
}


def provider_url(sim: SimulatorServer, provider_type: str) -> str:
    return sim.linode_url if provider_type == "linode" else sim.digitalocean_url


async def create_account(
    state: AppState,
    sim: SimulatorServer,
    provider_type: str,
    *,
    token: str | None = None,
    active: bool = True,
    name: str = "Primary Account",
) -> tuple[ServiceProvider, str]:
    token = token or f"canary-api-key-{uuid.uuid4().hex}"
    account_id = uuid.uuid4()
    async with state.sessionmaker() as session, session.begin():
        account = ServiceProvider(
            id=account_id,
            name=name,
            type=provider_type,
            api_key_encrypted=state.secret_box.encrypt(
                token, context=provider_key_context(account_id)
            ),
            api_key_hint=key_hint(token),
            api_base_url=provider_url(sim, provider_type),
            configuration={},
            active=active,
        )
        session.add(account)
    return account, token


async def create_plan(
    state: AppState,
    account: ServiceProvider,
    *,
    provider_plan_id: str,
    specs: dict[str, int],
    regions: list[tuple[str, str, str]],
    name: str | None = None,
    base: str = "5.00",
    base_hourly: str = "0.0075",
    markup: str = "2.00",
    active: bool = True,
    region_prices: dict[str, tuple[str, str]] | None = None,
) -> VpsPlan:
    plan_id = uuid.uuid4()
    async with state.sessionmaker() as session, session.begin():
        plan = VpsPlan(
            id=plan_id,
            provider_id=account.id,
            name=name or f"Plan {provider_plan_id}",
            provider_plan_id=provider_plan_id,
            base_price=Decimal(base),
            base_price_hourly=Decimal(base_hourly),
            markup_price=Decimal(markup),
            specifications={**specs, "regions": [r[0] for r in regions]},
            active=active,
        )
        session.add(plan)
        await session.flush()
        for region_id, label, country in regions:
            monthly, hourly = (region_prices or {}).get(region_id, (base, base_hourly))
            session.add(
                VpsPlanRegion(
                    plan_id=plan_id,
                    region_id=region_id,
                    region_label=label,
                    country=country,
                    base_price_monthly=Decimal(monthly),
                    base_price_hourly=Decimal(hourly),
                )
            )
    return plan


@dataclass
class Offer:
    setup: ProviderSetup
    account: ServiceProvider
    token: str
    small: VpsPlan
    large: VpsPlan


async def create_offer(state: AppState, sim: SimulatorServer, provider_type: str) -> Offer:
    setup = SETUPS[provider_type]
    account, token = await create_account(state, sim, provider_type)
    region = [(setup.region, setup.region_label, "us")]
    small = await create_plan(
        state,
        account,
        provider_plan_id=setup.small,
        specs=setup.small_specs,
        regions=region,
        name="Standard 1GB",
    )
    large = await create_plan(
        state,
        account,
        provider_plan_id=setup.large,
        specs=setup.large_specs,
        regions=region,
        name="Standard 2GB",
        base="12.00",
        base_hourly="0.018",
    )
    return Offer(setup, account, token, small, large)


def provider_for(state: AppState, account: ServiceProvider) -> Provider:
    return state.providers.for_account(account)


async def servers_at_provider(state: AppState, account: ServiceProvider) -> list[Any]:
    """Every server of the account, through the provider's own list API."""
    return await provider_for(state, account).list_instances(tagged_only=False)


async def pick_image(
    client: AsyncClient, headers: dict[str, str], plan_id: uuid.UUID, distribution: str
) -> str:
    response = await client.get(f"/api/vps/images?plan={plan_id}", headers=headers)
    assert response.status_code == 200, response.text
    image_id: str = next(
        image["id"] for image in response.json()["images"] if image["distribution"] == distribution
    )
    return image_id


def deploy_body(offer: Offer, image: str, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "label": "web-1",
        "type": str(offer.small.id),
        "region": offer.setup.public_region,
        "image": image,
        "root_pass": ROOT_PASS,
        "ssh_keys": [SSH_KEY],
    }
    body.update(overrides)
    return body


def rebuild_body(provider_type: str, image: str, root_pass: str = STRONG_PASS) -> dict[str, str]:
    """A rebuild request: with a new root password only where the cloud can set one
    (DigitalOcean's rebuild keeps the old credentials and refuses a new password)."""
    if provider_type == "digitalocean":
        return {"image": image}
    return {"image": image, "root_pass": root_pass}


async def run_until_idle(worker: Worker, *, max_steps: int = 200) -> int:
    """Run worker steps until nothing is runnable; returns the number of steps."""
    for step in range(max_steps):
        if not await worker.run_once():
            return step
    raise AssertionError("the worker never became idle")


async def wait_for_status(
    client: AsyncClient,
    headers: dict[str, str],
    instance_id: str,
    wanted: str,
    worker: Worker,
    *,
    max_steps: int = 200,
) -> dict[str, Any]:
    """Drive the worker until the API shows `wanted` (and nothing transitional)."""
    for _ in range(max_steps):
        response = await client.get(f"/api/vps/{instance_id}", headers=headers)
        assert response.status_code == 200, response.text
        instance: dict[str, Any] = response.json()["instance"]
        if instance["status"] == wanted and not instance["is_transitional"]:
            return instance
        if not await worker.run_once() and instance["status"] != wanted:
            # Nothing runnable: the operation may be waiting for its run_after.
            await asyncio.sleep(0.01)
    raise AssertionError(f"{instance_id} never reached {wanted}: {instance}")


async def operations_of(state: AppState, instance_id: str) -> list[Operation]:
    async with state.sessionmaker() as session:
        rows = await session.scalars(
            select(Operation)
            .where(Operation.instance_id == uuid.UUID(instance_id))
            .order_by(Operation.created_at)
        )
        return list(rows.all())


async def queue_sealed_creates(
    state: AppState, offer: Offer, organization_id: uuid.UUID, count: int, *, label: str
) -> None:
    """`count` deploys accepted as the API records them (instance row, queued create, sealed
    root password), labelled `<label>-<n>`, for a worker to run."""
    now = state.clock()
    async with state.sessionmaker() as session, session.begin():
        for number in range(count):
            instance = VpsInstance(
                id=uuid.uuid4(),
                organization_id=organization_id,
                plan_id=offer.small.id,
                provider_id=offer.account.id,
                label=f"{label}-{number}",
                status="pending",
                region=offer.setup.region,
                image="ubuntu",
                progress=0,
                configuration={"region_label": "r", "ssh_keys": [SSH_KEY]},
                created_at=now,
                updated_at=now,
            )
            session.add(instance)
            await session.flush()
            operation = OperationRepository(session).add(
                instance_id=instance.id,
                type="create",
                now=now,
                payload={
                    "provider_plan_id": offer.setup.small,
                    "provider_image_id": CREATE_IMAGES[offer.setup.type],
                },
            )
            handoff.seal(
                state.secret_box,
                operation,
                STRONG_PASS,
                expires_at=now + deadlines.timeout_for("create"),
            )
