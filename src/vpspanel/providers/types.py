"""Normalized provider types: our words, units in the names, money as Decimal."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any
from uuid import UUID

from vpspanel.providers.errors import ProviderError

# (unix seconds, value)
MetricPoint = tuple[int, float]


class InstanceStatus(StrEnum):
    """Our instance status vocabulary (API_CONTRACT "Status values")."""

    PENDING = "pending"
    PROVISIONING = "provisioning"
    RUNNING = "running"
    STOPPED = "stopped"
    STARTING = "starting"
    STOPPING = "stopping"
    REBOOTING = "rebooting"
    REBUILDING = "rebuilding"
    RESIZING = "resizing"
    DELETING = "deleting"
    DELETED = "deleted"
    FAILED = "failed"
    # Hands off: the provider is working on the host, or has suspended the server (billing).
    MAINTENANCE = "maintenance"
    SUSPENDED = "suspended"
    # A provider status we have no word for: no action is safe until it is known again.
    UNKNOWN = "unknown"

    @property
    def is_transitional(self) -> bool:
        """Moving by itself towards another status (an action under way)."""
        return self not in _SETTLED_STATUSES


# Statuses that stay until something happens: ours to record, never waited out.
_SETTLED_STATUSES = frozenset(
    {
        InstanceStatus.RUNNING,
        InstanceStatus.STOPPED,
        InstanceStatus.DELETED,
        InstanceStatus.FAILED,
        InstanceStatus.MAINTENANCE,
        InstanceStatus.SUSPENDED,
        InstanceStatus.UNKNOWN,
    }
)


@dataclass(frozen=True, slots=True)
class AccountInfo:
    provider_account_id: str
    email: str | None
    name: str | None
    status: str | None
    extra: dict[str, Any] = field(default_factory=dict)
    cloud_account_id: str | None = None
    """The billing account the key belongs to, the same for every key of it (Linode: the
    `X-Customer-UUID` header, DigitalOcean: `account.uuid`); None when the provider did not say.
    `provider_account_id` is the key's *user* on Linode, so it differs between users' keys."""


@dataclass(frozen=True, slots=True)
class Permissions:
    """What the key may do. `write` is None when the provider cannot tell without writing."""

    read: bool
    write: bool | None
    scopes: list[str]
    missing: list[str]
    note: str | None = None


@dataclass(frozen=True, slots=True)
class ServerLimit:
    """How many servers the cloud account may hold (DigitalOcean's `droplet_limit`) and holds."""

    limit: int
    used: int


@dataclass(frozen=True, slots=True)
class VerifyResult:
    account: AccountInfo
    permissions: Permissions
    # None where the provider has no such limit or did not report it.
    server_limit: ServerLimit | None = None


@dataclass(frozen=True, slots=True)
class RegionPrice:
    monthly: Decimal
    hourly: Decimal


@dataclass(frozen=True, slots=True)
class ProviderPlan:
    id: str
    label: str
    plan_class: str
    vcpus: int
    memory_mb: int
    disk_gb: int
    transfer_gb: int
    price_monthly: Decimal
    price_hourly: Decimal
    region_prices: dict[str, RegionPrice]
    regions: list[str] | None  # None = offered in every region
    available: bool
    extra: dict[str, Any] = field(default_factory=dict)

    def price_in(self, region_id: str) -> RegionPrice:
        """The price in one region (a region-specific price overrides the base price)."""
        return self.region_prices.get(region_id) or RegionPrice(
            monthly=self.price_monthly, hourly=self.price_hourly
        )


@dataclass(frozen=True, slots=True)
class ProviderRegion:
    id: str
    label: str
    country: str | None
    available: bool
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ProviderImage:
    id: str
    label: str
    distribution: str | None
    version: str | None
    deprecated: bool
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class CreateOptions:
    backups: bool = False
    private_ip: bool = False  # Linode private IPv4; DigitalOcean puts every droplet in a VPC
    ipv6: bool = False  # DigitalOcean only; Linode always assigns IPv6
    vpc_uuid: str | None = None  # DigitalOcean only; None = the region's default VPC


@dataclass(frozen=True, slots=True)
class CreateInstanceSpec:
    instance_id: UUID  # ours; becomes the identity tag at the provider
    label: str  # the customer's hostname
    plan_id: str
    region_id: str
    image_id: str
    root_pass: str = field(repr=False)
    ssh_public_keys: list[str] = field(default_factory=list)
    options: CreateOptions = field(default_factory=CreateOptions)


@dataclass(frozen=True, slots=True)
class ProviderInstance:
    id: str
    label: str
    status: InstanceStatus
    raw_status: str
    ipv4: str | None
    ipv6: str | None
    region_id: str | None
    plan_id: str | None
    image_id: str | None
    tags: list[str]
    created_at: datetime | None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class MetricWindow:
    """The span a metrics answer covers, in unix seconds, and the spacing of its points."""

    start_s: int
    end_s: int
    resolution_s: int


@dataclass(frozen=True, slots=True)
class InstanceMetrics:
    cpu_percent: list[MetricPoint]
    network_in_bps: list[MetricPoint]
    network_out_bps: list[MetricPoint]
    # Set by the driver once the series are fitted to the asked period (None: as the
    # provider sent them).
    window: MetricWindow | None = None


class ChangeKind(StrEnum):
    """What an entry of a provider's activity feed says happened to an instance. A hint only:
    the caller re-reads the instance to learn its state."""

    CREATED = "created"
    POWER = "power"  # booted, shut down, rebooted, power-cycled
    RESIZED = "resized"
    REBUILT = "rebuilt"
    UPDATED = "updated"  # label/name or other settings
    NETWORK = "network"  # addresses added, removed or changed
    DELETED = "deleted"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class InstanceChange:
    """One feed entry about one provider instance."""

    provider_instance_id: str
    kind: ChangeKind
    at: datetime | None
    """When the provider started it (UTC)."""
    finished: bool
    """False while the provider is still carrying it out: the same change is reported again,
    with True, once it has finished (or failed), so a re-read then shows its outcome."""
    provider_action: str
    """The provider's own name for it (`linode_shutdown`, `power_off`), for logs."""


@dataclass(frozen=True, slots=True)
class ChangeBatch:
    """What `Provider.list_changes_since` found.

    `next_cursor` is opaque: store it and pass it to the next call (None: start the feed
    again). `gap` means the feed could
    not be read back far enough (no cursor yet, cursor too old, too many entries, feed not
    readable): changes may have been missed and only a full listing can tell, so the caller
    must sweep. `changes` are still valid when `gap` is set. `unread_because` is the error that
    kept the feed from being read at all, for the caller to count against the account when it
    says the account cannot be used (`provider_accounts.health.is_account_failure`)."""

    changes: list[InstanceChange]
    next_cursor: str | None
    gap: bool = False
    gap_reason: str | None = None
    unread_because: ProviderError | None = None

    @property
    def instance_ids(self) -> list[str]:
        """The provider instance ids to re-read, each once, in feed order."""
        return list(dict.fromkeys(change.provider_instance_id for change in self.changes))
