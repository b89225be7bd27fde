"""Request and response bodies of the admin provider-account API."""

from __future__ import annotations

import ipaddress
import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    AnyHttpUrl,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StringConstraints,
)

from vpspanel.input_rules import DisplayName, UtcDatetime

ProviderType = Literal["linode", "digitalocean"]
API_BASE_URL_MAX_LENGTH = 500  # the column is String(500)


AccountName = DisplayName


def _is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _checked_base_url(url: AnyHttpUrl) -> AnyHttpUrl:
    # The stored API key is sent to this URL: never in clear text over the network, and the URL
    # is only a base (credentials or a query in it would be sent along or silently dropped).
    if url.username is not None or url.password is not None:
        raise ValueError("must not contain a user name or password")
    if url.query is not None or url.fragment is not None:
        raise ValueError("must not contain a query (?) or fragment (#)")
    if url.scheme != "https" and not _is_loopback(url.host or ""):
        raise ValueError("must use https (plain http is allowed on loopback only)")
    if len(str(url).rstrip("/")) > API_BASE_URL_MAX_LENGTH:
        raise ValueError(f"must be at most {API_BASE_URL_MAX_LENGTH} characters")
    return url


ApiBaseUrl = Annotated[AnyHttpUrl, AfterValidator(_checked_base_url)]


# Never echoed anywhere; `repr=False` keeps it out of validation error reprs and logs.
ApiKeyText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=8, max_length=500)]
ApiKey = Annotated[ApiKeyText, Field(repr=False)]
RegionId = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]


class ProviderConfiguration(BaseModel):
    """The seed's configuration keys; anything else is refused (422 naming the key)."""

    model_config = ConfigDict(extra="forbid")

    default: StrictBool = False
    allowed_regions: Annotated[list[RegionId], Field(min_length=1, max_length=200)] | None = None
    backup_enabled: StrictBool = False
    private_ip_enabled: StrictBool = False  # Linode only
    ipv6_enabled: StrictBool = False  # DigitalOcean only
    vpc_enabled: StrictBool = False  # DigitalOcean only


class ProviderCreateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: AccountName
    type: ProviderType
    api_key: ApiKey
    configuration: ProviderConfiguration | None = None
    api_base_url: ApiBaseUrl | None = None
    key_expires_at: UtcDatetime | None = None


class ProviderUpdateIn(BaseModel):
    """`configuration`, when given, replaces the whole configuration. A new `api_base_url` needs
    `api_key` too (the stored key never goes to another address); the key must belong to the
    same cloud account unless `allow_account_change` and no server is live."""

    model_config = ConfigDict(extra="forbid")

    name: AccountName | None = None
    configuration: ProviderConfiguration | None = None
    active: StrictBool | None = None
    api_base_url: ApiBaseUrl | None = None
    api_key: ApiKeyText | None = Field(default=None, repr=False)
    allow_account_change: StrictBool = False


class ApiKeyRotateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    api_key: ApiKey
    expires_at: UtcDatetime | None = None
    # A key of another cloud account is refused unless this is true and no server is live.
    allow_account_change: StrictBool = False


class ProviderStatusOut(BaseModel):
    ok: bool | None
    checked_at: datetime | None
    error: str | None


class ServerLimitOut(BaseModel):
    """How many servers the cloud account may hold, and held when last checked."""

    limit: int = Field(description="The most servers the cloud account may hold.")
    used: int = Field(description="How many servers it held when last checked.")
    checked_at: datetime = Field(description="When the provider was last asked.")


class ProviderOut(BaseModel):
    id: uuid.UUID
    name: str
    type: str
    configuration: dict[str, Any]
    active: bool
    api_base_url: str | None
    cloud_account_id: str | None  # addition: the cloud account the key belongs to
    api_key_hint: str
    key_rotated_at: datetime | None
    key_expires_at: datetime | None
    key_expiring_soon: bool  # addition: the key expires within 14 days (or already has)
    status: ProviderStatusOut
    server_limit: ServerLimitOut | None = Field(
        description=(
            "The cloud account's server limit and its use, read whenever the key is checked "
            "(connect, key change, test); null where the provider has no such limit or it was "
            "never read."
        )
    )
    created_at: datetime
    updated_at: datetime


class ProviderEnvelope(BaseModel):
    provider: ProviderOut


class ProvidersOut(BaseModel):
    providers: list[ProviderOut]


class AccountOut(BaseModel):
    id: str
    email: str | None
    name: str | None
    status: str | None


class PermissionsOut(BaseModel):
    read: bool
    write: bool | None
    scopes: list[str]
    missing: list[str]  # addition: what we need and the key lacks


class ProviderTestOut(BaseModel):
    ok: bool
    latency_ms: int
    account: AccountOut | dict[str, str]  # {} when the provider could not be asked
    permissions: PermissionsOut
    error: str | None
