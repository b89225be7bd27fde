"""Admin API: provider accounts (`/api/admin/providers`)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Response, status

from vpspanel.auth.deps import AdminUser
from vpspanel.deps import SessionDep, StateDep
from vpspanel.provider_accounts import service
from vpspanel.provider_accounts.models import ServiceProvider
from vpspanel.provider_accounts.schemas import (
    ApiKeyRotateIn,
    ProviderCreateIn,
    ProviderEnvelope,
    ProviderOut,
    ProvidersOut,
    ProviderStatusOut,
    ProviderTestOut,
    ProviderUpdateIn,
    ServerLimitOut,
)
from vpspanel.provider_accounts.service import key_expiring_soon
from vpspanel.state import AppState

router = APIRouter(prefix="/api/admin/providers", tags=["admin: providers"])

ProviderAccountId = Annotated[uuid.UUID, Path(description="The provider account id.")]


def provider_out(account: ServiceProvider, state: AppState) -> ProviderOut:
    return ProviderOut(
        id=account.id,
        name=account.name,
        type=account.type,
        configuration=account.configuration,
        active=account.active,
        api_base_url=account.api_base_url,
        cloud_account_id=account.cloud_account_id,
        api_key_hint=account.api_key_hint,
        key_rotated_at=account.key_rotated_at,
        key_expires_at=account.key_expires_at,
        key_expiring_soon=key_expiring_soon(account, state.clock()),
        status=ProviderStatusOut(
            ok=account.status_ok,
            checked_at=account.status_checked_at,
            error=account.status_error,
            since=account.status_since,
            failures=account.status_failures or 0,
            next_attempt_at=account.status_next_attempt_at,
        ),
        server_limit=(
            ServerLimitOut(
                limit=account.server_limit,
                used=account.servers_held,
                checked_at=account.server_limit_checked_at,
            )
            if account.server_limit is not None
            and account.servers_held is not None
            and account.server_limit_checked_at is not None
            else None
        ),
        created_at=account.created_at,
        updated_at=account.updated_at,
    )


@router.get("", summary="All provider accounts")
async def list_providers(_admin: AdminUser, session: SessionDep, state: StateDep) -> ProvidersOut:
    accounts = await service.list_all(session)
    return ProvidersOut(providers=[provider_out(account, state) for account in accounts])


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Connect a provider account (the key is verified)",
)
async def create_provider(
    body: ProviderCreateIn, _admin: AdminUser, session: SessionDep, state: StateDep
) -> ProviderEnvelope:
    account = await service.create(session, state, body)
    return ProviderEnvelope(provider=provider_out(account, state))


@router.get("/{provider_id}", summary="One provider account")
async def get_provider(
    provider_id: ProviderAccountId, _admin: AdminUser, session: SessionDep, state: StateDep
) -> ProviderEnvelope:
    account = await service.get(session, provider_id)
    return ProviderEnvelope(provider=provider_out(account, state))


@router.patch("/{provider_id}", summary="Change a provider account's settings")
async def update_provider(
    provider_id: ProviderAccountId,
    body: ProviderUpdateIn,
    _admin: AdminUser,
    session: SessionDep,
    state: StateDep,
) -> ProviderEnvelope:
    account = await service.update(session, state, provider_id, body)
    return ProviderEnvelope(provider=provider_out(account, state))


@router.post(
    "/{provider_id}/api-key",
    summary="Replace a provider account's API key",
    name="rotate_provider_api_key",
)
async def rotate_api_key(
    provider_id: ProviderAccountId,
    body: ApiKeyRotateIn,
    _admin: AdminUser,
    session: SessionDep,
    state: StateDep,
) -> ProviderEnvelope:
    account = await service.rotate_key(
        session,
        state,
        provider_id,
        body.api_key,
        body.expires_at,
        allow_account_change=body.allow_account_change,
    )
    return ProviderEnvelope(provider=provider_out(account, state))


@router.post("/{provider_id}/test", summary="Check a provider account's key and permissions")
async def test_provider(
    provider_id: ProviderAccountId, _admin: AdminUser, session: SessionDep, state: StateDep
) -> ProviderTestOut:
    return await service.test(session, state, provider_id)


@router.delete(
    "/{provider_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a provider account no server uses",
)
async def delete_provider(
    provider_id: ProviderAccountId, _admin: AdminUser, session: SessionDep
) -> Response:
    await service.delete(session, provider_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
