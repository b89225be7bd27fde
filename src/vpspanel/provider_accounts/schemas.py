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

from vpspanel.input_rules import NAME_MAX_LENGTH, DisplayName, UtcDatetime
from vpspanel.pricing import HOURLY, MONTHLY, HourlyMoney, MonthlyMoney

ProviderType = Literal["linode", "digitalocean"]
CatalogKind = Literal["plans", "regions", "images"]
API_BASE_URL_MAX_LENGTH = 500  # the column is String(500)


AccountName = DisplayName
ACCOUNT_NAME = (
    f"The account's name: 1-{NAME_MAX_LENGTH} characters after trimming and NFKC normalization; "
    "no control or invisible characters."
)
API_KEY = "The provider's API token: 8-500 characters after trimming. Never returned."
BASE_URL = (
    "The provider API's base URL, only to point at a compatible endpoint (e.g. the simulator): "
    "https (plain http on loopback only), no user name, password, query or fragment, at most "
    f"{API_BASE_URL_MAX_LENGTH} characters. Null: the provider's public API."
)
ALLOW_ACCOUNT_CHANGE = (
    "Accept a key of another cloud account, only while none of this account's servers is live; "
    "otherwise such a key is refused (422 `different_account` on `api_key`)."
)


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

    default: StrictBool = Field(
        default=False,
        description=(
            "The account of its type the upstream catalog uses when only `provider` is given; "
            "at most one per type (409 `default_provider_exists`)."
        ),
    )
    allowed_regions: Annotated[list[RegionId], Field(min_length=1, max_length=200)] | None = Field(
        default=None,
        description=(
            "Region ids (1-200, each 1-64 characters) plans of this account may be sold in; "
            "null: every region."
        ),
    )
    backup_enabled: StrictBool = Field(
        default=False, description="Turn on the provider's backups for new servers."
    )
    private_ip_enabled: StrictBool = Field(
        default=False, description="Give new servers a private IP (Linode only)."
    )
    ipv6_enabled: StrictBool = Field(
        default=False, description="Give new servers IPv6 (DigitalOcean only)."
    )
    vpc_enabled: StrictBool = Field(
        default=False, description="Put new servers in the region's VPC (DigitalOcean only)."
    )


class ProviderCreateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: AccountName = Field(description=ACCOUNT_NAME)
    type: ProviderType = Field(description="The cloud: `linode` or `digitalocean`.")
    api_key: ApiKey = Field(description=f"{API_KEY} Verified with the provider before saving.")
    configuration: ProviderConfiguration | None = Field(
        default=None, description="Settings for new servers; null: all defaults."
    )
    api_base_url: ApiBaseUrl | None = Field(default=None, description=BASE_URL)
    key_expires_at: UtcDatetime | None = Field(
        default=None,
        description=(
            "When the key expires, if it does (ISO 8601 with a timezone, years 2000-2100); "
            "warned about 14 days before."
        ),
    )


class ProviderUpdateIn(BaseModel):
    """`configuration`, when given, replaces the whole configuration. A new `api_base_url` needs
    `api_key` too (the stored key never goes to another address); the key must belong to the
    same cloud account unless `allow_account_change` and no server is live."""

    model_config = ConfigDict(extra="forbid")

    name: AccountName | None = Field(default=None, description=f"{ACCOUNT_NAME} Null: unchanged.")
    configuration: ProviderConfiguration | None = Field(
        default=None, description="Replaces the whole configuration; null: unchanged."
    )
    active: StrictBool | None = Field(
        default=None,
        description="Whether its plans are on sale (false hides them); null: unchanged.",
    )
    api_base_url: ApiBaseUrl | None = Field(
        default=None, description=f"{BASE_URL} Needs `api_key` too. Omitted: unchanged."
    )
    api_key: ApiKeyText | None = Field(
        default=None,
        repr=False,
        description=(
            f"{API_KEY} Only with a changed `api_base_url`, as the key for that address (422 "
            "otherwise); to replace the key alone, use "
            "`POST /api/admin/providers/{provider_id}/api-key`."
        ),
    )
    allow_account_change: StrictBool = Field(default=False, description=ALLOW_ACCOUNT_CHANGE)


class ApiKeyRotateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    api_key: ApiKey = Field(description=f"{API_KEY} Verified with the provider before saving.")
    expires_at: UtcDatetime | None = Field(
        default=None,
        description=(
            "When the new key expires, if it does (ISO 8601 with a timezone, years 2000-2100)."
        ),
    )
    # A key of another cloud account is refused unless this is true and no server is live.
    allow_account_change: StrictBool = Field(default=False, description=ALLOW_ACCOUNT_CHANGE)


class ProviderStatusOut(BaseModel):
    """The account's health: the last connection test, or the last request of background work
    (polls, feeds, sweeps) that failed for the whole account (key refused, provider down)."""

    ok: bool | None = Field(description="Whether the account last worked; null: never checked.")
    checked_at: datetime | None = Field(description="When it was last checked (UTC), or null.")
    error: str | None = Field(
        description="Why it is failing (no key, no URL credentials in it), or null when ok."
    )
    since: datetime | None = Field(
        description="Since when `ok` has held its value (UTC), or null if never checked."
    )
    failures: int = Field(description="Account failures in a row (0 when ok).")
    next_attempt_at: datetime | None = Field(
        description=(
            "While failing: when background work will try the account again (UTC; it backs "
            "off from 30 s, doubling, to at most 15 minutes); null otherwise."
        )
    )


class ServerLimitOut(BaseModel):
    """How many servers the cloud account may hold, and held when last checked."""

    limit: int = Field(description="The most servers the cloud account may hold.")
    used: int = Field(description="How many servers it held when last checked.")
    checked_at: datetime = Field(description="When the provider was last asked.")


class ProviderOut(BaseModel):
    id: uuid.UUID = Field(description="The provider account id.")
    name: str = Field(description="The account's name.")
    type: str = Field(description="The cloud: `linode` or `digitalocean`.")
    configuration: dict[str, Any] = Field(
        description="Its settings for new servers (the keys of ProviderConfiguration that are set)."
    )
    active: bool = Field(description="Whether its plans are on sale.")
    api_base_url: str | None = Field(
        description="A non-default API base URL, or null for the provider's public API."
    )
    cloud_account_id: str | None = Field(
        description="The cloud account the key belongs to, as the provider names it; or null."
    )
    api_key_hint: str = Field(description="The key's last 4 characters after `…`; never the key.")
    key_rotated_at: datetime | None = Field(
        description="When the key was last replaced (UTC); null if never."
    )
    key_expires_at: datetime | None = Field(
        description="When the key expires (UTC); null if it does not."
    )
    key_expiring_soon: bool = Field(description="The key expires within 14 days, or already has.")
    status: ProviderStatusOut = Field(description="The result of the last connection check.")
    server_limit: ServerLimitOut | None = Field(
        description=(
            "The cloud account's server limit and its use, read whenever the key is checked "
            "(connect, key change, test); null where the provider has no such limit or it was "
            "never read."
        )
    )
    created_at: datetime = Field(description="When the account was added (UTC).")
    updated_at: datetime = Field(description="When it last changed (UTC).")


class ProviderEnvelope(BaseModel):
    provider: ProviderOut = Field(description="The provider account.")


class ProvidersOut(BaseModel):
    providers: list[ProviderOut] = Field(description="Every provider account.")


class AccountOut(BaseModel):
    id: str = Field(description="The cloud account's id at the provider.")
    email: str | None = Field(description="The cloud account's email, if the provider tells.")
    name: str | None = Field(description="The cloud account's name, if the provider tells.")
    status: str | None = Field(
        description="The cloud account's status as the provider words it, if it tells."
    )


class PermissionsOut(BaseModel):
    read: bool = Field(description="Whether the key can read.")
    write: bool | None = Field(description="Whether the key can write; null if unknown.")
    scopes: list[str] = Field(description="The key's scopes as the provider names them.")
    missing: list[str] = Field(description="Scopes the panel needs that the key lacks.")


class ProviderTestOut(BaseModel):
    ok: bool = Field(description="Whether the key works with every scope the panel needs.")
    latency_ms: int = Field(description="How long the provider took to answer, in milliseconds.")
    account: AccountOut | dict[str, str] = Field(
        description=(
            "The cloud account the key belongs to; `{}` when the provider could not be asked."
        )
    )
    permissions: PermissionsOut = Field(description="What the key may do.")
    error: str | None = Field(description="Why the check failed, or null.")


# --- upstream catalog -----------------------------------------------------------------------


class UpstreamRegionPrice(BaseModel):
    monthly: MonthlyMoney = Field(description=f"The provider's price there, {MONTHLY}")
    hourly: HourlyMoney = Field(description=f"The provider's price there, {HOURLY}")


class UpstreamPlan(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    id: str = Field(description="The provider's plan id (e.g. `g6-standard-1`).")
    label: str = Field(description="The provider's name for the plan.")
    plan_class: str = Field(
        alias="class", description="The provider's plan family (e.g. `standard`, `dedicated`)."
    )
    vcpus: int = Field(description="Virtual CPUs.")
    memory_mb: int = Field(description="Memory in MB.")
    disk_gb: int = Field(description="Disk in GB.")
    transfer_gb: int = Field(description="Monthly network transfer included, in GB.")
    price_monthly: MonthlyMoney = Field(description=f"The provider's base price, {MONTHLY}")
    price_hourly: HourlyMoney = Field(description=f"The provider's base price, {HOURLY}")
    region_prices: dict[str, UpstreamRegionPrice] = Field(
        description="Prices by region id where they differ from the base price."
    )
    regions: list[str] | None = Field(
        description="Region ids the plan is offered in; null: every region."
    )
    available: bool = Field(default=True, description="Whether new servers can use it.")

    def offered_in(self, region_id: str) -> bool:
        return self.regions is None or region_id in self.regions

    def price_in(self, region_id: str) -> UpstreamRegionPrice:
        return self.region_prices.get(region_id) or UpstreamRegionPrice(
            monthly=self.price_monthly, hourly=self.price_hourly
        )


class UpstreamRegion(BaseModel):
    id: str = Field(description="The provider's region id (e.g. `us-east`, `nyc3`).")
    label: str = Field(description="The region's name, e.g. `Newark, NJ`.")
    country: str | None = Field(
        description="ISO 3166-1 alpha-2 country code (e.g. `US`); null if unknown."
    )
    available: bool = Field(description="Whether new servers can be created there.")


class UpstreamImage(BaseModel):
    id: str = Field(description="The provider's image id (e.g. `linode/ubuntu24.04`).")
    label: str = Field(description="The image's name.")
    distribution: str | None = Field(description="The distribution, e.g. `Ubuntu`; or null.")
    version: str | None = Field(description="The distribution's version, e.g. `24.04`; or null.")
    deprecated: bool = Field(description="Deprecated images are not offered to customers.")
    # Additions: where a DigitalOcean image exists and the disk it needs (None = any).
    regions: list[str] | None = Field(
        default=None, description="Region ids the image exists in; null: every region."
    )
    min_disk_gb: int | None = Field(
        default=None, description="The smallest disk it fits on, in GB; null: any."
    )


class CatalogFreshness(BaseModel):
    """Addition to the contract: when the answer was fetched, and whether it is a stale copy
    served because the provider could not be reached."""

    provider_id: uuid.UUID = Field(description="The provider account the list is from.")
    fetched_at: datetime = Field(description="When it was fetched from the provider (UTC).")
    stale: bool = Field(
        description="True when the provider could not be reached and an older copy is served."
    )


class UpstreamPlansOut(CatalogFreshness):
    plans: list[UpstreamPlan] = Field(description="The account's upstream plans.")


class UpstreamRegionsOut(CatalogFreshness):
    regions: list[UpstreamRegion] = Field(
        description="The account's upstream regions (all of them, allowed or not)."
    )


class UpstreamImagesOut(CatalogFreshness):
    images: list[UpstreamImage] = Field(description="The account's upstream images.")
