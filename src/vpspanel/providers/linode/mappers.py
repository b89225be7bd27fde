"""Linode API v4 JSON -> our normalized types. Pure functions, no I/O."""

from __future__ import annotations

import ipaddress
from typing import Any

from vpspanel.providers.conversions import (
    StatusMap,
    country_code,
    first_version,
    money,
    parse_time,
)
from vpspanel.providers.feeds import FeedEntry
from vpspanel.providers.types import (
    ChangeKind,
    InstanceMetrics,
    InstanceStatus,
    MetricPoint,
    ProviderImage,
    ProviderInstance,
    ProviderPlan,
    ProviderRegion,
    RegionPrice,
)

MB_PER_GB = 1024

# All 14 values of Linode.status in the spec, and `resizing`, which the real API sends though
# the spec omits it (linodego's InstanceResizing, the Cloud Manager).
linode_status = StatusMap(
    "linode",
    {
        "running": InstanceStatus.RUNNING,
        "offline": InstanceStatus.STOPPED,
        "booting": InstanceStatus.STARTING,
        "rebooting": InstanceStatus.REBOOTING,
        "shutting_down": InstanceStatus.STOPPING,
        "provisioning": InstanceStatus.PROVISIONING,
        # busy/cloning: the provider is working on the disks; no closer word in our vocabulary.
        "busy": InstanceStatus.PROVISIONING,
        "cloning": InstanceStatus.PROVISIONING,
        "deleting": InstanceStatus.DELETING,
        # A Linode resize is carried out as a migration.
        "migrating": InstanceStatus.RESIZING,
        "resizing": InstanceStatus.RESIZING,
        "rebuilding": InstanceStatus.REBUILDING,
        "restoring": InstanceStatus.REBUILDING,
        # "when a compute instance goes into maintenance mode, its status is `stopped`" (spec).
        "stopped": InstanceStatus.MAINTENANCE,
        "billing_suspension": InstanceStatus.SUSPENDED,
    },
)


def plan_from_linode_type(item: dict[str, Any]) -> ProviderPlan:
    price = item.get("price") or {}
    return ProviderPlan(
        id=item["id"],
        label=item.get("label") or item["id"],
        plan_class=item.get("class") or "standard",
        vcpus=int(item.get("vcpus") or 0),
        memory_mb=int(item.get("memory") or 0),
        disk_gb=int(item.get("disk") or 0) // MB_PER_GB,
        # The spec says MB; the value is GB (nanode: 1000 = 1 TB). Documentation bug.
        transfer_gb=int(item.get("transfer") or 0),
        price_monthly=money(price.get("monthly")),
        price_hourly=money(price.get("hourly")),
        region_prices={
            entry["id"]: RegionPrice(
                monthly=money(entry.get("monthly")), hourly=money(entry.get("hourly"))
            )
            for entry in item.get("region_prices") or []
        },
        regions=None,
        available=True,
        extra={"successor": item.get("successor"), "network_out_mbps": item.get("network_out")},
    )


def region_from_linode(item: dict[str, Any]) -> ProviderRegion:
    capabilities = list(item.get("capabilities") or [])
    return ProviderRegion(
        id=item["id"],
        label=item.get("label") or item["id"],
        country=country_code(item.get("country")),
        available=item.get("status", "ok") == "ok" and "Linodes" in capabilities,
        extra={"capabilities": capabilities, "site_type": item.get("site_type")},
    )


def image_from_linode(item: dict[str, Any]) -> ProviderImage:
    vendor = item.get("vendor")
    label = item.get("label") or item["id"]
    return ProviderImage(
        id=item["id"],
        label=label,
        distribution=vendor,
        version=first_version(label) if vendor else None,
        deprecated=bool(item.get("deprecated")),
        extra={
            "is_public": item.get("is_public"),
            "status": item.get("status"),
            "capabilities": item.get("capabilities") or [],
            "eol": item.get("eol"),
        },
    )


def _public_ipv4(addresses: list[str]) -> str | None:
    for address in addresses:
        try:
            if ipaddress.ip_address(address).is_global:
                return address
        except ValueError:
            continue
    return addresses[0] if addresses else None


def instance_from_linode(item: dict[str, Any]) -> ProviderInstance:
    raw_status = item.get("status") or ""
    ipv6 = item.get("ipv6")
    return ProviderInstance(
        id=str(item["id"]),
        label=item.get("label") or "",
        status=linode_status(raw_status),
        raw_status=raw_status,
        ipv4=_public_ipv4(list(item.get("ipv4") or [])),
        ipv6=ipv6.split("/")[0] if isinstance(ipv6, str) and ipv6 else None,
        region_id=item.get("region"),
        plan_id=item.get("type"),
        image_id=item.get("image"),
        tags=list(item.get("tags") or []),
        created_at=parse_time(item.get("created")),
        extra={
            "ipv4_all": list(item.get("ipv4") or []),
            "backups_enabled": bool((item.get("backups") or {}).get("enabled")),
        },
    )


def _series(points: Any, since_s: int) -> list[MetricPoint]:
    series: list[MetricPoint] = []
    for point in points or []:
        if not isinstance(point, list | tuple) or len(point) != 2 or point[1] is None:
            continue
        timestamp_s = int(point[0]) // 1000
        if timestamp_s >= since_s:
            series.append((timestamp_s, float(point[1])))
    return series


def _sum_series(*all_series: list[MetricPoint]) -> list[MetricPoint]:
    totals: dict[int, float] = {}
    for series in all_series:
        for timestamp_s, value in series:
            totals[timestamp_s] = totals.get(timestamp_s, 0.0) + value
    return sorted(totals.items())


def metrics_from_linode_stats(body: dict[str, Any], since_s: int) -> InstanceMetrics:
    """`/stats` series ([ms, value]) -> ours ([s, value]). The spec puts the series at the top
    level, the real API wraps them in "data": both are accepted."""
    wrapped = body.get("data")
    stats: dict[str, Any] = wrapped if isinstance(wrapped, dict) else body
    netv4 = stats.get("netv4") or {}
    netv6 = stats.get("netv6") or {}
    return InstanceMetrics(
        cpu_percent=_series(stats.get("cpu"), since_s),
        network_in_bps=_sum_series(
            _series(netv4.get("in"), since_s), _series(netv6.get("in"), since_s)
        ),
        network_out_bps=_sum_series(
            _series(netv4.get("out"), since_s), _series(netv6.get("out"), since_s)
        ),
    )


# Event actions about a Linode (the spec's `action` enum) -> what changed. Anything else about
# a Linode is OTHER, still worth a re-read.
EVENT_KINDS = {
    "linode_create": ChangeKind.CREATED,
    "linode_clone": ChangeKind.CREATED,
    "linode_boot": ChangeKind.POWER,
    "linode_shutdown": ChangeKind.POWER,
    "linode_reboot": ChangeKind.POWER,
    "lassie_reboot": ChangeKind.POWER,
    "host_reboot": ChangeKind.POWER,
    "lish_boot": ChangeKind.POWER,
    "linode_resize": ChangeKind.RESIZED,
    "linode_resize_create": ChangeKind.RESIZED,
    "linode_mutate": ChangeKind.RESIZED,
    "linode_mutate_create": ChangeKind.RESIZED,
    "linode_rebuild": ChangeKind.REBUILT,
    "backups_restore": ChangeKind.REBUILT,
    "linode_update": ChangeKind.UPDATED,
    "linode_addip": ChangeKind.NETWORK,
    "linode_deleteip": ChangeKind.NETWORK,
    "linode_delete": ChangeKind.DELETED,
}
# Event statuses of work not done yet (`failed`, `finished`, `notification` have ended).
_EVENT_IN_PROGRESS = frozenset({"scheduled", "started"})


# Entity types whose `entity.id` is a Linode's id: the Linode itself, and (the spec says) its
# disks and backups.
_LINODE_ENTITY_TYPES = frozenset({"linode", "disks", "backups"})


def feed_entry_from_event(event: dict[str, Any]) -> FeedEntry:
    """A Linode Event as a feed entry; `provider_instance_id` only when it is about a Linode."""
    entity = event.get("entity") or {}
    about_linode = entity.get("type") in _LINODE_ENTITY_TYPES and entity.get("id") is not None
    action = str(event.get("action") or "")
    return FeedEntry(
        id=int(event["id"]),
        provider_instance_id=str(entity["id"]) if about_linode else None,
        kind=EVENT_KINDS.get(action, ChangeKind.OTHER),
        provider_action=action,
        at=parse_time(event.get("created")),
        in_progress=event.get("status") in _EVENT_IN_PROGRESS,
    )
