"""Injected faults, request counters, out-of-band changes and the rest of the control API."""

from __future__ import annotations

import asyncio
import time

import httpx
from fastapi import FastAPI

from tests.simulator.conftest import Sim
from tests.support.openapi_contract import require_specs, validate_response
from vpspanel.simulator import SimulatorSettings, create_simulator_app

DROPLET = {"name": "web-1", "size": "s-1vcpu-1gb", "image": "ubuntu-24-04-x64"}


async def _fault(sim: Sim, **spec: object) -> str:
    response = await sim.control("POST", "/faults", json=spec)
    assert response.status_code == 201, response.text
    fault_id: str = response.json()["id"]
    return fault_id


class TestFaults:
    async def test_server_error_with_provider_body_then_recovery(self, sim: Sim) -> None:
        await _fault(
            sim,
            provider="digitalocean",
            kind="server_error",
            status=503,
            times=2,
            method="GET",
            path="^/droplets$",
        )
        for _ in range(2):
            response = await sim.do("GET", "/droplets", validate=False)
            assert response.status_code == 503
            assert response.json()["id"] == "service_unavailable"
        assert (await sim.do("GET", "/droplets")).status_code == 200

    async def test_server_error_defaults_to_500(self, sim: Sim) -> None:
        await _fault(sim, provider="linode", kind="server_error")
        response = await sim.linode("GET", "/profile")
        assert response.status_code == 500
        assert response.json() == {"errors": [{"reason": "Internal Server Error"}]}

    async def test_faults_match_provider_method_and_path(self, sim: Sim) -> None:
        await _fault(
            sim, provider="linode", kind="server_error", method="POST", path=r"^/linode/instances$"
        )
        assert (await sim.linode("GET", "/linode/instances")).status_code == 200
        assert (await sim.do("POST", "/droplets", json=DROPLET)).status_code == 202
        response = await sim.linode("POST", "/linode/instances", json={})
        assert response.status_code == 500

    async def test_rate_limit_fault(self, sim: Sim) -> None:
        await _fault(sim, provider="linode", kind="rate_limit")
        response = await sim.linode("GET", "/profile")
        assert response.status_code == 429
        assert response.headers["Retry-After"] == "1"
        await _fault(sim, provider="digitalocean", kind="rate_limit")
        response = await sim.do("GET", "/account")
        assert (response.status_code, response.headers["retry-after"]) == (429, "1")
        assert response.json()["id"] == "too_many_requests"

    async def test_timeout_waits_then_answers(self, sim: Sim) -> None:
        await _fault(sim, provider="linode", kind="timeout", delay_seconds=0.2)
        started = time.monotonic()
        response = await sim.linode("GET", "/profile")
        assert response.status_code == 200
        assert time.monotonic() - started >= 0.2

    async def test_lost_response_still_creates_the_droplet(self, sim: Sim) -> None:
        await _fault(
            sim, provider="digitalocean", kind="lost_response", method="POST", path="^/droplets$"
        )
        response = await sim.do("POST", "/droplets", json=DROPLET, validate=False)
        assert response.status_code == 502
        assert response.headers["content-type"].startswith("text/html")
        assert "502 Bad Gateway" in response.text
        listed = (await sim.do("GET", "/droplets", params={"name": "web-1"})).json()
        assert listed["meta"]["total"] == 1

    async def test_late_write_answers_504_and_creates_later(self, sim: Sim) -> None:
        await _fault(
            sim,
            provider="digitalocean",
            kind="late_write",
            method="POST",
            path="^/droplets$",
            write_delay_seconds=0.3,
        )
        response = await sim.do("POST", "/droplets", json=DROPLET, validate=False)
        assert response.status_code == 504
        assert "504 Gateway Time-out" in response.text
        listed = (await sim.do("GET", "/droplets", params={"name": "web-1"})).json()
        assert listed["meta"]["total"] == 0
        await asyncio.sleep(0.5)
        listed = (await sim.do("GET", "/droplets", params={"name": "web-1"})).json()
        assert listed["meta"]["total"] == 1

    async def test_late_write_can_answer_after_a_delay(self, sim: Sim) -> None:
        await _fault(
            sim,
            provider="linode",
            kind="late_write",
            method="POST",
            status=502,
            delay_seconds=0.2,
            write_delay_seconds=0.0,
        )
        started = time.monotonic()
        response = await sim.linode(
            "POST",
            "/linode/instances",
            validate=False,
            json={"type": "g6-nanode-1", "region": "us-east", "label": "late-one"},
        )
        assert response.status_code == 502
        assert time.monotonic() - started >= 0.2
        found = (
            await sim.linode(
                "GET", "/linode/instances", headers={"X-Filter": '{"label": "late-one"}'}
            )
        ).json()
        assert found["results"] == 1

    async def test_a_reset_cancels_a_pending_late_write(self, sim: Sim) -> None:
        await _fault(
            sim, provider="digitalocean", kind="late_write", method="POST", write_delay_seconds=0.2
        )
        await sim.do("POST", "/droplets", json=DROPLET, validate=False)
        await sim.control("POST", "/reset")
        await asyncio.sleep(0.4)
        listed = (await sim.do("GET", "/droplets")).json()
        assert listed["meta"]["total"] == 0

    async def test_lost_response_status_can_be_504(self, sim: Sim) -> None:
        await _fault(sim, provider="linode", kind="lost_response", status=504)
        response = await sim.linode(
            "POST",
            "/linode/instances",
            validate=False,
            json={"type": "g6-nanode-1", "region": "us-east", "label": "lost-one"},
        )
        assert response.status_code == 504
        found = (
            await sim.linode(
                "GET", "/linode/instances", headers={"X-Filter": '{"label": "lost-one"}'}
            )
        ).json()
        assert found["results"] == 1

    async def test_list_and_clear_faults(self, sim: Sim) -> None:
        first = await _fault(sim, provider="linode", kind="server_error", times=5)
        await _fault(sim, provider="digitalocean", kind="timeout")
        listed = (await sim.control("GET", "/faults")).json()["faults"]
        assert [f["times"] for f in listed] == [5, 1]
        assert (await sim.control("DELETE", f"/faults/{first}")).status_code == 204
        assert len((await sim.control("GET", "/faults")).json()["faults"]) == 1
        assert (await sim.control("DELETE", "/faults")).status_code == 204
        assert (await sim.control("GET", "/faults")).json()["faults"] == []

    async def test_invalid_fault_is_422(self, sim: Sim) -> None:
        for spec in (
            {"provider": "aws", "kind": "timeout"},
            {"provider": "linode", "kind": "meteor"},
            {"provider": "linode", "kind": "timeout", "path": "("},
        ):
            assert (await sim.control("POST", "/faults", json=spec)).status_code == 422


class TestLatency:
    async def test_configured_latency_delays_every_provider_answer(self, sim: Sim) -> None:
        await sim.configure(latency_ms=150)
        started = time.monotonic()
        assert (await sim.linode("GET", "/regions", token=None)).status_code == 200
        assert time.monotonic() - started >= 0.15
        started = time.monotonic()
        assert (await sim.control("GET", "/config")).status_code == 200
        assert time.monotonic() - started < 0.15  # the control API is never slowed down


class TestRequestCounts:
    async def test_counts_by_provider_method_and_path(self, sim: Sim) -> None:
        await sim.linode("GET", "/regions", token=None)
        await sim.linode("GET", "/regions", token=None)
        await _fault(sim, provider="digitalocean", kind="server_error")
        await sim.do("GET", "/droplets", validate=False)
        droplet = (await sim.create_droplet())["droplet"]
        await sim.do("GET", f"/droplets/{droplet['id']}")

        async def count(**params: str) -> int:
            total: int = (await sim.control("GET", "/requests", params=params)).json()["total"]
            return total

        assert await count() == 5
        assert await count(provider="linode", path="/regions") == 2
        assert await count(provider="digitalocean", method="GET") == 2
        assert await count(provider="digitalocean", path=r"/droplets/\d+") == 1
        assert (await sim.control("DELETE", "/requests")).status_code == 204
        assert await count() == 0


class TestOutOfBand:
    async def test_instances_listing_by_token(self, sim: Sim) -> None:
        await sim.create_linode(token="tok-a", label="mine")
        await sim.create_linode(token="tok-b", label="theirs")
        mine = (
            await sim.control("GET", "/linode/instances", headers={"X-Simulator-Token": "tok-a"})
        ).json()
        assert [i["label"] for i in mine["instances"]] == ["mine"]
        everyone = (await sim.control("GET", "/linode/instances")).json()["instances"]
        assert len(everyone) == 2
        query = (await sim.control("GET", "/linode/instances", params={"token": "tok-b"})).json()
        assert [i["label"] for i in query["instances"]] == ["theirs"]
        assert (await sim.control("GET", "/aws/instances")).status_code == 404

    async def test_patch_status_behind_our_back(self, sim: Sim) -> None:
        await sim.configure(durations={"provision": 100})
        droplet = (await sim.create_droplet())["droplet"]
        response = await sim.control(
            "PATCH", f"/digitalocean/instances/{droplet['id']}", json={"status": "off"}
        )
        assert response.status_code == 200 and response.json()["instance"]["status"] == "off"
        got = (await sim.do("GET", f"/droplets/{droplet['id']}")).json()["droplet"]
        assert (got["status"], got["locked"]) == ("off", False)
        linode = await sim.create_linode()
        await sim.control("PATCH", f"/linode/instances/{linode['id']}", json={"status": "offline"})
        assert (await sim.linode("GET", f"/linode/instances/{linode['id']}")).json()[
            "status"
        ] == "offline"

    async def test_delete_behind_our_back(self, sim: Sim) -> None:
        droplet = (await sim.create_droplet())["droplet"]
        linode = await sim.create_linode()
        assert (
            await sim.control("DELETE", f"/digitalocean/instances/{droplet['id']}")
        ).status_code == 204
        assert (await sim.control("DELETE", f"/linode/instances/{linode['id']}")).status_code == 204
        assert (await sim.do("GET", f"/droplets/{droplet['id']}")).status_code == 404
        assert (await sim.linode("GET", f"/linode/instances/{linode['id']}")).status_code == 404
        assert (await sim.control("DELETE", "/linode/instances/1")).status_code == 404


class TestConfigResetClock:
    async def test_config_round_trip(self, sim: Sim) -> None:
        config = (await sim.control("GET", "/config")).json()
        assert set(config["durations"]) == {
            "provision",
            "boot",
            "shutdown",
            "reboot",
            "rebuild",
            "resize",
            "delete",
        }
        patched = (
            await sim.control(
                "PATCH",
                "/config",
                json={
                    "latency_ms": 5,
                    "durations": {"boot": 7},
                    "rate_limits": {"linode": {"create": {"limit": 3, "window_seconds": 0.5}}},
                },
            )
        ).json()
        assert patched["latency_ms"] == 5 and patched["durations"]["boot"] == 7
        assert patched["durations"]["provision"] == 0  # untouched keys survive
        assert patched["rate_limits"]["linode"]["create"] == {"limit": 3, "window_seconds": 0.5}
        assert patched["rate_limits"]["linode"]["general"]["limit"] == 800

    async def test_invalid_config_is_422_and_changes_nothing(self, sim: Sim) -> None:
        for change in ({"latency_ms": -1}, {"durations": {"boot": "slow"}}, {"colour": 1}):
            assert (await sim.control("PATCH", "/config", json=change)).status_code == 422
        assert (await sim.control("GET", "/config")).json()["latency_ms"] == 0

    async def test_reset_clears_state_but_keeps_catalogs(self, sim: Sim) -> None:
        await sim.create_linode()
        await sim.create_droplet()
        await _fault(sim, provider="linode", kind="timeout")
        assert (await sim.control("POST", "/reset")).status_code == 200
        assert (await sim.linode("GET", "/linode/instances")).json()["results"] == 0
        assert (await sim.control("GET", "/faults")).json()["faults"] == []
        assert (await sim.control("GET", "/requests")).json()["total"] == 1
        assert (await sim.linode("GET", "/linode/types", token=None)).json()["results"] >= 12

    async def test_clock_advance(self, sim: Sim) -> None:
        before = (await sim.control("GET", "/clock")).json()
        assert before["manual"] is True
        after = (await sim.control("POST", "/clock/advance", json={"seconds": 90})).json()
        assert after["now"] == before["now"] + 90

    async def test_clock_advance_needs_a_manual_clock(self) -> None:
        app = create_simulator_app(SimulatorSettings.instant())
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://sim.test"
        ) as client:
            response = await client.post("/_control/clock/advance", json={"seconds": 1})
            assert response.status_code == 409


class TestMountedUnderAPrefix:
    async def test_links_use_the_mount_prefix(self) -> None:
        require_specs()
        outer = FastAPI()
        outer.mount("/_sim", create_simulator_app(SimulatorSettings.instant()))
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=outer), base_url="http://panel.test"
        ) as client:
            auth = {"Authorization": "Bearer tok"}
            created = await client.post(
                "/_sim/digitalocean/v2/droplets", json=DROPLET, headers=auth
            )
            assert created.status_code == 202
            href = created.json()["links"]["actions"][0]["href"]
            assert href.startswith("http://panel.test/_sim/digitalocean/v2/actions/")
            assert (await client.get(href, headers=auth)).status_code == 200
            sizes = await client.get("/_sim/digitalocean/v2/sizes?per_page=2", headers=auth)
            validate_response(
                "digitalocean", "GET", "/v2/sizes", 200, sizes.json(), dict(sizes.headers)
            )
            assert sizes.json()["links"]["pages"]["next"].startswith(
                "http://panel.test/_sim/digitalocean/v2/sizes?"
            )
            linode = await client.get("/_sim/linode/v4/regions")
            assert linode.status_code == 200
            control = await client.get("/_sim/_control/config")
            assert control.status_code == 200
