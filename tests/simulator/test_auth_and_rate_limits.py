"""Token conventions and rate limiting (per token, sliding windows, real headers)."""

from __future__ import annotations

import math
from typing import Any

import pytest

from tests.simulator.conftest import STRONG_PASSWORD, Sim
from vpspanel.simulator import SimulatorSettings

CREATE = {
    "type": "g6-nanode-1",
    "region": "us-east",
    "image": "linode/debian12",
    "root_pass": STRONG_PASSWORD,
}


class TestTokens:
    async def test_invalid_tokens_are_401_even_on_public_endpoints(self, sim: Sim) -> None:
        for path in ("/regions", "/profile", "/linode/instances"):
            response = await sim.linode("GET", path, token="invalid-xyz")
            assert response.status_code == 401
            assert response.json() == {"errors": [{"reason": "Invalid Token"}]}
        response = await sim.do("GET", "/account", token="invalid-xyz")
        assert response.status_code == 401 and response.json()["id"] == "unauthorized"

    async def test_malformed_authorization_header_is_unauthenticated(self, sim: Sim) -> None:
        response = await sim.linode(
            "GET", "/profile", token=None, headers={"Authorization": "Basic abc"}
        )
        assert response.status_code == 401

    async def test_readonly_linode_token_reads_but_cannot_write(self, sim: Sim) -> None:
        assert (await sim.linode("GET", "/linode/instances", token="readonly-1")).status_code == 200
        response = await sim.linode("POST", "/linode/instances", token="readonly-1", json=CREATE)
        assert response.status_code == 401
        assert response.json() == {
            "errors": [{"reason": "Your OAuth token is not authorized to use this endpoint."}]
        }
        assert sim.state.all_instances("linode") == []

    async def test_readonly_do_token_gets_403_on_writes(self, sim: Sim) -> None:
        assert (await sim.do("GET", "/droplets", token="readonly-1")).status_code == 200
        response = await sim.do(
            "POST",
            "/droplets",
            token="readonly-1",
            json={"name": "x1", "size": "s-1vcpu-1gb", "image": "ubuntu-24-04-x64"},
        )
        assert response.status_code == 403
        assert response.json()["id"] == "forbidden"

    async def test_each_token_is_its_own_account(self, sim: Sim) -> None:
        await sim.create_linode(token="tok-a")
        await sim.create_droplet(token="tok-a")
        assert (await sim.linode("GET", "/linode/instances", token="tok-b")).json()["results"] == 0
        assert (await sim.do("GET", "/droplets", token="tok-b")).json()["meta"]["total"] == 0


def _with_limits(**limits: Any) -> SimulatorSettings:
    return SimulatorSettings.instant().patched({"rate_limits": limits})


class TestLinodeRateLimits:
    @pytest.fixture
    def settings(self) -> SimulatorSettings:
        return _with_limits(
            linode={
                "create": {"limit": 10, "window_seconds": 1},
                "images": {"limit": 3, "window_seconds": 60},
            }
        )

    async def test_headers_on_every_response(self, sim: Sim) -> None:
        response = await sim.linode("GET", "/profile")
        assert response.headers["X-RateLimit-Limit"] == "800"
        assert response.headers["X-RateLimit-Remaining"] == "799"
        assert int(response.headers["X-RateLimit-Reset"]) == math.ceil(sim.clock.now() + 120)
        assert "Retry-After" not in response.headers

    async def test_hundred_creates_get_ten_per_window(self, sim: Sim) -> None:
        statuses = []
        for n in range(100):
            response = await sim.linode(
                "POST", "/linode/instances", json={**CREATE, "label": f"burst-{n}"}
            )
            statuses.append(response.status_code)
        assert statuses.count(200) == 10 and statuses.count(429) == 90
        assert response.json() == {"errors": [{"reason": "Too Many Requests"}]}
        assert response.headers["Retry-After"] == "1"
        assert response.headers["X-RateLimit-Remaining"] == "0"
        assert response.headers["X-RateLimit-Limit"] == "10"
        other_token = await sim.linode("POST", "/linode/instances", token="tok-other", json=CREATE)
        assert other_token.status_code == 200
        general = await sim.linode("GET", "/linode/instances")
        assert general.status_code == 200  # creates have their own window

    async def test_a_client_obeying_retry_after_gets_through(self, sim: Sim) -> None:
        start = sim.clock.now()
        created = attempts = 0
        while created < 100:
            attempts += 1
            response = await sim.linode(
                "POST", "/linode/instances", json={**CREATE, "label": f"paced-{created}"}
            )
            if response.status_code == 429:
                sim.clock.advance(float(response.headers["Retry-After"]))
            else:
                assert response.status_code == 200
                created += 1
        assert attempts == 109  # one refusal per window of ten
        assert sim.clock.now() - start == 9

    async def test_images_have_their_own_small_limit(self, sim: Sim) -> None:
        statuses = [(await sim.linode("GET", "/images")).status_code for _ in range(4)]
        assert statuses == [200, 200, 200, 429]
        assert (await sim.linode("GET", "/images/linode/debian12")).status_code == 200
        sim.clock.advance(60)
        assert (await sim.linode("GET", "/images")).status_code == 200

    async def test_public_endpoints_are_limited_per_client(self, sim: Sim) -> None:
        await sim.configure(rate_limits={"linode": {"general": {"limit": 2, "window_seconds": 10}}})
        statuses = [(await sim.linode("GET", "/regions", token=None)).status_code for _ in range(3)]
        assert statuses == [200, 200, 429]
        assert (await sim.linode("GET", "/regions")).status_code == 200  # a token has its own


class TestDigitalOceanRateLimits:
    @pytest.fixture
    def settings(self) -> SimulatorSettings:
        return _with_limits(
            digitalocean={
                "burst": {"limit": 5, "window_seconds": 60},
                "hourly": {"limit": 8, "window_seconds": 3600},
            }
        )

    async def test_burst_then_hourly(self, sim: Sim) -> None:
        first = await sim.do("GET", "/account")
        assert (first.headers["ratelimit-limit"], first.headers["ratelimit-remaining"]) == (
            "8",
            "7",
        )
        assert int(first.headers["ratelimit-reset"]) == math.ceil(sim.clock.now() + 3600)
        for _ in range(4):
            assert (await sim.do("GET", "/account")).status_code == 200
        burst = await sim.do("GET", "/account")
        assert burst.status_code == 429
        assert burst.json()["id"] == "too_many_requests"
        assert burst.json()["message"] == "API Rate limit exceeded."
        assert burst.headers["retry-after"] == "60"
        assert burst.headers["ratelimit-remaining"] == "3"
        sim.clock.advance(60)
        for _ in range(3):
            assert (await sim.do("GET", "/account")).status_code == 200
        hourly = await sim.do("GET", "/account")
        assert hourly.status_code == 429
        assert "retry-after" not in hourly.headers  # only the burst limit sends it
        assert hourly.headers["ratelimit-remaining"] == "0"
        assert (await sim.do("GET", "/account", token="tok-other")).status_code == 200

    async def test_ssh_key_list_has_its_own_limit(self, sim: Sim) -> None:
        await sim.configure(
            rate_limits={
                "digitalocean": {
                    "burst": {"limit": 250, "window_seconds": 60},
                    "hourly": {"limit": 5000, "window_seconds": 3600},
                }
            }
        )
        statuses = [(await sim.do("GET", "/account/keys")).status_code for _ in range(11)]
        assert statuses == [200] * 10 + [429]
