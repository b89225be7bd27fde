"""DigitalOcean API v2 JSON -> our normalized types. Pure functions, no I/O."""

from __future__ import annotations

import itertools
import re
from decimal import Decimal
from typing import Any

from vpspanel.providers.conversions import StatusMap, first_version, money, parse_time
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
)

GB_PER_TB = 1000
BITS_PER_MEGABIT = 1_000_000

droplet_status = StatusMap(
    "digitalocean",
    {
        "new": InstanceStatus.PROVISIONING,
        "active": InstanceStatus.RUNNING,
        "off": InstanceStatus.STOPPED,
        "archive": InstanceStatus.DELETED,
    },
)

# While a droplet is locked, the type of its in-progress action says what it is doing.
ACTION_STATUS: dict[str, InstanceStatus] = {
    "power_on": InstanceStatus.STARTING,
    "shutdown": InstanceStatus.STOPPING,
    "power_off": InstanceStatus.STOPPING,
    "reboot": InstanceStatus.REBOOTING,
    "power_cycle": InstanceStatus.REBOOTING,
    "rebuild": InstanceStatus.REBUILDING,
    "restore": InstanceStatus.REBUILDING,
    "resize": InstanceStatus.RESIZING,
}

# DigitalOcean region slugs carry no country; the data-centre city prefix tells it.
REGION_COUNTRIES = {
    "nyc": "US",
    "sfo": "US",
    "atl": "US",
    "ric": "US",
    "ams": "NL",
    "sgp": "SG",
    "lon": "GB",
    "fra": "DE",
    "tor": "CA",
    "blr": "IN",
    "syd": "AU",
}


def _slug_words(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


def plan_from_size(item: dict[str, Any]) -> ProviderPlan:
    memory_mb = int(item.get("memory") or 0)
    vcpus = int(item.get("vcpus") or 0)
    description = item.get("description") or "Droplet"
    memory_text = f"{memory_mb // 1024} GB" if memory_mb >= 1024 else f"{memory_mb} MB"
    return ProviderPlan(
        id=item["slug"],
        label=f"{description} {vcpus} vCPU / {memory_text}",
        plan_class=_slug_words(description),
        vcpus=vcpus,
        memory_mb=memory_mb,
        disk_gb=int(item.get("disk") or 0),
        transfer_gb=int(money(item.get("transfer")) * GB_PER_TB),
        price_monthly=money(item.get("price_monthly")),
        price_hourly=money(item.get("price_hourly")),
        region_prices={},
        regions=list(item.get("regions") or []),
        available=bool(item.get("available")),
        extra={"description": description},
    )


def region_from_do(item: dict[str, Any]) -> ProviderRegion:
    slug: str = item["slug"]
    return ProviderRegion(
        id=slug,
        label=item.get("name") or slug,
        country=REGION_COUNTRIES.get(slug[:3]),
        available=bool(item.get("available")),
        extra={"features": list(item.get("features") or []), "sizes": item.get("sizes") or []},
    )


def image_id(item: dict[str, Any]) -> str:
    """Public images are known by slug; private ones only by number."""
    slug = item.get("slug")
    return slug if slug else str(item["id"])


def image_from_do(item: dict[str, Any]) -> ProviderImage:
    name = item.get("name") or image_id(item)
    distribution = item.get("distribution")
    return ProviderImage(
        id=image_id(item),
        label=f"{distribution} {name}" if distribution and distribution not in name else name,
        distribution=distribution,
        version=first_version(name),
        deprecated=item.get("status") in ("retired", "deleted"),
        extra={
            "numeric_id": item.get("id"),
            "type": item.get("type"),
            "public": item.get("public"),
            "min_disk_size_gb": item.get("min_disk_size"),
            "regions": item.get("regions") or [],
        },
    )


def _address(networks: list[dict[str, Any]]) -> str | None:
    for network in networks:
        if network.get("type") == "public" and network.get("ip_address"):
            return str(network["ip_address"])
    return None


def instance_from_droplet(
    item: dict[str, Any], in_progress_action: str | None = None
) -> ProviderInstance:
    raw_status = item.get("status") or ""
    status = droplet_status(raw_status)
    if in_progress_action and status in (InstanceStatus.RUNNING, InstanceStatus.STOPPED):
        status = ACTION_STATUS.get(in_progress_action, status)
    # An archived droplet is gone for us: its addresses are no longer its own.
    networks = {} if status is InstanceStatus.DELETED else item.get("networks") or {}
    region = item.get("region") or {}
    image = item.get("image") or {}
    return ProviderInstance(
        id=str(item["id"]),
        label=item.get("name") or "",
        status=status,
        raw_status=raw_status,
        ipv4=_address(networks.get("v4") or []),
        ipv6=_address(networks.get("v6") or []),
        region_id=region.get("slug"),
        plan_id=item.get("size_slug") or (item.get("size") or {}).get("slug"),
        image_id=image_id(image) if image else None,
        tags=list(item.get("tags") or []),
        created_at=parse_time(item.get("created_at")),
        extra={
            "locked": bool(item.get("locked")),
            "in_progress_action": in_progress_action,
            "vpc_uuid": item.get("vpc_uuid"),
            "private_ipv4": next(
                (
                    n.get("ip_address")
                    for n in networks.get("v4") or []
                    if n.get("type") == "private"
                ),
                None,
            ),
        },
    )


def _matrix(body: dict[str, Any]) -> list[dict[str, Any]]:
    data = body.get("data") or {}
    result = data.get("result") or []
    return [series for series in result if isinstance(series, dict)]


def cpu_percent_from_do(body: dict[str, Any]) -> list[MetricPoint]:
    """Cumulative CPU seconds per mode -> percent busy between consecutive samples."""
    by_time: dict[int, dict[str, Decimal]] = {}
    for series in _matrix(body):
        mode = (series.get("metric") or {}).get("mode", "")
        for timestamp, value in series.get("values") or []:
            by_time.setdefault(int(timestamp), {})[mode] = money(value)
    points: list[MetricPoint] = []
    timestamps = sorted(by_time)
    for previous, current in itertools.pairwise(timestamps):
        before, after = by_time[previous], by_time[current]
        modes = before.keys() & after.keys()
        total = sum((after[mode] - before[mode] for mode in modes), Decimal(0))
        idle = after.get("idle", Decimal(0)) - before.get("idle", Decimal(0))
        if total <= 0:
            continue
        busy_percent = float((total - idle) / total * 100)
        points.append((current, min(max(busy_percent, 0.0), 100.0)))
    return points


def bandwidth_bps_from_do(body: dict[str, Any]) -> list[MetricPoint]:
    """Bandwidth in Mbps (strings) -> bits per second, summed over the returned series."""
    totals: dict[int, float] = {}
    for series in _matrix(body):
        for timestamp, value in series.get("values") or []:
            totals[int(timestamp)] = totals.get(int(timestamp), 0.0) + float(
                money(value) * BITS_PER_MEGABIT
            )
    return sorted(totals.items())


def metrics_from_do(
    cpu: dict[str, Any], inbound: dict[str, Any], outbound: dict[str, Any]
) -> InstanceMetrics:
    return InstanceMetrics(
        cpu_percent=cpu_percent_from_do(cpu),
        network_in_bps=bandwidth_bps_from_do(inbound),
        network_out_bps=bandwidth_bps_from_do(outbound),
    )


# Droplet action types (the spec's droplet action enum, plus `create` and `destroy`, which
# DigitalOcean records for creating and destroying) -> what changed. Anything else about a
# droplet is OTHER, still worth a re-read.
ACTION_KINDS = {
    "create": ChangeKind.CREATED,
    "power_on": ChangeKind.POWER,
    "power_off": ChangeKind.POWER,
    "shutdown": ChangeKind.POWER,
    "reboot": ChangeKind.POWER,
    "power_cycle": ChangeKind.POWER,
    "resize": ChangeKind.RESIZED,
    "rebuild": ChangeKind.REBUILT,
    "restore": ChangeKind.REBUILT,
    "rename": ChangeKind.UPDATED,
    "enable_backups": ChangeKind.UPDATED,
    "disable_backups": ChangeKind.UPDATED,
    "change_kernel": ChangeKind.UPDATED,
    "password_reset": ChangeKind.UPDATED,
    "enable_ipv6": ChangeKind.NETWORK,
    "destroy": ChangeKind.DELETED,
}


# Actions that move a public address between droplets: `assign`/`unassign` on a reserved IP
# (`floating_ip`, its former name, in older histories). The action names the address
# (`resource_id`), never the droplet, so only a listing shows whose address changed.
ADDRESS_RESOURCE_TYPES = frozenset({"reserved_ip", "floating_ip"})


def moves_an_address(action: dict[str, Any]) -> bool:
    """Whether `action` assigned or unassigned a reserved IP (some droplet's address
    changed)."""
    return action.get("resource_type") in ADDRESS_RESOURCE_TYPES


def feed_entry_from_action(action: dict[str, Any]) -> FeedEntry:
    """A DigitalOcean action as a feed entry; `provider_instance_id` only for droplets."""
    about_droplet = action.get("resource_type") == "droplet" and action.get("resource_id")
    action_type = str(action.get("type") or "")
    return FeedEntry(
        id=int(action["id"]),
        provider_instance_id=str(action["resource_id"]) if about_droplet else None,
        kind=ACTION_KINDS.get(action_type, ChangeKind.OTHER),
        provider_action=action_type,
        at=parse_time(action.get("started_at")),
        in_progress=action.get("status") == "in-progress",
    )
