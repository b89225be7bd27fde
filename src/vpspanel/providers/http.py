"""HTTP transport shared by every driver.

One `httpx.AsyncClient` per process, bearer auth, a per-account request budget (so we slow down
before the provider answers 429), and retries that never repeat a write that may have happened.
"""

from __future__ import annotations

import abc
import asyncio
import bisect
import contextlib
import contextvars
import hashlib
import logging
import math
import random
import re
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from enum import IntEnum
from importlib import metadata
from typing import Any, ClassVar, Protocol
from urllib.parse import urlsplit

import httpx

from vpspanel import metrics
from vpspanel.providers.base import Provider
from vpspanel.providers.errors import (
    ProviderBudgetWait,
    ProviderError,
    ProviderRateLimited,
    ProviderUnavailable,
)

logger = logging.getLogger(__name__)

try:
    _VERSION = metadata.version("vpspanel")
except metadata.PackageNotFoundError:  # running from a source tree without install
    _VERSION = "0"
USER_AGENT = f"vpspanel/{_VERSION}"

DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=10.0)
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_RETRYABLE_STATUSES = frozenset({408, 500, 502, 503, 504})

# How long a request may wait in this task for room in its budget (or out a 429) before it
# raises ProviderBudgetWait instead; None waits as long as it takes. The worker sets 0 around
# each step, so a slot is never held by a wait (the operation is parked until the time).
BUDGET_PATIENCE_S: contextvars.ContextVar[float | None] = contextvars.ContextVar(
    "budget_patience_s", default=None
)


class RequestPriority(IntEnum):
    """Who a request is for, most urgent first. A lower priority may use an account's budget
    only while more than its `PRIORITY_RESERVE` share of each rule is left, so a customer's
    action always finds room however busy the background is."""

    CUSTOMER = 0  # operations a customer or an admin asked for, and their status reads
    BACKGROUND = 1  # change feeds and full sweeps: keep the panel true to the cloud
    LOW = 2  # live metrics graphs and catalog refreshes: fine to wait or skip


# The share of each rule's `max_requests` kept free from requests of this priority.
PRIORITY_RESERVE: dict[RequestPriority, float] = {
    RequestPriority.CUSTOMER: 0.0,
    RequestPriority.BACKGROUND: 0.2,
    RequestPriority.LOW: 0.5,
}

# The priority of the requests sent by this task; set it around a unit of work
# (`REQUEST_PRIORITY.set(...)` / `.reset(token)`, or `request_priority(...)`). Unset, a request
# counts as a customer's: a caller that forgot is never starved.
REQUEST_PRIORITY: contextvars.ContextVar[RequestPriority] = contextvars.ContextVar(
    "request_priority", default=RequestPriority.CUSTOMER
)


@contextlib.contextmanager
def request_priority(priority: RequestPriority) -> Iterator[None]:
    """Send the requests made inside the block at `priority`."""
    token = REQUEST_PRIORITY.set(priority)
    try:
        yield
    finally:
        REQUEST_PRIORITY.reset(token)


# ---------------------------------------------------------------------------------------------
# Shared client


_shared_client: httpx.AsyncClient | None = None


def get_shared_client() -> httpx.AsyncClient:
    """The process-wide client (connection pool) every driver uses unless given another."""
    global _shared_client
    if _shared_client is None or _shared_client.is_closed:
        _shared_client = httpx.AsyncClient(
            timeout=DEFAULT_TIMEOUT,
            limits=httpx.Limits(max_connections=100, max_keepalive_connections=20),
            follow_redirects=False,
        )
    return _shared_client


async def close_shared_client() -> None:
    global _shared_client
    if _shared_client is not None:
        await _shared_client.aclose()
        _shared_client = None


# ---------------------------------------------------------------------------------------------
# Clock


class Clock(Protocol):
    def monotonic(self) -> float: ...

    def time(self) -> float:
        """Wall-clock Unix seconds (provider reset headers are epoch times)."""
        ...

    async def sleep(self, seconds: float) -> None: ...


class SystemClock:
    def monotonic(self) -> float:
        return time.monotonic()

    def time(self) -> float:
        return time.time()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


# ---------------------------------------------------------------------------------------------
# Rate limits


@dataclass(frozen=True, slots=True)
class RateRule:
    """At most `max_requests` per sliding `window_s` for requests matching methods + path."""

    name: str
    max_requests: int
    window_s: float
    methods: frozenset[str] | None = None  # None = every method
    path_regex: str | None = None  # matched (fullmatch) against the path below the base URL
    # The share of a rule that reads and writes both count against kept for reads: writes
    # stop short of it, so status polls of servers already made always have room.
    read_share: float = 0.0

    def capacity(self, write: bool, priority: RequestPriority = RequestPriority.CUSTOMER) -> int:
        """How many requests of this kind the window may hold: the whole rule, less the read
        share for a write, less the reserve kept from lower priorities (at least one)."""
        kept = self.reserved(priority)
        if write:
            kept = max(kept, math.ceil(self.max_requests * self.read_share))
        return max(self.max_requests - kept, 1)

    def reserved(self, priority: RequestPriority) -> int:
        """Requests of this rule's window kept free from `priority`."""
        return math.ceil(self.max_requests * PRIORITY_RESERVE[priority])

    def matches(self, method: str, path: str) -> bool:
        if self.methods is not None and method not in self.methods:
            return False
        return self.path_regex is None or re.fullmatch(self.path_regex, path) is not None


@dataclass(frozen=True, slots=True)
class RateLimits:
    """The budget rules of one provider, most specific first. Every matching rule applies."""

    rules: tuple[RateRule, ...]
    # Extra wait past each window, for clock granularity at the provider's window boundary.
    margin_s: float = 0.01

    def with_limit(self, name: str, *, max_requests: int, window_s: float) -> RateLimits:
        """A copy with one rule's numbers changed (KeyError if no rule has that name)."""
        if name not in {rule.name for rule in self.rules}:
            raise KeyError(name)
        return RateLimits(
            tuple(
                replace(rule, max_requests=max_requests, window_s=window_s)
                if rule.name == name
                else rule
                for rule in self.rules
            ),
            self.margin_s,
        )

    def matching(self, method: str, path: str) -> list[RateRule]:
        return [rule for rule in self.rules if rule.matches(method, path)]


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    max_attempts: int = 4
    backoff_base_s: float = 0.5
    backoff_max_s: float = 20.0
    # A Retry-After longer than this is handed to the caller as ProviderRateLimited.
    max_retry_after_s: float = 120.0


@dataclass(slots=True)
class _Window:
    # Sorted answer times of the requests counted in this window.
    answered_at: list[float] = field(default_factory=list)
    # Sent, not answered yet: they count until their answer, however long that takes.
    in_flight: int = 0
    # What the provider told us: at most `server_allowance` more requests until `server_until`.
    server_allowance: int | None = None
    server_until: float = 0.0


class RateBudgets:
    """Sliding-window request budgets keyed by (account, rule), shared by every driver instance
    of the process that talks to the same account.

    A request counts from when it is sent, and for a full window after its answer arrives: the
    provider counts it somewhere in between (on arrival, or later when it queues), so counting
    the later end keeps us under its limit whatever the latency."""

    IN_FLIGHT_POLL_S = 0.02

    def __init__(self) -> None:
        self._windows: dict[tuple[str, str], _Window] = {}
        self._lock = threading.Lock()

    def _window(self, account: str, rule: RateRule) -> _Window:
        return self._windows.setdefault((account, rule.name), _Window())

    @staticmethod
    def _expire(window: _Window, rule: RateRule, now: float, margin_s: float) -> None:
        cutoff = bisect.bisect_right(window.answered_at, now - rule.window_s - margin_s)
        del window.answered_at[:cutoff]

    def _wait_s(
        self,
        account: str,
        rules: list[RateRule],
        now: float,
        margin_s: float,
        write: bool,
        priority: RequestPriority,
    ) -> float:
        wait = 0.0
        for rule in rules:
            window = self._window(account, rule)
            self._expire(window, rule, now, margin_s)
            over = len(window.answered_at) + window.in_flight - rule.capacity(write, priority) + 1
            if over > 0:
                if over <= len(window.answered_at):
                    wait = max(wait, window.answered_at[over - 1] + rule.window_s + margin_s - now)
                else:  # only answers can free a slot: look again shortly
                    wait = max(wait, min(rule.window_s, self.IN_FLIGHT_POLL_S))
            if window.server_allowance is not None:
                if now >= window.server_until:
                    window.server_allowance = None
                elif window.server_allowance <= min(rule.reserved(priority), rule.max_requests - 1):
                    # The provider's own count is low: what is left is kept for those above.
                    wait = max(wait, window.server_until - now)
        return wait

    def try_acquire(
        self,
        account: str,
        rules: list[RateRule],
        now: float,
        margin_s: float = 0.0,
        *,
        write: bool = False,
        priority: RequestPriority = RequestPriority.CUSTOMER,
    ) -> float:
        """Count one request against every rule and return 0, or return how long to wait.
        A `write` leaves each rule's read share free; a lower `priority` leaves its reserve."""
        with self._lock:
            wait = self._wait_s(account, rules, now, margin_s, write, priority)
            if wait > 0:
                return wait
            for rule in rules:
                window = self._window(account, rule)
                window.in_flight += 1
                if window.server_allowance is not None:
                    window.server_allowance -= 1
            return 0.0

    def headroom(self, account: str, rules: Iterable[RateRule], now: float) -> float:
        """The fraction (0.0-1.0) of the tightest of `rules` still free for `account` at
        monotonic time `now`: 1.0 when nothing is counted (or no rule applies), 0.0 when the
        window is full or the provider told us it is. A poller stretches its interval as this
        falls (see `stretched_interval_s`)."""
        free = 1.0
        with self._lock:
            for rule in rules:
                window = self._window(account, rule)
                self._expire(window, rule, now, 0.0)
                used = len(window.answered_at) + window.in_flight
                left = rule.max_requests - used
                if window.server_allowance is not None and now < window.server_until:
                    left = min(left, window.server_allowance)
                free = min(free, max(left, 0) / rule.max_requests)
        return free

    async def acquire(
        self,
        account: str,
        rules: list[RateRule],
        clock: Clock,
        margin_s: float = 0.0,
        *,
        write: bool = False,
        patience_s: float | None = None,
        priority: RequestPriority = RequestPriority.CUSTOMER,
    ) -> float:
        """Wait until every rule allows one more request at `priority`, and count it as in
        flight (call `settle` when its answer arrives or it fails); returns the seconds
        waited. Past `patience_s` of waiting, raise ProviderBudgetWait with the time still to
        wait instead."""
        waited = 0.0
        while True:
            wait = self.try_acquire(
                account, rules, clock.monotonic(), margin_s, write=write, priority=priority
            )
            if wait <= 0:
                return waited
            if patience_s is not None and waited + wait > patience_s:
                raise ProviderBudgetWait("no room in the request budget", retry_after_s=wait)
            await clock.sleep(wait)
            waited += wait

    def settle(self, account: str, rules: list[RateRule], answered_at: float) -> None:
        with self._lock:
            for rule in rules:
                window = self._window(account, rule)
                window.in_flight = max(window.in_flight - 1, 0)
                bisect.insort(window.answered_at, answered_at)

    def learn(
        self, account: str, rule: RateRule, *, remaining: int, resets_in_s: float, now: float
    ) -> None:
        """Record the provider's count when it is stricter than ours: it also sees requests
        from other processes. (Its reset times are whole seconds, so when our own window
        already explains the count we keep our finer one.)"""
        with self._lock:
            window = self._window(account, rule)
            self._expire(window, rule, now, 0.0)
            if remaining >= rule.max_requests - len(window.answered_at) - window.in_flight:
                return
            window.server_allowance = remaining
            window.server_until = now + max(resets_in_s, 0.0)

    def block(self, account: str, rule: RateRule, *, for_s: float, now: float) -> None:
        """The provider refused a request (429): send nothing under this rule for `for_s`."""
        with self._lock:
            window = self._window(account, rule)
            window.server_allowance = 0
            window.server_until = max(window.server_until, now + for_s)


DEFAULT_BUDGETS = RateBudgets()


def stretched_interval_s(
    interval_s: float, headroom: float, *, low_water: float = 0.5, max_factor: float = 8.0
) -> float:
    """A poller's interval given its account's budget `headroom` (0.0-1.0): `interval_s`
    while at least `low_water` of the budget is free, then longer as it runs out, up to
    `max_factor` times `interval_s` when nothing is left."""
    if headroom >= low_water:
        return interval_s
    factor = min(low_water / max(headroom, low_water / max_factor), max_factor)
    return interval_s * factor


# ---------------------------------------------------------------------------------------------
# Transport


ErrorTranslator = Callable[[httpx.Response, str, str], ProviderError]
"""(response, method, path) -> the typed error for a non-2xx answer below 500."""


def _header_float(headers: Mapping[str, str], name: str) -> float | None:
    value = headers.get(name)
    if value is None:
        return None
    try:
        return float(value)
    except ValueError:
        return None


def account_key(base_url: str, api_key: str) -> str:
    """Identifies one account without keeping the key: base URL + a hash of the key."""
    digest = hashlib.sha256(api_key.encode()).hexdigest()[:24]
    return f"{base_url.rstrip('/')}#{digest}"


class Transport:
    """Authenticated, budgeted, retrying requests to one provider account."""

    def __init__(
        self,
        *,
        provider_name: str,
        base_url: str,
        api_key: str,
        limits: RateLimits,
        translate_error: ErrorTranslator,
        http: httpx.AsyncClient | None = None,
        clock: Clock | None = None,
        budgets: RateBudgets | None = None,
        retry: RetryPolicy | None = None,
        rng: random.Random | None = None,
        api_path: str | None = None,
    ) -> None:
        self.provider_name = provider_name
        self.base_url = base_url.rstrip("/")
        # The path the provider's API lives under ("/v4"), named when a URL answers 404.
        self.api_path = api_path
        self._api_key = api_key
        self._account = account_key(self.base_url, api_key)
        self.limits = limits
        self._translate_error = translate_error
        self._http = http
        self.clock: Clock = clock or SystemClock()
        self._budgets = budgets or DEFAULT_BUDGETS
        self.retry = retry or RetryPolicy()
        self._rng = rng or random.Random()
        # Counters for tests and metrics: responses seen with 429, seconds waited on budgets.
        self.rate_limited_responses = 0
        self.budget_wait_s = 0.0

    def __repr__(self) -> str:
        return f"Transport({self.provider_name!r}, {self.base_url!r})"

    @property
    def account(self) -> str:
        """Who the budgets and caches of this process know this account as (no key in it)."""
        return self._account

    def scrub(self, text: str) -> str:
        """Defence in depth: no message we build may carry the key."""
        return text.replace(self._api_key, "***") if self._api_key else text

    def _headers(self, extra: Mapping[str, str] | None) -> dict[str, str]:
        headers = {
            "Authorization": f"Bearer {self._api_key}",
            "User-Agent": USER_AGENT,
            "Accept": "application/json",
        }
        if extra:
            headers.update(extra)
        return headers

    def _backoff_s(self, attempt: int) -> float:
        ceiling = min(self.retry.backoff_max_s, self.retry.backoff_base_s * 2.0 ** (attempt - 1))
        return ceiling * self._rng.uniform(0.5, 1.0)

    def _learn_from_headers(self, response: httpx.Response, rules: list[RateRule]) -> None:
        if not rules:
            return
        headers = response.headers
        remaining = _header_float(headers, "x-ratelimit-remaining")
        reset = _header_float(headers, "x-ratelimit-reset")
        if remaining is None:
            remaining = _header_float(headers, "ratelimit-remaining")
            reset = _header_float(headers, "ratelimit-reset")
        if remaining is None or reset is None:
            return
        self._budgets.learn(
            self._account,
            rules[0],
            remaining=int(remaining),
            resets_in_s=reset - self.clock.time(),
            now=self.clock.monotonic(),
        )

    def _retry_after_s(self, response: httpx.Response) -> float | None:
        retry_after = _header_float(response.headers, "retry-after")
        if retry_after is not None:
            return max(retry_after, 0.0)
        for name in ("x-ratelimit-reset", "ratelimit-reset"):
            reset = _header_float(response.headers, name)
            if reset is not None:
                return max(reset - self.clock.time(), 0.0)
        return None

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        """Send one request; return the 2xx response or raise a ProviderError.

        GET/PUT/DELETE are retried on 408/5xx/timeouts. Any method is retried after a 429 or a
        connection that failed before the request was sent: both prove nothing happened.
        """
        method = method.upper()
        idempotent = method in IDEMPOTENT_METHODS
        may_have_happened = method not in _SAFE_METHODS
        rules = self.limits.matching(method, path)
        http = self._http or get_shared_client()
        what = f"{self.provider_name} {method} {path}"
        endpoint = metrics.endpoint_template(path)
        attempt = 0
        while True:
            attempt += 1
            last_attempt = attempt >= self.retry.max_attempts
            await self._take_budget(rules, what, write=may_have_happened)
            try:
                response = await http.request(
                    method,
                    f"{self.base_url}{path}",
                    params=params,
                    json=json,
                    headers=self._headers(headers),
                )
            except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
                self._count_answer(method, endpoint, type(exc).__name__)
                # Never left this process: safe to retry even a create.
                if not last_attempt:
                    await self.clock.sleep(self._backoff_s(attempt))
                    continue
                raise self._not_connected(exc, what, http) from None
            except httpx.TransportError as exc:
                self._count_answer(method, endpoint, type(exc).__name__)
                # Sent, but the answer was lost: only idempotent requests may be repeated.
                if idempotent and not last_attempt:
                    await self.clock.sleep(self._backoff_s(attempt))
                    continue
                raise self._no_answer(exc, what, http, may_have_happened) from None
            finally:
                self._budgets.settle(self._account, rules, self.clock.monotonic())
            self._count_answer(method, endpoint, str(response.status_code))

            self._learn_from_headers(response, rules)
            status = response.status_code
            if 200 <= status < 300:
                return self._checked_body(response, path, what, may_have_happened)
            if 300 <= status < 400:
                raise self._redirected(response, path, what)
            if status == 429:
                retry_after, wait = self._rate_limited(response, rules, attempt, what)
                if not last_attempt and wait <= self.retry.max_retry_after_s:
                    logger.info("%s: rate limited, waiting %.2fs", what, wait)
                    metrics.record_rate_limit_wait(self.provider_name, "retry_after", wait)
                    await self.clock.sleep(wait)
                    continue
                raise ProviderRateLimited(
                    f"{what}: rate limited by the provider", retry_after_s=retry_after
                )
            if status in _RETRYABLE_STATUSES or status >= 500:
                if idempotent and not last_attempt:
                    await self.clock.sleep(self._retry_delay_s(response, attempt))
                    continue
                failed = ProviderUnavailable(
                    f"{what}: provider answered {status}",
                    may_have_succeeded=may_have_happened,
                    status_code=status,
                )
                raise self._diagnosed(failed, self._status_diagnosis(response, path))
            raise self._refused(response, method, path)

    def headroom(self, method: str = "GET", path: str = "") -> float:
        """The fraction (0.0-1.0) of this account's budget left for `method path` (by default
        the account-wide rules a GET falls under), now: `RateBudgets.headroom`."""
        return self._budgets.headroom(
            self._account, self.limits.matching(method.upper(), path), self.clock.monotonic()
        )

    # -- the steps of `request` ------------------------------------------------------------

    def _count_answer(self, method: str, endpoint: str, outcome: str) -> None:
        metrics.UPSTREAM_REQUESTS.labels(self.provider_name, method, endpoint, outcome).inc()

    async def _take_budget(self, rules: list[RateRule], what: str, *, write: bool) -> None:
        """Wait for room in this account's request budget at the task's `REQUEST_PRIORITY`
        (counted in `budget_wait_s`), or raise ProviderBudgetWait when the caller's patience
        is shorter than the wait."""
        try:
            waited = await self._budgets.acquire(
                self._account,
                rules,
                self.clock,
                self.limits.margin_s,
                write=write,
                patience_s=BUDGET_PATIENCE_S.get(),
                priority=REQUEST_PRIORITY.get(),
            )
        except ProviderBudgetWait as no_room:
            metrics.record_rate_limit_wait(
                self.provider_name, "parked", no_room.retry_after_s or 0.0
            )
            raise ProviderBudgetWait(
                f"{what}: no room in the request budget",
                retry_after_s=no_room.retry_after_s or 0.0,
            ) from None
        if waited > 0:
            metrics.record_rate_limit_wait(self.provider_name, "budget", waited)
        self.budget_wait_s += waited

    def _not_connected(
        self, exc: httpx.TransportError, what: str, http: httpx.AsyncClient
    ) -> ProviderError:
        unavailable = ProviderUnavailable(
            self.scrub(f"{what}: could not connect ({type(exc).__name__})"),
            may_have_succeeded=False,
        )
        if not isinstance(exc, httpx.PoolTimeout):  # our own pool, not the address
            unavailable.points_at_base_url = True
        return self._diagnosed(unavailable, self._connect_diagnosis(exc, http))

    def _no_answer(
        self,
        exc: httpx.TransportError,
        what: str,
        http: httpx.AsyncClient,
        may_have_happened: bool,
    ) -> ProviderError:
        lost = ProviderUnavailable(
            self.scrub(f"{what}: no answer ({type(exc).__name__})"),
            may_have_succeeded=may_have_happened,
        )
        if isinstance(exc, httpx.TimeoutException):
            reason = f"no answer from {self._origin} within {_seconds(http, 'read')}"
        else:
            reason = f"{self._origin} closed the connection without an answer"
        return self._diagnosed(lost, reason)

    def _redirected(self, response: httpx.Response, path: str, what: str) -> ProviderError:
        """We never follow redirects with the key attached: a redirect means the base URL is
        not the API (http:// instead of https://, a typo, a proxy page)."""
        status = response.status_code
        redirect = ProviderError(
            f"{what}: the provider answered with a redirect; check the API base URL",
            status_code=status,
        )
        redirect.points_at_base_url = True
        # The remote chooses the Location header: cap what of it we repeat.
        location = response.headers.get("location", "")[:200] or "another address"
        return self._diagnosed(
            redirect,
            f"{self.base_url}{path} answered {status}, a redirect to {location}: use the "
            "API's own address (https://, with its path)",
        )

    def _rate_limited(
        self, response: httpx.Response, rules: list[RateRule], attempt: int, what: str
    ) -> tuple[float | None, float]:
        """Record a 429 (the budget is blocked for its Retry-After); returns the provider's
        Retry-After (None when it gave none) and how long to wait before sending again.
        Raises ProviderBudgetWait when that is longer than the caller's patience."""
        self.rate_limited_responses += 1
        retry_after = self._retry_after_s(response)
        if retry_after is not None and rules:
            self._budgets.block(
                self._account, rules[0], for_s=retry_after, now=self.clock.monotonic()
            )
        wait = retry_after if retry_after is not None else self._backoff_s(attempt)
        patience = BUDGET_PATIENCE_S.get()
        if patience is not None and wait > patience:
            # Refused, so nothing happened: the caller parks instead of holding on.
            metrics.record_rate_limit_wait(self.provider_name, "parked", wait)
            raise ProviderBudgetWait(f"{what}: rate limited by the provider", retry_after_s=wait)
        return retry_after, wait

    def _retry_delay_s(self, response: httpx.Response, attempt: int) -> float:
        """How long to wait before repeating a request answered 408 or 5xx: a 503's
        Retry-After (at most `backoff_max_s`), else the backoff."""
        retry_after = self._retry_after_s(response) if response.status_code == 503 else None
        if retry_after is not None:
            return min(retry_after, self.retry.backoff_max_s)
        return self._backoff_s(attempt)

    def _refused(self, response: httpx.Response, method: str, path: str) -> ProviderError:
        """A 4xx in the provider's own terms, scrubbed of the key."""
        error = self._translate_error(response, method, path)
        error.message = self.scrub(error.message)
        error.args = (error.message,)
        if response.status_code == 404 or not _is_json(response):
            # The verify call of a new URL never asks for a missing resource: a 404 there,
            # or an answer that is not the API's JSON, means the URL is not the API.
            error.points_at_base_url = True
        return self._diagnosed(error, self._status_diagnosis(response, path))

    @property
    def _origin(self) -> str:
        """host:port of the base URL (the port the scheme implies when none is given)."""
        parts = urlsplit(self.base_url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
        return f"{parts.hostname}:{port}"

    def _diagnosed(self, error: ProviderError, reason: str) -> ProviderError:
        error.diagnosis = self.scrub(reason)
        return error

    def _connect_diagnosis(self, exc: httpx.TransportError, http: httpx.AsyncClient) -> str:
        if isinstance(exc, httpx.PoolTimeout):
            return "every connection of this process's pool was busy"
        if isinstance(exc, httpx.ConnectTimeout):
            return f"no connection to {self._origin} within {_seconds(http, 'connect')}"
        causes = _causes(exc)
        if any(isinstance(cause, ssl.SSLError) for cause in causes):
            return f"the TLS handshake with {self._origin} failed: is it https on this port?"
        if any(isinstance(cause, socket.gaierror) for cause in causes):
            return f"DNS name {urlsplit(self.base_url).hostname} not found"
        if any(isinstance(cause, ConnectionRefusedError) for cause in causes):
            return f"connection refused at {self._origin}: is the port right?"
        return f"could not connect to {self._origin} ({type(exc).__name__})"

    def _status_diagnosis(self, response: httpx.Response, path: str) -> str:
        status = response.status_code
        where = f"{self._origin} answered {status} at {path}"
        if response.content and not _is_json(response):
            kind = "HTML" if "html" in response.headers.get("content-type", "") else "a body"
            where += f" with {kind} instead of the API's JSON"
        if status == 404 and self.api_path:
            return f"{where}: is the path {self.api_path} in api_base_url?"
        if status == 401:
            return f"{where}: the API key was rejected"
        if status == 403:
            return f"{where}: the API key lacks a permission"
        return where

    def _checked_body(
        self, response: httpx.Response, path: str, what: str, may_have_happened: bool
    ) -> httpx.Response:
        """A success whose body is not JSON came from something in front of the API (a proxy,
        a portal): the call's outcome is unknown, not a crash."""
        if response.content and not _is_json(response):
            not_json = ProviderUnavailable(
                f"{what}: the provider's answer was not JSON",
                may_have_succeeded=may_have_happened,
                status_code=response.status_code,
            )
            not_json.points_at_base_url = True
            raise self._diagnosed(not_json, self._status_diagnosis(response, path))
        return response


class JsonClient:
    """JSON requests over one account's `Transport`: the part both providers' clients share
    (each adds its own reads and pagination)."""

    def __init__(self, transport: Transport) -> None:
        self.transport = transport

    async def post(self, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        """POST `body` (an empty object when None); the JSON answer, {} when it has none."""
        response = await self.transport.request("POST", path, json=body or {})
        result: dict[str, Any] = response.json() if response.content else {}
        return result

    async def delete(self, path: str) -> None:
        await self.transport.request("DELETE", path)


def _causes(exc: BaseException) -> list[BaseException]:
    """The exception and every exception it was raised from, outermost first."""
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in chain:
        chain.append(current)
        current = current.__cause__ or current.__context__
    return chain


def _seconds(http: httpx.AsyncClient, phase: str) -> str:
    limit = getattr(http.timeout, phase)
    return f"{limit:g} s" if limit is not None else "the time allowed"


def _is_json(response: httpx.Response) -> bool:
    try:
        response.json()
    except ValueError:
        return False
    return True


class HttpProvider(Provider):
    """What every HTTP driver shares: one Transport per driver, built from the account's key.

    A driver sets `type`, `default_base_url`, `default_limits` and `translate_error` (its
    provider's error bodies -> our error tree)."""

    default_limits: ClassVar[RateLimits]

    @staticmethod
    @abc.abstractmethod
    def translate_error(response: httpx.Response, method: str, path: str) -> ProviderError:
        """The provider's error answer as one of our typed errors."""

    def __init__(
        self,
        api_key: str,
        *,
        base_url: str | None = None,
        http: httpx.AsyncClient | None = None,
        limits: RateLimits | None = None,
        clock: Clock | None = None,
        budgets: RateBudgets | None = None,
        retry: RetryPolicy | None = None,
    ) -> None:
        self._transport = Transport(
            provider_name=self.type,
            base_url=base_url or self.default_base_url,
            api_key=api_key,
            limits=limits or self.default_limits,
            translate_error=type(self).translate_error,
            http=http,
            clock=clock,
            budgets=budgets,
            retry=retry,
            api_path=urlsplit(self.default_base_url).path or None,
        )

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._transport.base_url!r})"

    @property
    def transport(self) -> Transport:
        return self._transport

    def budget_headroom(self) -> float:
        return self._transport.headroom()
