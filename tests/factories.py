"""Plain factory functions for tests. No magic: each makes rows and returns them."""

from __future__ import annotations

import itertools
import uuid
from datetime import timedelta
from decimal import Decimal
from typing import Any

from httpx import AsyncClient
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from tests.instances.support import Offer, deploy_body, pick_image, wait_for_status
from vpspanel.auth.models import User, UserRole
from vpspanel.auth.service import create_user as service_create_user
from vpspanel.catalog.models import VpsPlan
from vpspanel.db.types import utcnow
from vpspanel.instances.models import VpsInstance
from vpspanel.organizations.models import Organization
from vpspanel.provider_accounts.models import ServiceProvider
from vpspanel.state import AppState
from vpspanel.worker.runner import Worker

DEFAULT_PASSWORD = "correct horse battery"
_sequence = itertools.count(1)


async def create_user(
    session: AsyncSession,
    *,
    email: str | None = None,
    password: str = DEFAULT_PASSWORD,
    role: UserRole = UserRole.CUSTOMER,
    name: str = "Test User",
) -> tuple[User, Organization]:
    email = email or f"user{next(_sequence)}@example.com"
    return await service_create_user(session, email=email, password=password, name=name, role=role)


async def create_committed_user(state: AppState, **kwargs: Any) -> tuple[User, Organization]:
    async with state.sessionmaker() as session, session.begin():
        return await create_user(session, **kwargs)


async def login(client: AsyncClient, email: str, password: str = DEFAULT_PASSWORD) -> str:
    response = await client.post("/api/auth/login", json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    client.cookies.clear()
    token: str = response.json()["access_token"]
    return token


async def signed_in_headers(
    state: AppState, client: AsyncClient, *, role: UserRole = UserRole.CUSTOMER
) -> tuple[dict[str, str], User, Organization]:
    """A committed user of the given role and bearer headers for them."""
    user, organization = await create_committed_user(state, role=role)
    token = await login(client, user.email)
    return {"Authorization": f"Bearer {token}"}, user, organization


async def running_instance(
    client: AsyncClient,
    headers: dict[str, str],
    offer: Offer,
    worker: Worker,
    *,
    image: str | None = None,
    max_steps: int = 200,
    **overrides: Any,
) -> dict[str, Any]:
    """A server of `offer` deployed through the API (`POST /api/vps` with `deploy_body`, its
    fields replaced by `overrides`; the plan's usual image unless `image` is given), after
    driving `worker` until the API shows it running. Returns the API's `instance` object."""
    if image is None:
        image = await pick_image(client, headers, offer.small.id, offer.setup.image_distribution)
    created = await client.post(
        "/api/vps", json=deploy_body(offer, image, **overrides), headers=headers
    )
    assert created.status_code == 201, created.text
    return await wait_for_status(
        client, headers, created.json()["instance"]["id"], "running", worker, max_steps=max_steps
    )


async def seed_running_servers(
    state: AppState, organization: Organization, count: int
) -> list[uuid.UUID]:
    """`count` running servers of `organization` on one plan of one unreachable Linode account,
    inserted in one statement (for request-path counts and benchmarks; newest first by index)."""
    account_id, plan_id = uuid.uuid4(), uuid.uuid4()
    ids = [uuid.uuid4() for _ in range(count)]
    now = utcnow()
    async with state.sessionmaker() as session, session.begin():
        session.add(
            ServiceProvider(
                id=account_id,
                name="Seeded account",
                type="linode",
                api_key_encrypted="never-decrypted",
                api_key_hint="…0000",
                api_base_url="http://127.0.0.1:9/",
                configuration={},
                active=True,
            )
        )
        await session.flush()
        session.add(
            VpsPlan(
                id=plan_id,
                provider_id=account_id,
                name="Standard 1GB",
                provider_plan_id="g6-nanode-1",
                base_price=Decimal("5.00"),
                base_price_hourly=Decimal("0.0075"),
                markup_price=Decimal("2.00"),
                specifications={"vcpus": 1, "memory_mb": 1024, "disk_gb": 25, "regions": []},
                active=True,
            )
        )
        await session.flush()
        await session.execute(
            insert(VpsInstance),
            [
                {
                    "id": instance_id,
                    "organization_id": organization.id,
                    "plan_id": plan_id,
                    "provider_id": account_id,
                    "provider_instance_id": str(1000 + n),
                    "label": f"web{n}",
                    "status": "running",
                    "provider_status": "running",
                    "ip_address": f"10.{n // 65536}.{n // 256 % 256}.{n % 256}",
                    "region": "us-east",
                    "image": "linode/debian12",
                    # As a deploy records them: the label and the public id the catalog showed.
                    "configuration": {"region_label": "Newark, NJ", "public_region": "newark-nj"},
                    "created_at": now - timedelta(seconds=n),
                    "updated_at": now - timedelta(seconds=n),
                }
                for n, instance_id in enumerate(ids)
            ],
        )
    return ids
