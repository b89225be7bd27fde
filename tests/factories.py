"""Plain factory functions for tests. No magic: each makes rows and returns them."""

from __future__ import annotations

import itertools
from typing import Any

from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from vpspanel.auth.models import User, UserRole
from vpspanel.auth.service import create_user as service_create_user
from vpspanel.organizations.models import Organization
from vpspanel.state import AppState

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
