"""The shared transport: budgets, retries, Retry-After, header learning, secrecy."""

from __future__ import annotations

import httpx
import pytest
import respx

from tests.providers.support import FakeClock
from vpspanel.providers.errors import (
    ProviderAuthError,
    ProviderBudgetWait,
    ProviderError,
    ProviderUnavailable,
)
from vpspanel.providers.http import (
    BUDGET_PATIENCE_S,
    RateBudgets,
    RateLimits,
    RateRule,
    RetryPolicy,
    Transport,
)
from vpspanel.providers.linode.client import translate_error

BASE = "https://api.example.test/v4"
TOKEN = "tok-SECRET-0123456789"


def make_transport(
    clock: FakeClock,
    *,
    budgets: RateBudgets | None = None,
    limits: RateLimits | None = None,
    api_key: str = TOKEN,
) -> Transport:
    return Transport(
        provider_name="test",
        base_url=BASE,
        api_key=api_key,
        limits=limits or RateLimits((RateRule("all", 1000, 60.0),)),
        translate_error=translate_error,
        http=httpx.AsyncClient(),
        clock=clock,
        budgets=budgets or RateBudgets(),
        retry=RetryPolicy(max_attempts=4, backoff_base_s=1.0),
    )


class TestRequestBudget:
    @respx.mock
    async def test_slows_down_before_the_provider_limit(self) -> None:
        route = respx.post(f"{BASE}/things").respond(200, json={})
        clock = FakeClock()
        limits = RateLimits(
            (RateRule("create", 10, 30.0, frozenset({"POST"}), "/things"),), margin_s=0.0
        )
        transport = make_transport(clock, limits=limits)
        for _ in range(25):
            await transport.request("POST", "/things", json={})
        assert route.call_count == 25
        # 10 at t=0, 10 at t=30, 5 at t=60: the minimum possible.
        assert clock.elapsed == pytest.approx(60.0)
        assert transport.rate_limited_responses == 0

    @respx.mock
    async def test_budget_is_shared_by_drivers_of_the_same_account_only(self) -> None:
        respx.get(f"{BASE}/x").respond(200, json={})
        clock, budgets = FakeClock(), RateBudgets()
        limits = RateLimits((RateRule("all", 2, 10.0),), margin_s=0.0)
        first = make_transport(clock, budgets=budgets, limits=limits)
        second = make_transport(clock, budgets=budgets, limits=limits)
        other_account = make_transport(clock, budgets=budgets, limits=limits, api_key="other")
        await first.request("GET", "/x")
        await second.request("GET", "/x")
        await other_account.request("GET", "/x")
        assert clock.elapsed == 0.0
        await second.request("GET", "/x")
        assert clock.elapsed == pytest.approx(10.0)

    @respx.mock
    async def test_a_slow_answer_counts_until_a_window_after_it_arrives(self) -> None:
        clock = FakeClock()

        def answer_after_5_s(request: httpx.Request) -> httpx.Response:
            clock.elapsed += 5.0
            return httpx.Response(200, json={})

        respx.post(f"{BASE}/things").mock(side_effect=answer_after_5_s)
        limits = RateLimits((RateRule("create", 1, 10.0),), margin_s=0.0)
        transport = make_transport(clock, limits=limits)
        await transport.request("POST", "/things", json={})
        await transport.request("POST", "/things", json={})
        assert clock.sleeps == [10.0]  # answered at 5 s, so the next goes at 15 s, not at 10 s

    @respx.mock
    async def test_learns_remaining_zero_from_headers(self) -> None:
        clock = FakeClock()
        reset_at = int(clock.time()) + 20
        respx.get(f"{BASE}/x").respond(
            200, json={}, headers={"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(reset_at)}
        )
        transport = make_transport(clock)
        await transport.request("GET", "/x")
        await transport.request("GET", "/x")
        assert clock.elapsed == pytest.approx(20.0)

    @respx.mock
    async def test_learns_digitalocean_headers_too(self) -> None:
        clock = FakeClock()
        # The provider counts requests we did not make (other processes): one left for 5 s.
        respx.get(f"{BASE}/x").side_effect = [
            httpx.Response(
                200,
                json={},
                headers={"ratelimit-remaining": "1", "ratelimit-reset": str(int(clock.time()) + 5)},
            ),
            httpx.Response(200, json={}),
            httpx.Response(200, json={}),
        ]
        transport = make_transport(clock)
        await transport.request("GET", "/x")
        await transport.request("GET", "/x")
        assert clock.elapsed == 0.0
        await transport.request("GET", "/x")
        assert clock.elapsed == pytest.approx(5.0)


class TestPatience:
    @respx.mock
    async def test_without_patience_a_full_budget_raises_with_its_wait_and_sends_nothing(
        self,
    ) -> None:
        route = respx.post(f"{BASE}/things").respond(200, json={})
        clock = FakeClock()
        limits = RateLimits((RateRule("create", 2, 30.0, frozenset({"POST"})),), margin_s=0.0)
        transport = make_transport(clock, limits=limits)
        token = BUDGET_PATIENCE_S.set(0.0)
        try:
            await transport.request("POST", "/things", json={})
            await transport.request("POST", "/things", json={})
            with pytest.raises(ProviderBudgetWait) as caught:
                await transport.request("POST", "/things", json={})
        finally:
            BUDGET_PATIENCE_S.reset(token)
        assert route.call_count == 2
        assert caught.value.retry_after_s == pytest.approx(30.0)
        assert clock.elapsed == 0.0  # nobody slept

    @respx.mock
    async def test_without_patience_a_429_raises_instead_of_sleeping(self) -> None:
        respx.get(f"{BASE}/x").respond(429, headers={"Retry-After": "7"}, json={"errors": []})
        clock = FakeClock()
        transport = make_transport(clock)
        token = BUDGET_PATIENCE_S.set(0.0)
        try:
            with pytest.raises(ProviderBudgetWait) as caught:
                await transport.request("GET", "/x")
        finally:
            BUDGET_PATIENCE_S.reset(token)
        assert caught.value.retry_after_s == pytest.approx(7.0)
        assert clock.elapsed == 0.0

    @respx.mock
    async def test_writes_leave_the_read_share_to_reads(self) -> None:
        respx.post(f"{BASE}/things").respond(200, json={})
        reads = respx.get(f"{BASE}/things/1").respond(200, json={})
        clock = FakeClock()
        limits = RateLimits((RateRule("all", 10, 60.0, read_share=0.2),), margin_s=0.0)
        transport = make_transport(clock, limits=limits)
        token = BUDGET_PATIENCE_S.set(0.0)
        try:
            for _ in range(8):
                await transport.request("POST", "/things", json={})
            with pytest.raises(ProviderBudgetWait):
                await transport.request("POST", "/things", json={})
            await transport.request("GET", "/things/1")
            await transport.request("GET", "/things/1")
            with pytest.raises(ProviderBudgetWait):
                await transport.request("GET", "/things/1")
        finally:
            BUDGET_PATIENCE_S.reset(token)
        assert reads.call_count == 2


class TestRetries:
    @respx.mock
    async def test_retry_after_is_honoured_then_succeeds(self) -> None:
        route = respx.get(f"{BASE}/x")
        route.side_effect = [
            httpx.Response(
                429, headers={"Retry-After": "7"}, json={"errors": [{"reason": "slow"}]}
            ),
            httpx.Response(200, json={"ok": True}),
        ]
        clock = FakeClock()
        transport = make_transport(clock)
        response = await transport.request("GET", "/x")
        assert response.json() == {"ok": True}
        assert clock.sleeps == [7.0]
        assert transport.rate_limited_responses == 1

    @respx.mock
    async def test_a_create_is_retried_after_429_because_it_did_not_happen(self) -> None:
        route = respx.post(f"{BASE}/x")
        route.side_effect = [
            httpx.Response(429, headers={"Retry-After": "3"}),
            httpx.Response(200, json={"id": 1}),
        ]
        transport = make_transport(FakeClock())
        assert (await transport.request("POST", "/x", json={})).json() == {"id": 1}
        assert route.call_count == 2

    @respx.mock
    async def test_a_create_is_not_repeated_after_5xx(self) -> None:
        route = respx.post(f"{BASE}/x").respond(500)
        transport = make_transport(FakeClock())
        with pytest.raises(ProviderUnavailable) as caught:
            await transport.request("POST", "/x", json={})
        assert caught.value.may_have_succeeded is True
        assert route.call_count == 1

    @respx.mock
    async def test_a_create_is_not_repeated_after_a_read_timeout(self) -> None:
        route = respx.post(f"{BASE}/x").mock(side_effect=httpx.ReadTimeout("slow"))
        transport = make_transport(FakeClock())
        with pytest.raises(ProviderUnavailable) as caught:
            await transport.request("POST", "/x", json={})
        assert caught.value.may_have_succeeded is True
        assert route.call_count == 1

    @respx.mock
    async def test_a_create_is_retried_when_the_connection_never_opened(self) -> None:
        route = respx.post(f"{BASE}/x")
        route.side_effect = [httpx.ConnectError("refused"), httpx.Response(200, json={})]
        transport = make_transport(FakeClock())
        await transport.request("POST", "/x", json={})
        assert route.call_count == 2

    @respx.mock
    async def test_idempotent_get_is_retried_on_502_with_backoff(self) -> None:
        route = respx.get(f"{BASE}/x")
        route.side_effect = [httpx.Response(502), httpx.Response(503), httpx.Response(200, json={})]
        clock = FakeClock()
        await make_transport(clock).request("GET", "/x")
        assert route.call_count == 3
        assert len(clock.sleeps) == 2 and all(0.5 <= s <= 2.0 for s in clock.sleeps)

    @respx.mock
    async def test_get_gives_up_after_max_attempts(self) -> None:
        route = respx.get(f"{BASE}/x").respond(503)
        with pytest.raises(ProviderUnavailable) as caught:
            await make_transport(FakeClock()).request("GET", "/x")
        assert route.call_count == 4
        assert caught.value.may_have_succeeded is False


class TestSecrecy:
    @respx.mock
    async def test_headers_sent_and_token_never_in_errors_or_repr(self) -> None:
        route = respx.get(f"{BASE}/x").respond(
            401, json={"errors": [{"reason": f"bad token {TOKEN}"}]}
        )
        transport = make_transport(FakeClock())
        with pytest.raises(ProviderAuthError) as caught:
            await transport.request("GET", "/x")
        request = route.calls.last.request
        assert request.headers["Authorization"] == f"Bearer {TOKEN}"
        assert request.headers["User-Agent"].startswith("vpspanel/")
        assert TOKEN not in str(caught.value) and TOKEN not in repr(caught.value)
        assert TOKEN not in repr(transport)


class TestAnswersThatAreNotTheApi:
    @respx.mock
    async def test_a_redirect_is_an_error_and_is_not_followed_with_the_key(self) -> None:
        respx.get(f"{BASE}/profile").respond(301, headers={"Location": "https://elsewhere/"})
        elsewhere = respx.get("https://elsewhere/").respond(200, json={})
        with pytest.raises(ProviderError, match="redirect") as caught:
            await make_transport(FakeClock()).request("GET", "/profile")
        assert not isinstance(caught.value, ProviderUnavailable)
        assert elsewhere.call_count == 0

    @respx.mock
    async def test_a_success_that_is_not_json_has_an_unknown_outcome(self) -> None:
        respx.post(f"{BASE}/linode/instances").respond(
            200, text="<html>captive portal</html>", headers={"Content-Type": "text/html"}
        )
        with pytest.raises(ProviderUnavailable) as caught:
            await make_transport(FakeClock()).request("POST", "/linode/instances", json={})
        assert caught.value.may_have_succeeded is True

    @respx.mock
    async def test_an_empty_success_is_fine(self) -> None:
        respx.delete(f"{BASE}/thing").respond(204)
        response = await make_transport(FakeClock()).request("DELETE", "/thing")
        assert response.status_code == 204
