"""Helpers for the organization tests: an owner, a member of the owner's organization."""

from __future__ import annotations

from dataclasses import dataclass

from httpx import AsyncClient

from tests.factories import create_committed_user, login
from vpspanel.auth.models import User
from vpspanel.organizations.models import Membership, Organization
from vpspanel.state import AppState


@dataclass
class Person:
    user: User
    headers: dict[str, str]


async def person(
    state: AppState, client: AsyncClient, **kwargs: str
) -> tuple[Person, Organization]:
    """A committed user (owner of their own organization) with bearer headers."""
    user, organization = await create_committed_user(state, **kwargs)
    token = await login(client, user.email)
    return Person(user=user, headers={"Authorization": f"Bearer {token}"}), organization


async def join(state: AppState, user: User, organization: Organization, role: str) -> None:
    async with state.sessionmaker() as session, session.begin():
        session.add(Membership(user_id=user.id, organization_id=organization.id, role=role))


async def owner_and_member(
    state: AppState, client: AsyncClient
) -> tuple[Person, Person, Organization]:
    owner, organization = await person(state, client)
    member, _ = await person(state, client)
    await join(state, member.user, organization, "member")
    return owner, member, organization
