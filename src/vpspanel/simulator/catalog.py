"""Static catalogs (plans, regions, images) shaped like the real providers' answers.

Numbers follow the providers' public price lists closely enough for tests: Linode
`g6-nanode-1` is $5.00/month ($0.0075/h); DigitalOcean `s-1vcpu-1gb` is $5.00/month
($0.00744/h). Linode disks are in MB and transfer in GB; DigitalOcean disks in GB and
transfer in TB.
"""

from __future__ import annotations

from typing import Any

JSON = dict[str, Any]

# Regions where Linode charges more for the same plan (real examples: Jakarta, São Paulo).
LINODE_PRICIER_REGIONS = {"id-cgk": 1.2, "br-gru": 1.4}

_LINODE_TYPES: list[tuple[str, str, str, int, int, int, int, int, float, float]] = [
    # id, label, class, vcpus, memory MB, disk MB, transfer GB, network_out, monthly, hourly
    ("g6-nanode-1", "Nanode 1GB", "nanode", 1, 1024, 25600, 1000, 1000, 5.0, 0.0075),
    ("g6-standard-1", "Linode 2GB", "standard", 1, 2048, 51200, 2000, 2000, 12.0, 0.018),
    ("g6-standard-2", "Linode 4GB", "standard", 2, 4096, 81920, 4000, 4000, 24.0, 0.036),
    ("g6-standard-4", "Linode 8GB", "standard", 4, 8192, 163840, 5000, 5000, 48.0, 0.072),
    ("g6-standard-6", "Linode 16GB", "standard", 6, 16384, 327680, 8000, 6000, 96.0, 0.144),
    ("g6-standard-8", "Linode 32GB", "standard", 8, 32768, 655360, 16000, 7000, 192.0, 0.288),
    ("g6-standard-16", "Linode 64GB", "standard", 16, 65536, 1310720, 20000, 9000, 384.0, 0.576),
    ("g6-standard-20", "Linode 96GB", "standard", 20, 98304, 1966080, 20000, 10000, 576.0, 0.864),
    ("g6-standard-24", "Linode 128GB", "standard", 24, 131072, 2621440, 20000, 11000, 768.0, 1.152),
    ("g6-dedicated-2", "Dedicated 4GB", "dedicated", 2, 4096, 81920, 4000, 4000, 36.0, 0.054),
    ("g6-dedicated-4", "Dedicated 8GB", "dedicated", 4, 8192, 163840, 5000, 5000, 72.0, 0.108),
    ("g6-dedicated-8", "Dedicated 16GB", "dedicated", 8, 16384, 327680, 6000, 6000, 144.0, 0.216),
    ("g7-highmem-1", "Linode 24GB", "highmem", 2, 24576, 20480, 5000, 5000, 60.0, 0.09),
    (
        "g1-gpu-rtx6000-1",
        "Dedicated 32GB + RTX6000 GPU x1",
        "gpu",
        8,
        32768,
        655360,
        16000,
        10000,
        1000.0,
        1.5,
    ),
]

_LINODE_REGIONS: list[tuple[str, str, str, bool]] = [
    # id, label, country, offers Metadata (cloud-init)
    ("us-east", "Newark, NJ", "us", True),
    ("us-central", "Dallas, TX", "us", False),
    ("us-west", "Fremont, CA", "us", False),
    ("us-southeast", "Atlanta, GA", "us", True),
    ("us-iad", "Washington, DC", "us", True),
    ("ca-central", "Toronto, CA", "ca", True),
    ("eu-west", "London, UK", "gb", True),
    ("eu-central", "Frankfurt, DE", "de", True),
    ("ap-south", "Singapore, SG", "sg", True),
    ("ap-northeast", "Tokyo, JP", "jp", True),
    ("ap-west", "Mumbai, IN", "in", True),
    ("ap-southeast", "Sydney, AU", "au", True),
    ("id-cgk", "Jakarta, ID", "id", True),
    ("br-gru", "Sao Paulo, BR", "br", True),
]

_LINODE_IMAGES: list[tuple[str, str, str, int, bool, bool]] = [
    # id, label, vendor, size MB, cloud-init capable, deprecated
    ("linode/ubuntu24.04", "Ubuntu 24.04 LTS", "Ubuntu", 2500, True, False),
    ("linode/ubuntu22.04", "Ubuntu 22.04 LTS", "Ubuntu", 2500, True, False),
    ("linode/ubuntu20.04", "Ubuntu 20.04 LTS", "Ubuntu", 2000, True, False),
    ("linode/ubuntu18.04", "Ubuntu 18.04 LTS", "Ubuntu", 2000, False, True),
    ("linode/debian12", "Debian 12", "Debian", 1500, True, False),
    ("linode/debian11", "Debian 11", "Debian", 1500, True, False),
    ("linode/almalinux9", "AlmaLinux 9", "AlmaLinux", 2500, True, False),
    ("linode/rocky9", "Rocky Linux 9", "Rocky Linux", 2500, True, False),
    ("linode/centos-stream9", "CentOS Stream 9", "CentOS", 2500, False, False),
    ("linode/fedora40", "Fedora 40", "Fedora", 2500, True, False),
    ("linode/alpine3.20", "Alpine 3.20", "Alpine", 500, False, False),
    ("linode/arch", "Arch Linux", "Arch", 1500, False, False),
    ("linode/opensuse15.6", "openSUSE Leap 15.6", "openSUSE", 2000, False, False),
    ("linode/gentoo", "Gentoo", "Gentoo", 5000, False, False),
    ("linode/slackware15.0", "Slackware 15.0", "Slackware", 6000, False, False),
]


def _price(monthly: float, hourly: float) -> JSON:
    return {"monthly": round(monthly, 2), "hourly": round(hourly, 5)}


def _linode_type(row: tuple[str, str, str, int, int, int, int, int, float, float]) -> JSON:
    type_id, label, klass, vcpus, memory, disk, transfer, network_out, monthly, hourly = row
    special = klass not in ("highmem", "gpu")
    region_prices = [
        {"id": region, **_price(monthly * factor, hourly * factor)}
        for region, factor in LINODE_PRICIER_REGIONS.items()
        if special
    ]
    backup_monthly = round(monthly / 5, 2)
    return {
        "id": type_id,
        "label": label,
        "class": klass,
        "vcpus": vcpus,
        "memory": memory,
        "disk": disk,
        "transfer": transfer,
        "network_out": network_out,
        "gpus": 1 if klass == "gpu" else 0,
        "successor": None,
        "price": _price(monthly, hourly),
        "region_prices": region_prices,
        "addons": {
            "backups": {
                "price": _price(backup_monthly, backup_monthly / 730),
                "region_prices": [
                    {"id": p["id"], **_price(backup_monthly * f, backup_monthly * f / 730)}
                    for p, f in zip(region_prices, LINODE_PRICIER_REGIONS.values(), strict=False)
                ],
            }
        },
    }


def _linode_region(row: tuple[str, str, str, bool]) -> JSON:
    region_id, label, country, metadata = row
    capabilities = ["Linodes", "Backups", "NodeBalancers", "Block Storage", "Cloud Firewall"]
    if metadata:
        capabilities += ["Metadata", "VPCs"]
    return {
        "id": region_id,
        "label": label,
        "country": country,
        "capabilities": capabilities,
        "status": "ok",
        "resolvers": {"ipv4": "172.105.0.5,172.105.3.5", "ipv6": "2600:3c00::5,2600:3c00::6"},
        "placement_group_limits": {"maximum_pgs_per_customer": 100, "maximum_linodes_per_pg": 5},
    }


def _linode_image(row: tuple[str, str, str, int, bool, bool]) -> JSON:
    image_id, label, vendor, size, cloud_init, deprecated = row
    return {
        "id": image_id,
        "label": label,
        "description": None,
        "vendor": vendor,
        "created": "2024-04-25T00:00:00",
        "updated": "2024-09-01T00:00:00",
        "created_by": "linode",
        "deprecated": deprecated,
        "eol": "2023-05-31T04:00:00" if deprecated else None,
        "expiry": None,
        "is_public": True,
        "size": size,
        "total_size": size,
        "status": "available",
        "type": "manual",
        "capabilities": ["cloud-init"] if cloud_init else [],
        "tags": [],
        "regions": [],
    }


LINODE_TYPES: list[JSON] = [_linode_type(row) for row in _LINODE_TYPES]
LINODE_REGIONS: list[JSON] = [_linode_region(row) for row in _LINODE_REGIONS]
LINODE_IMAGES: list[JSON] = [_linode_image(row) for row in _LINODE_IMAGES]
LINODE_TYPES_BY_ID = {t["id"]: t for t in LINODE_TYPES}
LINODE_REGIONS_BY_ID = {r["id"]: r for r in LINODE_REGIONS}
LINODE_IMAGES_BY_ID = {i["id"]: i for i in LINODE_IMAGES}


# --- DigitalOcean -----------------------------------------------------------------------

_DO_REGIONS: list[tuple[str, str, bool]] = [
    # slug, name, available for new Droplets
    ("nyc1", "New York 1", True),
    ("nyc2", "New York 2", False),
    ("nyc3", "New York 3", True),
    ("sfo1", "San Francisco 1", False),
    ("sfo2", "San Francisco 2", True),
    ("sfo3", "San Francisco 3", True),
    ("ams2", "Amsterdam 2", False),
    ("ams3", "Amsterdam 3", True),
    ("sgp1", "Singapore 1", True),
    ("lon1", "London 1", True),
    ("fra1", "Frankfurt 1", True),
    ("tor1", "Toronto 1", True),
    ("blr1", "Bangalore 1", True),
    ("syd1", "Sydney 1", True),
]

_ALL_AVAILABLE = [slug for slug, _, available in _DO_REGIONS if available]
_BIG_REGIONS = ["nyc1", "nyc3", "sfo3", "ams3", "fra1", "lon1", "tor1"]

_DO_SIZES: list[tuple[str, str, int, int, int, float, float, float, list[str], bool]] = [
    # slug, description, vcpus, memory MB, disk GB, transfer TB, monthly, hourly, regions, available
    (
        "s-1vcpu-512mb-10gb",
        "Basic",
        1,
        512,
        10,
        0.5,
        4.0,
        0.00595,
        ["nyc1", "sfo3", "ams3", "fra1"],
        True,
    ),
    ("s-1vcpu-1gb", "Basic", 1, 1024, 25, 1.0, 5.0, 0.00744, _ALL_AVAILABLE, True),
    ("s-1vcpu-2gb", "Basic", 1, 2048, 50, 2.0, 10.0, 0.01488, _ALL_AVAILABLE, True),
    ("s-2vcpu-2gb", "Basic", 2, 2048, 60, 3.0, 15.0, 0.02232, _ALL_AVAILABLE, True),
    ("s-2vcpu-4gb", "Basic", 2, 4096, 80, 4.0, 20.0, 0.02976, _ALL_AVAILABLE, True),
    ("s-4vcpu-8gb", "Basic", 4, 8192, 160, 5.0, 40.0, 0.05952, _ALL_AVAILABLE, True),
    ("s-8vcpu-16gb", "Basic", 8, 16384, 320, 6.0, 80.0, 0.11905, _ALL_AVAILABLE, True),
    ("g-2vcpu-8gb", "General Purpose", 2, 8192, 25, 4.0, 63.0, 0.09375, _BIG_REGIONS, True),
    ("g-4vcpu-16gb", "General Purpose", 4, 16384, 50, 5.0, 126.0, 0.1875, _BIG_REGIONS, True),
    ("c-2", "CPU-Optimized", 2, 4096, 25, 4.0, 42.0, 0.0625, _BIG_REGIONS, True),
    ("c-4", "CPU-Optimized", 4, 8192, 50, 5.0, 84.0, 0.125, _BIG_REGIONS, True),
    ("m-2vcpu-16gb", "Memory-Optimized", 2, 16384, 50, 4.0, 84.0, 0.125, _BIG_REGIONS, True),
    (
        "so-2vcpu-16gb",
        "Storage-Optimized",
        2,
        16384,
        300,
        4.0,
        131.0,
        0.19494,
        ["nyc3", "fra1"],
        True,
    ),
    ("gd-2vcpu-8gb", "General Purpose", 2, 8192, 50, 4.0, 68.0, 0.10119, [], False),
]

_DO_IMAGES: list[tuple[int, str, str, str, int, float, str]] = [
    # id, slug, distribution, name, min_disk_size GB, size GB, kind
    (160000001, "ubuntu-24-04-x64", "Ubuntu", "24.04 (LTS) x64", 7, 2.36, "distribution"),
    (160000002, "ubuntu-22-04-x64", "Ubuntu", "22.04 (LTS) x64", 7, 2.29, "distribution"),
    (160000003, "ubuntu-20-04-x64", "Ubuntu", "20.04 (LTS) x64", 7, 2.15, "distribution"),
    (160000004, "debian-12-x64", "Debian", "12 x64", 7, 1.51, "distribution"),
    (160000005, "debian-11-x64", "Debian", "11 x64", 7, 1.42, "distribution"),
    (160000006, "centos-stream-9-x64", "CentOS", "Stream 9 x64", 10, 1.85, "distribution"),
    (160000007, "fedora-40-x64", "Fedora", "40 x64", 7, 1.55, "distribution"),
    (160000008, "fedora-39-x64", "Fedora", "39 x64", 7, 1.52, "distribution"),
    (160000009, "rockylinux-9-x64", "Rocky Linux", "9 x64", 10, 1.6, "distribution"),
    (160000010, "rockylinux-8-x64", "Rocky Linux", "8 x64", 10, 1.54, "distribution"),
    (160000011, "freebsd-14-x64-zfs", "FreeBSD", "14.1 zfs x64", 20, 3.1, "distribution"),
    (160000012, "freebsd-13-x64-zfs", "FreeBSD", "13.3 zfs x64", 20, 2.9, "distribution"),
    (160000013, "docker-20-04", "Ubuntu", "Docker on Ubuntu 22.04", 25, 4.3, "application"),
    (160000014, "wordpress-20-04", "Ubuntu", "WordPress on Ubuntu 22.04", 25, 5.1, "application"),
]


def _do_size(row: tuple[str, str, int, int, int, float, float, float, list[str], bool]) -> JSON:
    slug, description, vcpus, memory, disk, transfer, monthly, hourly, regions, available = row
    return {
        "slug": slug,
        "description": description,
        "vcpus": vcpus,
        "memory": memory,
        "disk": disk,
        "transfer": transfer,
        "price_monthly": monthly,
        "price_hourly": hourly,
        "regions": list(regions),
        "available": available,
        "disk_info": [{"type": "local", "size": {"amount": disk, "unit": "gib"}}],
    }


DO_SIZES: list[JSON] = [_do_size(row) for row in _DO_SIZES]
DO_SIZES_BY_SLUG = {s["slug"]: s for s in DO_SIZES}


def _do_region(row: tuple[str, str, bool]) -> JSON:
    slug, name, available = row
    return {
        "slug": slug,
        "name": name,
        "available": available,
        "features": ["backups", "ipv6", "metadata", "install_agent", "storage", "image_transfer"],
        "sizes": [s["slug"] for s in DO_SIZES if slug in s["regions"] and s["available"]],
    }


def _do_image(row: tuple[int, str, str, str, int, float, str]) -> JSON:
    image_id, slug, distribution, name, min_disk, size, _kind = row
    return {
        "id": image_id,
        "name": name,
        "distribution": distribution,
        "slug": slug,
        "public": True,
        "regions": list(_ALL_AVAILABLE),
        "created_at": "2024-05-01T14:02:11Z",
        "min_disk_size": min_disk,
        "size_gigabytes": size,
        "type": "base",
        "description": f"{distribution} {name}",
        "tags": [],
        "status": "available",
    }


DO_REGIONS: list[JSON] = [_do_region(row) for row in _DO_REGIONS]
DO_REGIONS_BY_SLUG = {r["slug"]: r for r in DO_REGIONS}
DO_IMAGES: list[JSON] = [_do_image(row) for row in _DO_IMAGES]
DO_IMAGE_KIND = {row[0]: row[6] for row in _DO_IMAGES}


def find_do_image(id_or_slug: object) -> JSON | None:
    """DigitalOcean accepts an image slug or its numeric id (as int or string)."""
    for image in DO_IMAGES:
        if id_or_slug in (image["slug"], image["id"], str(image["id"])):
            return image
    return None
