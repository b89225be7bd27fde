import logging
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from tests.providers.support import linode_fixture
from vpspanel.providers.linode import mappers
from vpspanel.providers.types import InstanceStatus, RegionPrice

LINODE_STATUSES = [
    "running", "offline", "booting", "busy", "rebooting", "shutting_down", "provisioning",
    "deleting", "migrating", "rebuilding", "cloning", "restoring", "stopped", "billing_suspension",
]  # fmt: skip


class TestLinodePlanMapper:
    def test_nanode_units_and_prices_by_value(self) -> None:
        nanode = next(
            mappers.plan_from_linode_type(item)
            for item in linode_fixture("linode_types.json")["data"]
            if item["id"] == "g6-nanode-1"
        )
        assert nanode.label == "Linode 1024"
        assert nanode.plan_class == "nanode"
        assert nanode.vcpus == 1
        assert nanode.memory_mb == 1024
        assert nanode.disk_gb == 20  # 20480 MB
        assert nanode.transfer_gb == 1000  # documented as MB, actually GB
        assert nanode.price_monthly == Decimal("5")
        assert nanode.price_hourly == Decimal("0.0075")  # exact, not 0.007499999...
        assert nanode.region_prices == {
            "us-east": RegionPrice(monthly=Decimal("20"), hourly=Decimal("0.02")),
            "ap-northeast": RegionPrice(monthly=Decimal("20"), hourly=Decimal("0.02")),
        }
        assert nanode.regions is None
        assert nanode.price_in("us-east").monthly == Decimal("20")
        assert nanode.price_in("eu-west").monthly == Decimal("5")

    def test_every_fixture_type_maps(self) -> None:
        plans = [
            mappers.plan_from_linode_type(i) for i in linode_fixture("linode_types.json")["data"]
        ]
        assert [p.disk_gb for p in plans] == [20, 20, 30, 48, 300]


class TestLinodeRegionMapper:
    def test_country_is_upper_iso_and_uk_is_gb(self) -> None:
        regions = {
            r.id: r for r in map(mappers.region_from_linode, linode_fixture("regions.json")["data"])
        }
        assert regions["ap-west"].country == "IN"
        assert regions["eu-west"].country == "GB"
        assert regions["ap-west"].label == "label1"
        assert regions["ap-west"].available is True

    def test_region_without_linodes_capability_is_unavailable(self) -> None:
        region = mappers.region_from_linode(
            {"id": "x", "label": "X", "country": "us", "status": "ok", "capabilities": []}
        )
        assert region.available is False


class TestLinodeImageMapper:
    def test_distribution_and_version_from_vendor_and_label(self) -> None:
        images = {
            i.id: i for i in map(mappers.image_from_linode, linode_fixture("images.json")["data"])
        }
        assert (images["linode/debian9"].distribution, images["linode/debian9"].version) == (
            "Debian",
            "9",
        )
        assert images["linode/ubuntu17.04"].version == "17.04"
        assert images["private/123"].distribution is None
        assert images["private/123"].version is None


class TestLinodeInstanceMapper:
    def test_fixture_instance(self) -> None:
        instance = mappers.instance_from_linode(linode_fixture("linode_instances.json")["data"][0])
        assert instance.id == "123"
        assert instance.status is InstanceStatus.RUNNING
        assert instance.ipv4 == "123.45.67.89"
        assert instance.ipv6 == "1234:abcd::1234:abcd:89ef:67cd"
        assert instance.plan_id == "g6-standard-1"
        assert instance.image_id == "linode/ubuntu17.04"
        assert instance.created_at == datetime(2017, 1, 1, tzinfo=UTC)

    def test_private_address_is_not_the_public_ipv4(self) -> None:
        item = {"id": 1, "status": "running", "ipv4": ["192.168.1.5", "203.0.114.7"]}
        assert mappers.instance_from_linode(item).ipv4 == "203.0.114.7"

    def test_every_linode_status_maps_to_a_known_status(self) -> None:
        for raw in LINODE_STATUSES:
            assert mappers.linode_status(raw) is not InstanceStatus.UNKNOWN, raw
        assert mappers.linode_status("offline") is InstanceStatus.STOPPED
        assert mappers.linode_status("shutting_down") is InstanceStatus.STOPPING
        assert mappers.linode_status("booting") is InstanceStatus.STARTING
        assert mappers.linode_status("stopped") is InstanceStatus.MAINTENANCE
        assert mappers.linode_status("billing_suspension") is InstanceStatus.SUSPENDED
        assert mappers.linode_status("resizing") is InstanceStatus.RESIZING

    def test_unknown_status_is_unknown_and_logged_once(
        self, caplog: pytest.LogCaptureFixture
    ) -> None:
        with caplog.at_level(logging.WARNING):
            assert mappers.linode_status("teleporting") is InstanceStatus.UNKNOWN
            assert mappers.linode_status("teleporting") is InstanceStatus.UNKNOWN
        assert sum("teleporting" in r.getMessage() for r in caplog.records) == 1


class TestLinodeStatsMapper:
    def test_wrapped_and_top_level_shapes_ms_to_seconds(self) -> None:
        series = {
            "cpu": [[1_700_000_000_000, 12.5], [1_700_000_300_000, 50.0]],
            "netv4": {"in": [[1_700_000_000_000, 1000.0]], "out": [[1_700_000_000_000, 2000.0]]},
            "netv6": {"in": [[1_700_000_000_000, 24.0]], "out": []},
        }
        for body in (series, {"data": series, "title": "x"}):
            metrics = mappers.metrics_from_linode_stats(body, since_s=0)
            assert metrics.cpu_percent == [(1_700_000_000, 12.5), (1_700_000_300, 50.0)]
            assert metrics.network_in_bps == [(1_700_000_000, 1024.0)]
            assert metrics.network_out_bps == [(1_700_000_000, 2000.0)]

    def test_points_before_the_period_are_dropped(self) -> None:
        body = {"data": {"cpu": [[1_000_000, 1.0], [5_000_000, 2.0]]}}
        assert mappers.metrics_from_linode_stats(body, since_s=2000).cpu_percent == [(5000, 2.0)]
