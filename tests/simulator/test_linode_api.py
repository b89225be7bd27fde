"""Linode API v4: every served operation, its envelopes and its errors, checked against the
official document (the `sim` helper validates every response)."""

from __future__ import annotations

import base64
import json
import re
from typing import Any

from tests.simulator.conftest import SSH_ED25519, STRONG_PASSWORD, Sim

NAIVE_TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$")


class TestCatalog:
    async def test_types_are_public_and_paginated(self, sim: Sim) -> None:
        response = await sim.linode("GET", "/linode/types", token=None)
        assert response.status_code == 200
        body = response.json()
        assert (body["page"], body["pages"]) == (1, 1)
        assert body["results"] == len(body["data"]) >= 12

    async def test_nanode_price_and_units(self, sim: Sim) -> None:
        nanode = (await sim.linode("GET", "/linode/types/g6-nanode-1", token=None)).json()
        assert nanode["label"] == "Nanode 1GB"
        assert nanode["price"] == {"monthly": 5.0, "hourly": 0.0075}
        # disk in MB; transfer in GB although the document says MB
        assert (nanode["disk"], nanode["transfer"]) == (25600, 1000)
        regions = {p["id"]: p for p in nanode["region_prices"]}
        assert regions["id-cgk"]["monthly"] > 5.0 and regions["br-gru"]["monthly"] > 5.0

    async def test_unknown_type_is_404_with_errors_body(self, sim: Sim) -> None:
        response = await sim.linode("GET", "/linode/types/g6-nope", token=None)
        assert response.status_code == 404
        assert response.json() == {"errors": [{"reason": "Not found"}]}

    async def test_regions_are_public(self, sim: Sim) -> None:
        body = (await sim.linode("GET", "/regions", token=None)).json()
        assert body["results"] >= 10
        one = (await sim.linode("GET", "/regions/id-cgk", token=None)).json()
        assert one["country"] == "id"

    async def test_images_need_auth(self, sim: Sim) -> None:
        response = await sim.linode("GET", "/images", token=None)
        assert response.status_code == 401
        assert response.json() == {"errors": [{"reason": "Invalid Token"}]}

    async def test_images_list_one_deprecated(self, sim: Sim) -> None:
        body = (await sim.linode("GET", "/images")).json()
        assert body["results"] >= 12
        deprecated = [i["id"] for i in body["data"] if i["deprecated"]]
        assert deprecated == ["linode/ubuntu18.04"]
        one = (await sim.linode("GET", "/images/linode/ubuntu24.04")).json()
        assert one["vendor"] == "Ubuntu" and "cloud-init" in one["capabilities"]
        missing = await sim.linode("GET", "/images/linode/nothing")
        assert missing.status_code == 404

    async def test_page_size_is_25_to_500(self, sim: Sim) -> None:
        for size in ("24", "501", "x"):
            response = await sim.linode(
                "GET", "/linode/types", token=None, params={"page_size": size}
            )
            assert response.status_code == 400
            assert response.json()["errors"][0]["field"] == "page_size"

    async def test_filter_by_class_and_or(self, sim: Sim) -> None:
        flt = {"+or": [{"class": "nanode"}, {"class": "dedicated"}], "vcpus": {"+lte": 2}}
        body = (
            await sim.linode(
                "GET", "/linode/types", token=None, headers={"X-Filter": json.dumps(flt)}
            )
        ).json()
        assert {t["id"] for t in body["data"]} == {"g6-nanode-1", "g6-dedicated-2"}

    async def test_filter_on_unknown_field_is_400(self, sim: Sim) -> None:
        response = await sim.linode(
            "GET", "/linode/types", token=None, headers={"X-Filter": '{"price": 5}'}
        )
        assert response.status_code == 400
        bad_json = await sim.linode(
            "GET", "/linode/types", token=None, headers={"X-Filter": "{nope"}
        )
        assert bad_json.status_code == 400


class TestProfileAndAccount:
    async def test_profile_is_per_token(self, sim: Sim) -> None:
        alpha = (await sim.linode("GET", "/profile", token="tok-alpha")).json()
        beta = (await sim.linode("GET", "/profile", token="tok-beta")).json()
        assert alpha["uid"] != beta["uid"]
        assert alpha["restricted"] is False

    async def test_grants_are_204_for_unrestricted(self, sim: Sim) -> None:
        response = await sim.linode("GET", "/profile/grants")
        assert response.status_code == 204 and response.content == b""

    async def test_account(self, sim: Sim) -> None:
        response = await sim.linode("GET", "/account")
        assert response.status_code == 200 and response.json()["country"] == "US"

    async def test_scopes_header(self, sim: Sim) -> None:
        full = await sim.linode("GET", "/profile")
        assert full.headers["X-OAuth-Scopes"] == "*"
        readonly = await sim.linode("GET", "/profile", token="readonly-1")
        scopes = readonly.headers["X-OAuth-Scopes"].split()
        assert "linodes:read_only" in scopes and "images:read_only" in scopes
        assert not any(s.endswith(":read_write") for s in scopes)


class TestInstances:
    async def test_create_returns_200_full_object(self, sim: Sim) -> None:
        created = await sim.create_linode(
            label="web-1",
            tags=["order-1"],
            private_ip=True,
            backups_enabled=True,
            authorized_keys=[SSH_ED25519],
        )
        assert created["status"] == "provisioning"
        assert created["label"] == "web-1" and created["tags"] == ["order-1"]
        assert len(created["ipv4"]) == 2 and created["ipv4"][1].startswith("192.168.")
        assert created["ipv6"].endswith("/128")
        assert created["backups"]["enabled"] is True
        assert NAIVE_TIMESTAMP.match(created["created"])
        assert created["specs"]["disk"] == 25600

    async def test_create_with_user_data(self, sim: Sim) -> None:
        user_data = base64.b64encode(b"#cloud-config\n").decode()
        created = await sim.create_linode(metadata={"user_data": user_data})
        assert created["has_user_data"] is True

    async def test_create_generates_a_label(self, sim: Sim) -> None:
        created = await sim.create_linode()
        assert created["label"] == f"linode{created['id']}"

    async def test_create_validation_errors(self, sim: Sim) -> None:
        cases: list[tuple[dict[str, Any], str]] = [
            ({"type": "g6-nope"}, "type"),
            ({"region": "mars-1"}, "region"),
            ({"image": "linode/windows"}, "image"),
            ({"root_pass": "short"}, "root_pass"),
            ({"label": "1starts-with-digit"}, "label"),
            ({"label": "dou--ble"}, "label"),
            ({"label": "ab"}, "label"),
            ({"authorized_keys": ["ssh-rsa not-base64!"]}, "authorized_keys"),
            ({"metadata": {"user_data": "%%%"}}, "metadata.user_data"),
        ]
        for override, field in cases:
            body = {
                "type": "g6-nanode-1",
                "region": "us-east",
                "image": "linode/debian12",
                "root_pass": STRONG_PASSWORD,
                **override,
            }
            response = await sim.linode("POST", "/linode/instances", json=body)
            assert response.status_code == 400, override
            assert response.json()["errors"][0]["field"] == field, override

    async def test_weak_password_gets_the_real_reason(self, sim: Sim) -> None:
        body = {
            "type": "g6-nanode-1",
            "region": "us-east",
            "image": "linode/debian12",
            "root_pass": "alllowercase",
        }
        response = await sim.linode("POST", "/linode/instances", json=body)
        assert response.status_code == 400
        assert response.json() == {
            "errors": [
                {"reason": "Password does not meet strength requirement", "field": "root_pass"}
            ]
        }

    async def test_missing_required_fields_are_all_reported(self, sim: Sim) -> None:
        response = await sim.linode("POST", "/linode/instances", json={"image": "linode/debian12"})
        fields = {e["field"] for e in response.json()["errors"]}
        assert fields == {"type", "region", "root_pass"}

    async def test_labels_are_unique_per_account(self, sim: Sim) -> None:
        await sim.create_linode(label="web-1")
        body = {"type": "g6-nanode-1", "region": "us-east", "label": "WEB-1"}
        duplicate = await sim.linode("POST", "/linode/instances", json=body)
        assert duplicate.status_code == 400
        assert duplicate.json()["errors"][0]["field"] == "label"
        other_account = await sim.linode("POST", "/linode/instances", json=body, token="tok-beta")
        assert other_account.status_code == 200

    async def test_invalid_json_is_400(self, sim: Sim) -> None:
        response = await sim.linode(
            "POST", "/linode/instances", content=b"{", headers={"Content-Type": "application/json"}
        )
        assert response.status_code == 400

    async def test_get_and_list_are_per_account(self, sim: Sim) -> None:
        created = await sim.create_linode()
        got = (await sim.linode("GET", f"/linode/instances/{created['id']}")).json()
        assert got["id"] == created["id"] and got["status"] == "running"
        other = await sim.linode("GET", f"/linode/instances/{created['id']}", token="tok-beta")
        assert other.status_code == 404
        assert (await sim.linode("GET", "/linode/instances", token="tok-beta")).json()[
            "results"
        ] == 0

    async def test_list_paginates_and_filters_by_tag_and_label(self, sim: Sim) -> None:
        for n in range(30):
            await sim.create_linode(label=f"vm-{n:02d}", tags=["odd" if n % 2 else "even"])
        page2 = (
            await sim.linode("GET", "/linode/instances", params={"page": 2, "page_size": 25})
        ).json()
        assert (page2["page"], page2["pages"], page2["results"]) == (2, 2, 30)
        assert [i["label"] for i in page2["data"]] == [f"vm-{n}" for n in range(25, 30)]
        odd = (
            await sim.linode("GET", "/linode/instances", headers={"X-Filter": '{"tags": "odd"}'})
        ).json()
        assert odd["results"] == 15
        one = (
            await sim.linode("GET", "/linode/instances", headers={"X-Filter": '{"label": "vm-07"}'})
        ).json()
        assert [i["label"] for i in one["data"]] == ["vm-07"]
        ordered = (
            await sim.linode(
                "GET",
                "/linode/instances",
                headers={
                    "X-Filter": '{"+and": [{"tags": "even"}, {"label": {"+contains": "vm-1"}}],'
                    ' "+order_by": "label", "+order": "desc"}'
                },
            )
        ).json()
        assert [i["label"] for i in ordered["data"]] == [f"vm-1{n}" for n in (8, 6, 4, 2, 0)]

    async def test_put_updates_label_and_tags(self, sim: Sim) -> None:
        first = await sim.create_linode(label="first")
        second = await sim.create_linode(label="second")
        response = await sim.linode(
            "PUT", f"/linode/instances/{second['id']}", json={"label": "renamed", "tags": ["x-tag"]}
        )
        assert response.status_code == 200
        assert (response.json()["label"], response.json()["tags"]) == ("renamed", ["x-tag"])
        clash = await sim.linode(
            "PUT", f"/linode/instances/{second['id']}", json={"label": first["label"]}
        )
        assert clash.status_code == 400

    async def test_delete_returns_empty_object_then_404(self, sim: Sim) -> None:
        created = await sim.create_linode()
        response = await sim.linode("DELETE", f"/linode/instances/{created['id']}")
        assert (response.status_code, response.json()) == (200, {})
        gone = await sim.linode("GET", f"/linode/instances/{created['id']}")
        assert gone.status_code == 404

    async def test_power_actions_return_empty_objects(self, sim: Sim) -> None:
        created = await sim.create_linode()
        path = f"/linode/instances/{created['id']}"
        await sim.linode("GET", path)  # provisioning -> running
        for action, expected in (
            ("shutdown", "offline"),
            ("boot", "running"),
            ("reboot", "running"),
        ):
            response = await sim.linode("POST", f"{path}/{action}")
            assert (response.status_code, response.json()) == (200, {})
            assert (await sim.linode("GET", path)).json()["status"] == expected

    async def test_rebuild_returns_the_instance(self, sim: Sim) -> None:
        created = await sim.create_linode()
        path = f"/linode/instances/{created['id']}"
        await sim.linode("GET", path)
        response = await sim.linode(
            "POST",
            f"{path}/rebuild",
            json={"image": "linode/ubuntu24.04", "root_pass": STRONG_PASSWORD},
        )
        assert response.status_code == 200
        assert (response.json()["status"], response.json()["image"]) == (
            "rebuilding",
            "linode/ubuntu24.04",
        )
        weak = await sim.linode(
            "POST", f"{path}/rebuild", json={"image": "linode/debian12", "root_pass": "password"}
        )
        assert weak.status_code == 400

    async def test_resize_up_only(self, sim: Sim) -> None:
        created = await sim.create_linode(type="g6-standard-2")
        path = f"/linode/instances/{created['id']}"
        await sim.linode("GET", path)
        smaller = await sim.linode("POST", f"{path}/resize", json={"type": "g6-nanode-1"})
        assert smaller.status_code == 400 and smaller.json()["errors"][0]["field"] == "type"
        bigger = await sim.linode("POST", f"{path}/resize", json={"type": "g6-standard-4"})
        assert (bigger.status_code, bigger.json()) == (200, {})
        assert (await sim.linode("GET", path)).json()["type"] == "g6-standard-4"

    async def test_ips(self, sim: Sim) -> None:
        created = await sim.create_linode(private_ip=True)
        body = (await sim.linode("GET", f"/linode/instances/{created['id']}/ips")).json()
        assert body["ipv4"]["public"][0]["address"] == created["ipv4"][0]
        assert body["ipv4"]["private"][0]["address"] == created["ipv4"][1]
        assert body["ipv6"]["slaac"]["address"] == created["ipv6"].removesuffix("/128")

    async def test_stats_are_wrapped_and_deterministic(self, sim: Sim) -> None:
        created = await sim.create_linode()
        path = f"/linode/instances/{created['id']}/stats"
        assert len((await sim.linode("GET", path)).json()["data"]["cpu"]) <= 1  # no history yet
        sim.clock.advance(2 * 86_400)
        first = (await sim.linode("GET", path)).json()
        assert set(first) == {"data", "title"}
        cpu = first["data"]["cpu"]
        assert len(cpu) == 288 and cpu[1][0] - cpu[0][0] == 300_000
        assert all(0 <= value <= 100 for _, value in cpu)
        assert set(first["data"]["netv4"]) == {"in", "out", "private_in", "private_out"}
        assert (await sim.linode("GET", path)).json() == first

    async def test_stats_of_a_month_cover_the_instance_life_in_it(self, sim: Sim) -> None:
        created = await sim.create_linode()  # 2026-01-01T00:00:00Z on the manual clock
        sim.clock.advance(40 * 86_400)
        path = f"/linode/instances/{created['id']}/stats"
        january = (await sim.linode("GET", f"{path}/2026/1")).json()["data"]["cpu"]
        assert len(january) == 31 * 288 and january[0][0] == 1_767_225_600_000
        december = (await sim.linode("GET", f"{path}/2025/12")).json()["data"]["cpu"]
        assert december == []

    async def test_events_track_progress(self, sim: Sim) -> None:
        await sim.configure(durations={"provision": 10, "boot": 10})
        created = await sim.create_linode()
        sim.clock.advance(5)
        flt = json.dumps({"entity.id": created["id"], "action": "linode_create"})
        events = (await sim.linode("GET", "/account/events", headers={"X-Filter": flt})).json()[
            "data"
        ]
        assert [(e["status"], e["percent_complete"]) for e in events] == [("started", 25)]
        sim.clock.advance(20)
        event = (await sim.linode("GET", f"/account/events/{events[0]['id']}")).json()
        assert (event["status"], event["percent_complete"]) == ("finished", 100)
        assert (await sim.linode("GET", "/account/events/1")).status_code == 404

    async def test_unknown_path_and_method(self, sim: Sim) -> None:
        assert (await sim.linode("GET", "/nothing/here", validate=False)).status_code == 404
        response = await sim.linode("PATCH", "/linode/instances", validate=False)
        assert response.status_code == 405
