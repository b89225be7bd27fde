"""`vpspanel serve --demo`: the built-in simulator under /_sim and the seed's sample data.

On an empty database the demo creates an administrator (password printed once, or taken from
VPSPANEL_ADMIN_PASSWORD), "Primary Linode Account" and "Primary DigitalOcean Account" pointing at
the simulator, and a "Standard 1GB" plan on each with a markup of 2.00. The accounts and plans are
made through the same services the admin API uses, so the keys are verified and the prices come
from the (simulated) provider. That needs the server to be listening, so seeding runs as a task
that waits for it.

Restarts: the built-in simulator's clouds are kept in a file beside the database
(`simulator_state_path`, written by `vpspanel.simulator.persistence`), so the servers the database
knows still exist after Ctrl-C and `make run`; and each start points the demo accounts at the
simulator's current address, so a different `--port` works too.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import sys
from collections.abc import Awaitable, Callable
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit

import structlog
from sqlalchemy.engine import make_url

from vpspanel.auth.models import UserRole
from vpspanel.auth.repository import UserRepository
from vpspanel.auth.service import create_user
from vpspanel.catalog import service as plan_service
from vpspanel.catalog.repository import PlanRepository
from vpspanel.catalog.schemas import PlanCreateIn
from vpspanel.config import Settings
from vpspanel.provider_accounts import service as account_service
from vpspanel.provider_accounts.repository import ProviderAccountRepository
from vpspanel.provider_accounts.schemas import ProviderCreateIn
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
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


async def database_is_empty(state: AppState) -> bool:
    async with state.read_sessionmaker() as session:
        users = await UserRepository(session).count_all()
        providers = await ProviderAccountRepository(session).count_all()
    return not users and not providers


def simulator_state_path(settings: Settings) -> Path:
    """Where the demo keeps its simulator's clouds: beside a SQLite database
    (`data/vpspanel.db` → `data/vpspanel-simulator.json`), else in the data directory."""
    url = make_url(settings.database_url)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        database = Path(url.database)
        return database.with_name(f"{database.stem}-simulator.json")
    return settings.data_dir / "vpspanel-simulator.json"


async def repoint_demo_accounts(state: AppState, simulator_url: str) -> int:
    """Point the demo's provider accounts at the simulator this server mounts now (the port may
    have changed since they were made). Only accounts whose URL is a local `/_sim/…` URL for
    their demo path are touched; returns how many changed."""
    changed = 0
    async with state.sessionmaker() as session, session.begin():
        accounts = ProviderAccountRepository(session)
        for _name, provider_type, path, _token, _plan in DEMO_ACCOUNTS:
            current_url = f"{simulator_url}/{path}"
            for account in await accounts.list_of_type(provider_type):
                if account.api_base_url != current_url and _is_local_demo_url(
                    account.api_base_url, path
                ):
                    account.api_base_url = current_url
                    changed += 1
        await accounts.flush()
    if changed:
        log.info("demo_accounts_repointed", accounts=changed, simulator_url=simulator_url)
    return changed


def _is_local_demo_url(url: str | None, path: str) -> bool:
    if not url:
        return False
    parsed = urlsplit(url)
    return parsed.hostname in LOCAL_HOSTS and parsed.path.rstrip("/") == f"{SIMULATOR_MOUNT}/{path}"


def _this_command() -> str:
    """How to run this installation's `vpspanel` from the current directory: the script beside
    this interpreter (`.venv/bin/vpspanel` under `make run`), which works whether or not uv is
    on PATH; `vpspanel` when it is not there."""
    script = Path(sys.executable).parent / "vpspanel"
    if not script.exists():
        return "vpspanel"
    try:
        return str(script.relative_to(Path.cwd()))
    except ValueError:
        return str(script)


async def seed_demo(state: AppState, public_url: str, simulator_url: str | None = None) -> None:
    """Create the sample data, retrying while the server is still starting. The simulator is
    reached at `simulator_url` (default: the one this server mounts under /_sim). On a database
    that already has data, point the demo accounts at that simulator and say how to sign in."""
    simulator_url = simulator_url or public_url + SIMULATOR_MOUNT
    if not await database_is_empty(state):
        log.info("demo_data_present")
        await repoint_demo_accounts(state, simulator_url)
        # The password was printed once, at the first start; it is not stored anywhere readable.
        print(
            f"\n  Demo admin: {DEMO_ADMIN_EMAIL} (password shown at the first start)\n"
            f"  Lost it? Run: {_this_command()} reset-password --email {DEMO_ADMIN_EMAIL}\n"
            f"  API docs:   {public_url}/docs\n",
            flush=True,
        )
        return
    password = os.environ.get("VPSPANEL_ADMIN_PASSWORD") or secrets.token_urlsafe(12)
    if not await _while_starting(lambda: _seed_accounts(state, simulator_url)):
        return
    if not await _while_starting(lambda: _seed_plans(state)):
        return
    # Last, so that signing in works only once the demo is complete.
    async with state.sessionmaker() as session, session.begin():
        await create_user(
            session,
            email=DEMO_ADMIN_EMAIL,
            password=password,
            name="Demo Admin",
            role=UserRole.ADMIN,
        )
    log.info("demo_data_created", accounts=len(DEMO_ACCOUNTS))
    if "VPSPANEL_ADMIN_PASSWORD" not in os.environ:
        # Printed once, to the console only: this is the demo's whole point of entry.
        print(
            f"\n  Demo admin: {DEMO_ADMIN_EMAIL}  password: {password}\n"
            f"  API docs:   {public_url}/docs\n",
            flush=True,
        )


async def _while_starting(step: Callable[[], Awaitable[None]]) -> bool:
    """Run `step` until the simulator answers it (every 0.2 s, 50 times at most: this server
    may still be starting). False, logged, when it never did."""
    for _attempt in range(50):
        try:
            await step()
            return True
        except ProviderUnavailable:
            await asyncio.sleep(0.2)
    log.error("demo_seed_failed", reason="the simulator did not answer")
    return False


async def _seed_accounts(state: AppState, simulator_url: str) -> None:
    """The demo's provider accounts, in one transaction."""
    async with state.sessionmaker() as session, session.begin():
        for name, provider_type, path, token, _plan_id in DEMO_ACCOUNTS:
            await account_service.create(
                session,
                state,
                ProviderCreateIn.model_validate(
                    {
                        "name": name,
                        "type": provider_type,
                        "api_key": token,
                        "api_base_url": f"{simulator_url}/{path}",
                    }
                ),
            )


async def _seed_plans(state: AppState) -> None:
    """A plan on each demo account that has none yet, each in its own transaction: creating a
    plan reads the account's upstream catalog, which must happen with no connection held."""
    for name, _provider_type, _path, _token, plan_id in DEMO_ACCOUNTS:
        async with state.read_sessionmaker() as read:
            account = await ProviderAccountRepository(read).get_by_name(name)
            has_plan = (
                account is not None and await PlanRepository(read).count_of_account(account.id) > 0
            )
        if account is None or has_plan:
            continue
        driver = state.providers.for_account(account)
        upstream_plan = next(p for p in await driver.list_plans() if p.id == plan_id)
        regions = [
            region.id
            for region in await driver.list_regions()
            if region.available
            and (upstream_plan.regions is None or region.id in upstream_plan.regions)
        ][:MAX_REGIONS_PER_PLAN]
        async with state.sessionmaker() as session, session.begin():
            await plan_service.create(
                session,
                state,
                PlanCreateIn(
                    provider_id=account.id,
                    provider_plan_id=plan_id,
                    name=DEMO_PLAN_NAME,
                    markup_price=DEMO_MARKUP,
                    regions=regions,
                ),
            )
