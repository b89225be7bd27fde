"""`vpspanel serve --demo`: the built-in simulator under /_sim and the seed's sample data.

On an empty database the demo creates an administrator (password printed once, or taken from
VPSPANEL_ADMIN_PASSWORD), "Primary Linode Account" and "Primary DigitalOcean Account" pointing at
the simulator, and a "Standard 1GB" plan on each with a markup of 2.00. The accounts and plans are
made through the same services the admin API uses, so the keys are verified and the prices come
from the (simulated) provider. That needs the server to be listening, so seeding runs as a task
that waits for it.
"""

from __future__ import annotations

import asyncio
import os
import secrets
from decimal import Decimal

import structlog
from sqlalchemy import func, select

from vpspanel.auth.models import User, UserRole
from vpspanel.auth.service import create_user
from vpspanel.catalog.schemas import PlanCreateIn
from vpspanel.catalog.service import PlanService
from vpspanel.provider_accounts.models import ServiceProvider
from vpspanel.provider_accounts.schemas import ProviderCreateIn
from vpspanel.provider_accounts.service import ProviderAccountService
from vpspanel.providers.errors import ProviderUnavailable
from vpspanel.state import AppState

log = structlog.get_logger(__name__)

SIMULATOR_MOUNT = "/_sim"
DEMO_ADMIN_EMAIL = "admin@example.com"
DEMO_MARKUP = Decimal("2.00")
DEMO_PLAN_NAME = "Standard 1GB"
# (account name, type, simulator path, token, upstream plan): each token is its own account.
DEMO_ACCOUNTS = (
    ("Primary Linode Account", "linode", "linode/v4", "demo-linode-account", "g6-nanode-1"),
    (
        "Primary DigitalOcean Account",
        "digitalocean",
        "digitalocean/v2",
        "demo-digitalocean-account",
        "s-1vcpu-1gb",
    ),
)
MAX_REGIONS_PER_PLAN = 6


async def database_is_empty(state: AppState) -> bool:
    async with state.read_sessionmaker() as session:
        users = await session.scalar(select(func.count()).select_from(User))
        providers = await session.scalar(select(func.count()).select_from(ServiceProvider))
    return not users and not providers


async def seed_demo(state: AppState, public_url: str, simulator_url: str | None = None) -> None:
    """Create the sample data, retrying while the server is still starting. The simulator is
    reached at `simulator_url` (default: the one this server mounts under /_sim)."""
    simulator_url = simulator_url or public_url + SIMULATOR_MOUNT
    if not await database_is_empty(state):
        log.info("demo_data_present")
        return
    password = os.environ.get("VPSPANEL_ADMIN_PASSWORD") or secrets.token_urlsafe(12)
    for _attempt in range(50):
        try:
            await _seed(state, simulator_url, password)
            break
        except ProviderUnavailable:
            await asyncio.sleep(0.2)
    else:
        log.error("demo_seed_failed", reason="the simulator did not answer")
        return
    if "VPSPANEL_ADMIN_PASSWORD" not in os.environ:
        # Printed once, to the console only: this is the demo's whole point of entry.
        print(
            f"\n  Demo admin: {DEMO_ADMIN_EMAIL}  password: {password}\n"
            f"  API docs:   {public_url}/docs\n",
            flush=True,
        )


async def _seed(state: AppState, simulator_url: str, admin_password: str) -> None:
    async with state.sessionmaker() as session, session.begin():
        accounts = ProviderAccountService(session, state)
        plans = PlanService(session, state)
        for name, provider_type, path, token, plan_id in DEMO_ACCOUNTS:
            base_url = f"{simulator_url}/{path}"
            driver = state.providers.for_key(provider_type, token, base_url)
            upstream_plan = next(p for p in await driver.list_plans() if p.id == plan_id)
            regions = [
                region.id
                for region in await driver.list_regions()
                if region.available
                and (upstream_plan.regions is None or region.id in upstream_plan.regions)
            ][:MAX_REGIONS_PER_PLAN]
            account = await accounts.create(
                ProviderCreateIn.model_validate(
                    {
                        "name": name,
                        "type": provider_type,
                        "api_key": token,
                        "api_base_url": base_url,
                    }
                )
            )
            await plans.create(
                PlanCreateIn(
                    provider_id=account.id,
                    provider_plan_id=plan_id,
                    name=DEMO_PLAN_NAME,
                    markup_price=DEMO_MARKUP,
                    regions=regions,
                )
            )
        await create_user(
            session,
            email=DEMO_ADMIN_EMAIL,
            password=admin_password,
            name="Demo Admin",
            role=UserRole.ADMIN,
        )
    log.info("demo_data_created", accounts=len(DEMO_ACCOUNTS))
