"""The admin's view of customers: users (suspend, unsuspend), organizations (server limits)
and the panel's settings. No commits here: the request owns the transaction."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from vpspanel.auth import signup_settings as panel
from vpspanel.auth.api_token_repository import ApiTokenRepository
from vpspanel.auth.models import User
from vpspanel.auth.repository import SessionRepository
from vpspanel.customers.repository import CustomerRepository
from vpspanel.customers.schemas import (
    CustomerOrganizationList,
    CustomerOrganizationOut,
    CustomerUserList,
    CustomerUserOut,
    PanelSettingsOut,
    PanelSettingsPatch,
    UserOrganizationOut,
)
from vpspanel.db.types import utcnow
from vpspanel.errors import Conflict, NotFound
from vpspanel.organizations.models import Organization


async def _users_out(session: AsyncSession, users: Sequence[User]) -> list[CustomerUserOut]:
    repository = CustomerRepository(session)
    user_ids = [user.id for user in users]
    memberships = await repository.memberships_of(user_ids)
    organization_ids = [org.id for found in memberships.values() for org, _ in found]
    org_servers = await repository.servers_by_organization(organization_ids)
    user_servers = await repository.servers_by_user(user_ids)
    return [
        CustomerUserOut(
            id=user.id,
            email=user.email,
            name=user.name,
            role=user.role,
            active=user.active,
            created_at=user.created_at,
            server_count=user_servers.get(user.id, 0),
            organizations=[
                UserOrganizationOut(
                    id=org.id,
                    name=org.name,
                    role=role,
                    server_count=org_servers.get(org.id, 0),
                    server_limit=org.server_limit,
                )
                for org, role in memberships[user.id]
            ],
        )
        for user in users
    ]


async def list_users(
    session: AsyncSession, *, search: str | None, page: int, per_page: int
) -> CustomerUserList:
    users, total = await CustomerRepository(session).users_page(
        search=search, page=page, per_page=per_page
    )
    return CustomerUserList(
        users=await _users_out(session, users), total=total, page=page, per_page=per_page
    )


async def get_user(session: AsyncSession, user_id: uuid.UUID) -> CustomerUserOut:
    user = await CustomerRepository(session).get_user(user_id)
    if user is None:
        raise NotFound("User not found.")
    return (await _users_out(session, [user]))[0]


async def set_user_active(
    session: AsyncSession, admin: User, user_id: uuid.UUID, *, active: bool
) -> CustomerUserOut:
    """Suspend (`active=False`) or unsuspend a user. Raises NotFound (404) for an unknown id and
    Conflict (409 `cannot_suspend_self`) when an admin would suspend themselves. While
    suspended, the user's sessions and API tokens are refused with 401 `suspended`
    (auth/deps.py); lifting the suspension revokes them all, so the person signs in again and
    nothing issued before the suspension comes back."""
    user = await CustomerRepository(session).get_user(user_id, for_update=True)
    if user is None:
        raise NotFound("User not found.")
    if user.id == admin.id and not active:
        raise Conflict("You cannot suspend your own account.", code="cannot_suspend_self")
    if active and not user.active:
        await SessionRepository(session).revoke_all_of(user.id, utcnow())
        await ApiTokenRepository(session).delete_all_of(user.id)
    user.active = active
    await session.flush()
    return (await _users_out(session, [user]))[0]


async def _organizations_out(
    session: AsyncSession, organizations: Sequence[Organization]
) -> list[CustomerOrganizationOut]:
    repository = CustomerRepository(session)
    ids = [org.id for org in organizations]
    servers = await repository.servers_by_organization(ids)
    members = await repository.members_by_organization(ids)
    return [
        CustomerOrganizationOut(
            id=org.id,
            name=org.name,
            created_at=org.created_at,
            member_count=members.get(org.id, 0),
            server_count=servers.get(org.id, 0),
            server_limit=org.server_limit,
        )
        for org in organizations
    ]


async def list_organizations(
    session: AsyncSession, *, search: str | None, page: int, per_page: int
) -> CustomerOrganizationList:
    organizations, total = await CustomerRepository(session).organizations_page(
        search=search, page=page, per_page=per_page
    )
    return CustomerOrganizationList(
        organizations=await _organizations_out(session, organizations),
        total=total,
        page=page,
        per_page=per_page,
    )


async def set_server_limit(
    session: AsyncSession, organization_id: uuid.UUID, server_limit: int | None
) -> CustomerOrganizationOut:
    """Set (or with None remove) an organization's server limit; raises NotFound (404)."""
    organization = await CustomerRepository(session).get_organization(organization_id)
    if organization is None:
        raise NotFound("Organization not found.")
    organization.server_limit = server_limit
    await session.flush()
    return (await _organizations_out(session, [organization]))[0]


def _settings_out(found: panel.SignupSettings) -> PanelSettingsOut:
    return PanelSettingsOut(
        registration=found.registration, default_server_limit=found.default_server_limit
    )


async def get_settings(session: AsyncSession) -> PanelSettingsOut:
    return _settings_out(await panel.panel_settings(session))


async def update_settings(session: AsyncSession, body: PanelSettingsPatch) -> PanelSettingsOut:
    return _settings_out(
        await panel.update_panel_settings(
            session,
            registration=body.registration,
            default_server_limit=body.default_server_limit,
            set_default_server_limit="default_server_limit" in body.model_fields_set,
        )
    )
