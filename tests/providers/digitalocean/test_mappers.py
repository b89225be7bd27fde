from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from tests.providers.support import do_yaml
from vpspanel.providers.digitalocean import mappers
from vpspanel.providers.types import InstanceStatus


def _droplet_example(name: str) -> dict[str, Any]:
    value: dict[str, Any] = do_yaml("resources/droplets/responses/examples.yml")[name]["value"]
    return value


class TestSizeMapper:
    def test_spec_example_units_by_value(self) -> None:
        example = do_yaml("resources/sizes/responses/all_sizes.yml")
        size = example["content"]["application/json"]["schema"]["example"]["sizes"][0]
        plan = mappers.plan_from_size(size)
        assert plan.id == "s-1vcpu-1gb"
        assert plan.memory_mb == 1024
        assert plan.disk_gb == 25
        assert plan.transfer_gb == 1000  # 1.0 TB
        assert plan.price_monthly == Decimal("5.0")
        assert plan.price_hourly == Decimal("0.00743999984115362")  # exact decimal of the JSON
        assert plan.regions is not None and "nyc3" in plan.regions and len(plan.regions) == 13
        assert plan.available is True
        assert plan.plan_class == "basic"
        assert plan.label == "Basic 1 vCPU / 1 GB"
        assert plan.region_prices == {}

    def test_fractional_terabytes(self) -> None:
        size = {"slug": "s", "memory": 512, "vcpus": 1, "disk": 10, "transfer": 0.5,
                "price_monthly": 4, "price_hourly": 0.00595, "regions": [], "available": False,
                "description": "Basic"}  # fmt: skip
        plan = mappers.plan_from_size(size)
        assert plan.transfer_gb == 500
        assert plan.label == "Basic 1 vCPU / 512 MB"
        assert plan.available is False


class TestRegionMapper:
    def test_spec_example(self) -> None:
        example = do_yaml("resources/regions/responses/all_regions.yml")
        region = mappers.region_from_do(
            example["content"]["application/json"]["schema"]["example"]["regions"][0]
        )
        assert (region.id, region.label, region.country, region.available) == (
            "nyc3",
            "New York 3",
            "US",
            True,
        )


class TestImageMapper:
    def test_distribution_example(self) -> None:
        example = do_yaml("resources/images/responses/examples.yml")
        image = mappers.image_from_do(example["images_distribution"]["value"]["images"][0])
        assert image.id == "ubuntu-20-04-x64"
        assert image.distribution == "Ubuntu"
        assert image.version == "20.04"
        assert image.label == "Ubuntu 20.04 (LTS) x64"
        assert image.deprecated is False

    def test_private_image_uses_numeric_id_and_retired_is_deprecated(self) -> None:
        image = mappers.image_from_do(
            {"id": 42, "slug": None, "name": "snap", "distribution": "Debian", "status": "retired"}
        )
        assert image.id == "42"
        assert image.deprecated is True


class TestDropletMapper:
    def test_spec_example_droplet(self) -> None:
        droplet = _droplet_example("droplets_all")["droplets"][0]
        instance = mappers.instance_from_droplet(droplet)
        assert instance.id == "3164444"
        assert instance.label == "example.com"
        assert instance.status is InstanceStatus.RUNNING
        assert instance.ipv4 == "192.241.165.154"  # the public one, not 10.128.192.124
        assert instance.ipv6 == "2604:a880:0:1010::18a:a001"
        assert instance.region_id == "nyc3"
        assert instance.plan_id == "s-1vcpu-1gb"
        assert instance.image_id == "ubuntu-20-04-x64"
        assert instance.tags == ["web", "env:prod"]
        assert instance.created_at == datetime(2020, 7, 21, 18, 37, 44, tzinfo=UTC)
        assert instance.extra["private_ipv4"] == "10.128.192.124"

    @pytest.mark.parametrize(
        ("raw", "expected"),
        [
            ("new", InstanceStatus.PROVISIONING),
            ("active", InstanceStatus.RUNNING),
            ("off", InstanceStatus.STOPPED),
            ("archive", InstanceStatus.DELETED),
            ("melting", InstanceStatus.UNKNOWN),
        ],
    )
    def test_status_map(self, raw: str, expected: InstanceStatus) -> None:
        assert mappers.droplet_status(raw) is expected

    def test_an_archived_droplet_has_no_addresses(self) -> None:
        networks = {"v4": [{"type": "public", "ip_address": "203.0.113.9"}]}
        droplet = {"id": 1, "name": "a", "status": "archive", "networks": networks}
        instance = mappers.instance_from_droplet(droplet)
        assert instance.status is InstanceStatus.DELETED
        assert (instance.ipv4, instance.ipv6) == (None, None)

    @pytest.mark.parametrize(
        ("status", "action", "expected"),
        [
            ("off", "power_on", InstanceStatus.STARTING),
            ("active", "shutdown", InstanceStatus.STOPPING),
            ("active", "reboot", InstanceStatus.REBOOTING),
            ("active", "rebuild", InstanceStatus.REBUILDING),
            ("off", "resize", InstanceStatus.RESIZING),
            ("active", "snapshot", InstanceStatus.RUNNING),
        ],
    )
    def test_locked_droplet_takes_status_from_its_action(
        self, status: str, action: str, expected: InstanceStatus
    ) -> None:
        droplet = {"id": 1, "name": "a", "status": status, "locked": True}
        assert mappers.instance_from_droplet(droplet, action).status is expected


class TestMetricsMapper:
    def test_cpu_cumulative_seconds_to_percent_busy(self) -> None:
        body = {"data": {"result": [
            {"metric": {"mode": "idle"}, "values": [[100, "1000"], [160, "1090"], [220, "1100"]]},
            {"metric": {"mode": "user"}, "values": [[100, "50"], [160, "60"], [220, "150"]]},
        ]}}  # fmt: skip
        assert mappers.cpu_percent_from_do(body) == [(160, 10.0), (220, 90.0)]

    def test_cpu_spec_example_is_percentages(self) -> None:
        body = do_yaml("resources/monitoring/responses/examples.yml")["droplet_cpu"]["value"]
        points = mappers.cpu_percent_from_do(body)
        assert [t for t, _ in points] == [1635387000, 1635387120]
        assert all(0.0 <= value <= 100.0 for _, value in points)

    def test_bandwidth_mbps_to_bits_per_second(self) -> None:
        examples = do_yaml("resources/monitoring/responses/examples.yml")
        inbound = mappers.bandwidth_bps_from_do(
            examples["inbound_public_droplet_bandwidth"]["value"]
        )
        assert inbound[0][0] == 1634052360
        assert inbound[0][1] == pytest.approx(16600.450090265357)
        assert len(inbound) == 4
