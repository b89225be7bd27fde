"""Request budgets shared fairly (issue 12): customers' operations first, then feeds and
sweeps, then metrics and catalog refreshes; `headroom` for a poller to stretch its interval;
every request and rate-limit wait counted in the metrics."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest
import respx
from prometheus_client import REGISTRY

from tests.providers.support import FakeClock
from tests.providers.test_http import BASE, make_transport
from vpspanel.metrics import endpoint_template
from vpspanel.providers.errors import ProviderBudgetWait
from vpspanel.providers.http import (
    BUDGET_PATIENCE_S,
    RateBudgets,
    RateLimits,
    RateRule,
    RequestPriority,
    request_priority,
    stretched_interval_s,
)

RULE = RateRule("all", 10, 60.0)
LIMITS = RateLimits((RULE,), margin_s=0.0)


@contextmanager
def no_patience() -> Iterator[None]:
    token = BUDGET_PATIENCE_S.set(0.0)
    try:
        yield
    finally:
        BUDGET_PATIENCE_S.reset(token)


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


class TestPriorities:
    @respx.mock
    async def test_background_work_leaves_the_reserve_to_customers(self) -> None:
        respx.get(f"{BASE}/x").respond(200, json={})
        transport = make_transport(FakeClock(), limits=LIMITS)
        with no_patience():
            with request_priority(RequestPriority.BACKGROUND):
                for _ in range(8):  # 10 less the 20 % kept for customers
                    await transport.request("GET", "/x")
                with pytest.raises(ProviderBudgetWait):
                    await transport.request("GET", "/x")
            # A customer's operation still finds room.
            await transport.request("GET", "/x")
            await transport.request("GET", "/x")
            with pytest.raises(ProviderBudgetWait):
                await transport.request("GET", "/x")

    @respx.mock
    async def test_metrics_and_catalog_stop_at_half_the_budget(self) -> None:
        respx.get(f"{BASE}/x").respond(200, json={})
        transport = make_transport(FakeClock(), limits=LIMITS)
        with no_patience():
            with request_priority(RequestPriority.LOW):
                for _ in range(5):
                    await transport.request("GET", "/x")
                with pytest.raises(ProviderBudgetWait):
                    await transport.request("GET", "/x")
            with request_priority(RequestPriority.BACKGROUND):
                for _ in range(3):
                    await transport.request("GET", "/x")
                with pytest.raises(ProviderBudgetWait):
                    await transport.request("GET", "/x")

    def test_a_low_provider_count_is_kept_for_higher_priorities(self) -> None:
        budgets, now = RateBudgets(), 100.0
        budgets.learn("acct", RULE, remaining=2, resets_in_s=30.0, now=now)
        # The provider says 2 are left (other processes use the key too): background work
        # waits for its reset, a customer does not.
        assert budgets.try_acquire("acct", [RULE], now, priority=RequestPriority.BACKGROUND) > 0
        assert budgets.try_acquire("acct", [RULE], now, priority=RequestPriority.CUSTOMER) == 0

    async def test_unset_priority_counts_as_a_customers(self) -> None:
        budgets = RateBudgets()
        for _ in range(10):
            assert budgets.try_acquire("acct", [RULE], 0.0) == 0.0


class TestHeadroom:
    def test_headroom_is_the_free_share_of_the_tightest_rule(self) -> None:
        budgets = RateBudgets()
        tight = RateRule("tight", 4, 10.0)
        assert budgets.headroom("acct", [RULE, tight], 0.0) == 1.0
        budgets.try_acquire("acct", [RULE, tight], 0.0)
        assert budgets.headroom("acct", [RULE, tight], 0.0) == pytest.approx(0.75)
        budgets.settle("acct", [RULE, tight], answered_at=0.0)
        # Counted for a full window of each rule after its answer, then free again.
        assert budgets.headroom("acct", [RULE, tight], 10.5) == pytest.approx(0.9)
        assert budgets.headroom("acct", [RULE, tight], 60.5) == pytest.approx(1.0)
        assert budgets.headroom("other", [RULE], 0.0) == 1.0

    def test_headroom_follows_what_the_provider_said(self) -> None:
        budgets = RateBudgets()
        budgets.learn("acct", RULE, remaining=1, resets_in_s=30.0, now=0.0)
        assert budgets.headroom("acct", [RULE], 1.0) == pytest.approx(0.1)

    @respx.mock
    async def test_transport_headroom_uses_the_rules_of_the_request(self) -> None:
        respx.get(f"{BASE}/account/events").respond(200, json={})
        transport = make_transport(FakeClock(), limits=LIMITS)
        for _ in range(5):
            await transport.request("GET", "/account/events")
        assert transport.headroom("GET", "/account/events") == pytest.approx(0.5)

    def test_the_interval_stretches_as_the_budget_runs_out(self) -> None:
        assert stretched_interval_s(15.0, 0.9) == 15.0
        assert stretched_interval_s(15.0, 0.5) == 15.0
        assert stretched_interval_s(15.0, 0.25) == pytest.approx(30.0)
        assert stretched_interval_s(15.0, 0.0) == pytest.approx(120.0)


class TestUpstreamMetrics:
    def test_endpoints_are_templated(self) -> None:
        assert endpoint_template("/linode/instances/123/boot") == "/linode/instances/{id}/boot"
        assert endpoint_template("/v2/droplets/42/actions?page=2") == "/v2/droplets/{id}/actions"
        assert endpoint_template("/account/events") == "/account/events"
        assert (
            endpoint_template("/v2/actions/3fa85f64-5717-4562-b3fc-2c963f66afa6")
            == "/v2/actions/{id}"
        )

    @respx.mock
    async def test_each_answer_is_counted_by_provider_endpoint_and_status(self) -> None:
        respx.get(f"{BASE}/things/77").respond(404, json={"errors": [{"reason": "Not found"}]})
        respx.get(f"{BASE}/things/78").respond(200, json={})
        labels = {"provider": "test", "method": "GET", "endpoint": "/things/{id}"}
        before_ok = sample("vpspanel_upstream_requests_total", **labels, status="200")
        before_404 = sample("vpspanel_upstream_requests_total", **labels, status="404")
        transport = make_transport(FakeClock())
        await transport.request("GET", "/things/78")
        with pytest.raises(Exception):  # noqa: B017 - the 404's error type is another test's
            await transport.request("GET", "/things/77")
        assert sample("vpspanel_upstream_requests_total", **labels, status="200") == before_ok + 1
        assert sample("vpspanel_upstream_requests_total", **labels, status="404") == before_404 + 1

    @respx.mock
    async def test_a_transport_error_is_counted_by_its_name(self) -> None:
        respx.get(f"{BASE}/down").mock(side_effect=httpx.ConnectError("refused"))
        labels = {"provider": "test", "method": "GET", "endpoint": "/down"}
        before = sample("vpspanel_upstream_requests_total", **labels, status="ConnectError")
        with pytest.raises(Exception):  # noqa: B017
            await make_transport(FakeClock()).request("GET", "/down")
        after = sample("vpspanel_upstream_requests_total", **labels, status="ConnectError")
        assert after == before + 4  # every attempt

    @respx.mock
    async def test_rate_limit_waits_are_counted_with_their_seconds(self) -> None:
        route = respx.get(f"{BASE}/x")
        route.side_effect = [
            httpx.Response(429, headers={"Retry-After": "7"}, json={"errors": []}),
            httpx.Response(200, json={}),
            httpx.Response(200, json={}),
        ]
        labels = {"provider": "test", "reason": "retry_after"}
        waits = sample("vpspanel_rate_limit_waits_total", **labels)
        seconds = sample("vpspanel_rate_limit_wait_seconds_total", **labels)
        budget_waits = sample("vpspanel_rate_limit_waits_total", provider="test", reason="budget")
        transport = make_transport(
            FakeClock(), limits=RateLimits((RateRule("all", 1, 5.0),), margin_s=0.0)
        )
        await transport.request("GET", "/x")
        assert sample("vpspanel_rate_limit_waits_total", **labels) == waits + 1
        assert sample("vpspanel_rate_limit_wait_seconds_total", **labels) == seconds + 7.0
        await transport.request("GET", "/x")  # waits for room in our own budget
        assert (
            sample("vpspanel_rate_limit_waits_total", provider="test", reason="budget")
            == budget_waits + 1
        )
