"""Provider accounts: connecting, configuring, testing, rotating keys, removing.

Rules:
- A key is checked at the provider before anything is saved, and refused when it lacks a
  permission we need (the missing one is named). The key is stored only encrypted, bound to the
  account id, and never returned, logged or put in an error.
- `configuration` holds only the seed's keys; type-specific flags are refused for the other type;
  `allowed_regions` must be real regions of the provider.
- A stored key is only ever sent to the URL it was entered for: changing `api_base_url` needs the
  key again in the same request (422 `api_key_required`), checked at the new URL.
- A new key (rotation, or with a new URL) must belong to the same cloud account as the old one,
  since the account's servers live there: another account is 422 `different_account`, unless no
  server is live and the request says `allow_account_change`.
- At most one account per type has `configuration.default = true`: a second one is refused with
  409 `default_provider_exists` (unset the old default first). Refusing rather than silently
  moving the flag keeps an admin from changing which account serves new customers by accident.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from vpspanel.errors import Conflict, NotFound, ValidationFailed
from vpspanel.provider_accounts import health
from vpspanel.provider_accounts.models import ServiceProvider
from vpspanel.provider_accounts.repository import ProviderAccountRepository
from vpspanel.provider_accounts.schemas import (
    AccountOut,
    PermissionsOut,
    ProviderConfiguration,
    ProviderCreateIn,
    ProviderTestOut,
    ProviderUpdateIn,
    UpstreamRegion,
)
from vpspanel.provider_accounts.upstream import UpstreamCatalog, fetch_regions
from vpspanel.provider_errors import admin_error, admin_text, key_error, missing_permissions_text
from vpspanel.providers import errors as perr
from vpspanel.providers.base import Provider
from vpspanel.providers.types import VerifyResult
from vpspanel.security.secrets import key_hint, provider_key_context
from vpspanel.state import AppState

log = structlog.get_logger(__name__)

KEY_EXPIRY_WARNING = timedelta(days=14)
# Configuration flags that only one provider type understands.
TYPE_ONLY_FLAGS = {
    "private_ip_enabled": "linode",
    "ipv6_enabled": "digitalocean",
    "vpc_enabled": "digitalocean",
}
_TYPE_NAMES = {"linode": "Linode", "digitalocean": "DigitalOcean"}


def key_expiring_soon(account: ServiceProvider, now: datetime) -> bool:
    """The key expires within 14 days (or has expired)."""
    return account.key_expires_at is not None and account.key_expires_at - now <= KEY_EXPIRY_WARNING


def _url(value: object | None) -> str | None:
    return str(value).rstrip("/") if value is not None else None


async def list_all(session: AsyncSession) -> Sequence[ServiceProvider]:
    return await ProviderAccountRepository(session).list_all()


async def get(
    session: AsyncSession, provider_id: uuid.UUID, *, for_update: bool = False
) -> ServiceProvider:
    account = await ProviderAccountRepository(session).get(provider_id, for_update=for_update)
    if account is None:
        raise NotFound("Provider account not found.")
    return account


async def create(session: AsyncSession, state: AppState, body: ProviderCreateIn) -> ServiceProvider:
    base_url = _url(body.api_base_url)
    provider = state.providers.for_key(body.type, body.api_key, base_url)
    verified = await _verify_usable(provider)
    configuration = body.configuration or ProviderConfiguration()
    regions: list[UpstreamRegion] | None = None
    if configuration.allowed_regions is not None:
        regions = await _fetch_regions(provider)
    account_id = uuid.uuid4()
    now = state.clock()
    account = ServiceProvider(
        id=account_id,
        name=body.name,
        type=body.type,
        api_key_encrypted=state.secret_box.encrypt(
            body.api_key, context=provider_key_context(account_id)
        ),
        api_key_hint=key_hint(body.api_key),
        key_rotated_at=None,
        key_expires_at=body.key_expires_at,
        api_base_url=base_url,
        cloud_account_id=verified.account.cloud_account_id,
        configuration={},
        active=True,
        status_ok=True,
        status_checked_at=now,
        status_since=now,
        status_error=None,
    )
    _record_server_limit(account, verified, now)
    account.configuration = await _checked_configuration(
        session, account, configuration, known_regions=regions
    )
    ProviderAccountRepository(session).add(account)
    await ProviderAccountRepository(session).flush()
    if regions is not None:
        await UpstreamCatalog(state).seed(session, account, "regions", list(regions))
    log.info("provider_account_created", provider_id=str(account_id), type=body.type)
    return account


async def update(
    session: AsyncSession, state: AppState, provider_id: uuid.UUID, body: ProviderUpdateIn
) -> ServiceProvider:
    """Raises ValidationFailed (422): `api_key_required` when `api_base_url` changes without
    `api_key`; `different_account` as for `rotate_key`; the key checks of create."""
    # The provider is asked first, with no transaction open; then the account is locked.
    known = await _read(state, provider_id)
    new_url = _url(body.api_base_url)
    moves = "api_base_url" in body.model_fields_set and new_url != known.api_base_url
    if moves and body.api_key is None:
        raise ValidationFailed.for_field(
            "api_key",
            "Send the API key again with a new api_base_url: a stored key is only ever sent "
            "to the address it was entered for.",
            code="api_key_required",
        )
    if body.api_key is not None and not moves:
        raise ValidationFailed.for_field(
            "api_key",
            "api_key goes with a new api_base_url only; to replace the key, use "
            f"POST /api/admin/providers/{provider_id}/api-key.",
        )
    regions: list[UpstreamRegion] | None = None
    verified: VerifyResult | None = None
    learned: str | None = None
    if moves and body.api_key is not None:
        learned = await _cloud_account_of(state, known)
        provider = state.providers.for_key(known.type, body.api_key, new_url)
        verified = await _verify_usable(provider)
        if body.configuration is not None and body.configuration.allowed_regions is not None:
            regions = await _fetch_regions(provider)
    elif body.configuration is not None and body.configuration.allowed_regions is not None:
        regions = (await UpstreamCatalog(state).regions(known)).items
    account = await get(session, provider_id, for_update=True)
    if body.name is not None:
        account.name = body.name
    if verified is not None and body.api_key is not None:
        await _check_same_account(session, account, learned, verified, body.allow_account_change)
        _store_key(state, account, body.api_key, verified)
        account.api_base_url = new_url
        await UpstreamCatalog(state).invalidate(session, account.id)
    if body.active is not None:
        account.active = body.active
    if body.configuration is not None:
        account.configuration = await _checked_configuration(
            session, account, body.configuration, known_regions=regions
        )
    await ProviderAccountRepository(session).flush()
    if moves and regions is not None:
        await UpstreamCatalog(state).seed(session, account, "regions", list(regions))
    return account


async def rotate_key(
    session: AsyncSession,
    state: AppState,
    provider_id: uuid.UUID,
    api_key: str,
    expires_at: datetime | None,
    *,
    allow_account_change: bool = False,
) -> ServiceProvider:
    """Replace the key after checking it at the provider. Raises ValidationFailed (422)
    `different_account` when it belongs to another cloud account than the stored key
    (unless `allow_account_change` and no server of this account is live), and the key
    checks of create."""
    known = await _read(state, provider_id)
    learned = await _cloud_account_of(state, known)
    provider = state.providers.for_key(known.type, api_key, known.api_base_url)
    verified = await _verify_usable(provider)
    account = await get(session, provider_id, for_update=True)
    await _check_same_account(session, account, learned, verified, allow_account_change)
    _store_key(state, account, api_key, verified)
    account.key_expires_at = expires_at
    await UpstreamCatalog(state).invalidate(session, account.id)
    await ProviderAccountRepository(session).flush()
    log.info("provider_key_rotated", provider_id=str(account.id))
    return account


def _store_key(
    state: AppState, account: ServiceProvider, api_key: str, verified: VerifyResult
) -> None:
    account.api_key_encrypted = state.secret_box.encrypt(
        api_key, context=provider_key_context(account.id)
    )
    account.api_key_hint = key_hint(api_key)
    account.cloud_account_id = verified.account.cloud_account_id
    now = state.clock()
    account.key_rotated_at = now
    # A key that just verified: background work may use the account again at once.
    health.mark_ok(account, now)
    _record_server_limit(account, verified, now)


async def _cloud_account_of(state: AppState, known: ServiceProvider) -> str | None:
    """The stored key's cloud account. Accounts connected before it was recorded are asked
    with the stored key at the stored URL (best effort: a revoked old key, the usual reason
    to rotate, leaves it unknown)."""
    if known.cloud_account_id is not None:
        return known.cloud_account_id
    try:
        result = await state.providers.for_account(known).verify()
    except perr.ProviderError:
        return None
    return result.account.cloud_account_id


async def _check_same_account(
    session: AsyncSession,
    account: ServiceProvider,
    learned: str | None,
    verified: VerifyResult,
    allow_account_change: bool,
) -> None:
    """`account` is locked; `learned` is what the old key said when none was stored."""
    stored = account.cloud_account_id or learned
    if stored is None or verified.account.cloud_account_id == stored:
        return
    live = await ProviderAccountRepository(session).count_live_instances(account.id)
    if allow_account_change and not live:
        log.info("provider_cloud_account_changed", provider_id=str(account.id))
        return
    if live:
        advice = (
            f"its {live} server(s) would no longer be reachable. Use a key of the same account."
        )
    else:
        advice = 'to switch accounts anyway, send "allow_account_change": true.'
    raise ValidationFailed.for_field(
        "api_key",
        "This key belongs to a different cloud account than the current one (or the provider "
        "did not say which): " + advice,
        code="different_account",
    )


async def test(session: AsyncSession, state: AppState, provider_id: uuid.UUID) -> ProviderTestOut:
    provider = state.providers.for_account(await _read(state, provider_id))
    started = time.perf_counter()
    result: VerifyResult | None = None
    error: str | None = None
    try:
        result = await provider.verify()
    except perr.ProviderError as exc:
        error = admin_text(exc)
    latency_ms = round((time.perf_counter() - started) * 1000)
    if result is not None and result.permissions.missing:
        error = missing_permissions_text(result.permissions.missing)
    account = await get(session, provider_id, for_update=True)
    if result is not None and account.cloud_account_id is None:
        account.cloud_account_id = result.account.cloud_account_id
    now = state.clock()
    if error is None:
        health.mark_ok(account, now)  # a passing test ends a backoff at once
    else:
        # The column holds 500 characters; a diagnosis names a host of up to 253.
        health.mark_failed(account, error, now)
    if result is not None:
        _record_server_limit(account, result, now)
    await ProviderAccountRepository(session).flush()
    return ProviderTestOut(
        ok=error is None,
        latency_ms=latency_ms,
        account=(
            AccountOut(
                id=result.account.provider_account_id,
                email=result.account.email,
                name=result.account.name,
                status=result.account.status,
            )
            if result
            else {}
        ),
        permissions=(
            PermissionsOut(
                read=result.permissions.read,
                write=result.permissions.write,
                scopes=result.permissions.scopes,
                missing=result.permissions.missing,
            )
            if result
            else PermissionsOut(read=False, write=None, scopes=[], missing=[])
        ),
        error=error,
    )


async def delete(session: AsyncSession, provider_id: uuid.UUID) -> None:
    account = await get(session, provider_id, for_update=True)
    if await ProviderAccountRepository(session).count_live_instances(account.id):
        raise Conflict(
            "This provider account still has servers. Delete them or deactivate the account.",
            code="provider_in_use",
        )
    # Its plans stay for history (provider_id becomes NULL) but can no longer be sold.
    await ProviderAccountRepository(session).deactivate_plans(account.id)
    await ProviderAccountRepository(session).detach_deleted_instances(account.id)
    await ProviderAccountRepository(session).delete(account)
    log.info("provider_account_deleted", provider_id=str(provider_id))


async def _read(state: AppState, provider_id: uuid.UUID) -> ServiceProvider:
    """The account read in a short session of its own: the provider is asked before the
    write transaction takes any lock (on SQLite, the database's only write lock)."""
    async with state.read_sessionmaker() as read:
        account = await ProviderAccountRepository(read).get(provider_id)
    if account is None:
        raise NotFound("Provider account not found.")
    return account


async def _fetch_regions(provider: Provider) -> list[UpstreamRegion]:
    try:
        return await fetch_regions(provider)
    except perr.ProviderError as exc:
        raise admin_error(exc) from None


# --- rules --------------------------------------------------------------------------------


async def _verify_usable(provider: Provider) -> VerifyResult:
    try:
        result = await provider.verify()
    except perr.ProviderError as exc:
        raise key_error(exc) from None
    if result.permissions.missing:
        raise ValidationFailed.for_field(
            "api_key",
            missing_permissions_text(result.permissions.missing),
            code="insufficient_permissions",
        )
    return result


async def _checked_configuration(
    session: AsyncSession,
    account: ServiceProvider,
    configuration: ProviderConfiguration,
    *,
    known_regions: list[UpstreamRegion] | None,
) -> dict[str, Any]:
    """`known_regions`: the provider's regions, fetched beforehand whenever
    `configuration.allowed_regions` is given."""
    given = configuration.model_dump(exclude_unset=True)
    for flag, only_type in TYPE_ONLY_FLAGS.items():
        if given.get(flag) and account.type != only_type:
            raise ValidationFailed.for_field(
                f"configuration.{flag}",
                f"{flag} is available for {_TYPE_NAMES[only_type]} accounts only.",
            )
        if flag in given and account.type != only_type:
            del given[flag]  # false for a type that has no such option: nothing to keep
    if configuration.allowed_regions is not None:
        given["allowed_regions"] = list(dict.fromkeys(configuration.allowed_regions))
        known = {region.id for region in known_regions or []}
        for region in given["allowed_regions"]:
            if region not in known:
                raise ValidationFailed.for_field(
                    "configuration.allowed_regions",
                    f"{region} is not a region of this provider.",
                    code="region_not_available",
                )
    await _check_single_default(session, account, given)
    return given


async def _check_single_default(
    session: AsyncSession, account: ServiceProvider, configuration: dict[str, Any]
) -> None:
    if configuration.get("default") is not True:
        return
    for other in await ProviderAccountRepository(session).list_of_type(account.type):
        if other.id != account.id and other.configuration.get("default") is True:
            raise Conflict(
                f"{other.name} is already the default {_TYPE_NAMES[account.type]} account. "
                "Unset its default first.",
                code="default_provider_exists",
            )


def _record_server_limit(account: ServiceProvider, verified: VerifyResult, now: datetime) -> None:
    """Keep what the provider said about the account's server limit (nothing where it has
    none), so the admin view shows the limit and its use without asking the provider."""
    found = verified.server_limit
    account.server_limit = found.limit if found else None
    account.servers_held = found.used if found else None
    account.server_limit_checked_at = now if found else None
