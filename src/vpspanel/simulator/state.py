"""In-memory state of the simulated clouds: accounts, instances, lifecycles, faults, counters.

Lifecycles are lazy: an instance carries a `Transition` (a list of timed steps) and
`SimulatorState.tick(now)` — called at the start of every request — applies every step that
is due. A step of 0 seconds therefore completes on the *next* request, never within the
request that started it, which is what "instant" means for tests.
"""

from __future__ import annotations

import asyncio
import itertools
import re
import threading
import uuid
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from vpspanel.simulator.clock import Clock
from vpspanel.simulator.settings import RateLimit, SimulatorSettings

JSON = dict[str, Any]
Provider = Literal["linode", "digitalocean"]
PROVIDERS: tuple[Provider, ...] = ("linode", "digitalocean")


@dataclass
class Transition:
    """Remaining `(status shown, seconds)` steps; then `final_status` (None = gone)."""

    steps: list[tuple[str, float]]
    final_status: str | None
    step_started: float
    on_complete: list[Callable[[float], None]] = field(default_factory=list)


@dataclass
class Instance:
    """A Linode or a Droplet. Provider-specific attributes live in `attrs`."""

    id: int
    provider: Provider
    token: str
    name: str
    status: str
    type: str
    region: str
    image: str | None
    tags: list[str]
    created: float
    updated: float
    attrs: JSON = field(default_factory=dict)
    transition: Transition | None = None
    gone: bool = False

    @property
    def busy(self) -> bool:
        return self.transition is not None


@dataclass
class LinodeEvent:
    id: int
    action: str
    entity_id: int
    entity_label: str
    created: float
    expected_end: float
    finished: float | None = None
    username: str = "simulated-user"


@dataclass
class DropletAction:
    """An action in a DigitalOcean account's history: on a droplet, or (`resource_type`
    `reserved_ip`) on a reserved IP, `resource_id` then being the address as an integer and
    `droplet_id` the droplet it was assigned to (which the API does not show)."""

    id: int
    type: str
    droplet_id: int
    region_slug: str
    started: float
    completed: float | None = None
    resource_type: str = "droplet"
    resource_id: int | None = None


@dataclass
class SshKey:
    id: int
    name: str
    public_key: str
    fingerprint: str


@dataclass
class Account:
    provider: Provider
    token: str
    uid: int
    instances: dict[int, Instance] = field(default_factory=dict)
    events: list[LinodeEvent] = field(default_factory=list)
    actions: dict[int, DropletAction] = field(default_factory=dict)
    ssh_keys: dict[int, SshKey] = field(default_factory=dict)

    @property
    def read_only(self) -> bool:
        return self.token.startswith("readonly")

    @property
    def username(self) -> str:
        return f"sim-user-{self.uid}"


FaultKind = Literal["server_error", "rate_limit", "timeout", "lost_response", "late_write"]


@dataclass
class Fault:
    id: str
    provider: Provider
    kind: FaultKind
    method: str | None
    path: re.Pattern[str] | None
    status: int | None
    times: int
    delay_seconds: float | None
    # late_write: the request is carried out this long after it arrived, its answer lost.
    write_delay_seconds: float | None = None

    def matches(self, provider: str, method: str, path: str) -> bool:
        if provider != self.provider or self.times <= 0:
            return False
        if self.method is not None and self.method.upper() != method.upper():
            return False
        return self.path is None or self.path.search(path) is not None

    def describe(self) -> JSON:
        return {
            "id": self.id,
            "provider": self.provider,
            "kind": self.kind,
            "method": self.method,
            "path": self.path.pattern if self.path else None,
            "status": self.status,
            "times": self.times,
            "delay_seconds": self.delay_seconds,
            "write_delay_seconds": self.write_delay_seconds,
        }


@dataclass(frozen=True)
class RateDecision:
    allowed: bool
    limit: int
    remaining: int
    reset_at: float
    """Epoch seconds at which the oldest request in the window expires."""
    retry_after: float


class SlidingWindowLimiter:
    """Per-key sliding windows: each accepted request counts for `window_seconds`."""

    def __init__(self) -> None:
        self._hits: dict[tuple[str, ...], deque[float]] = {}

    def check(
        self, key: tuple[str, ...], rule: RateLimit, now: float, record: bool
    ) -> RateDecision:
        hits = self._hits.setdefault(key, deque())
        while hits and hits[0] <= now - rule.window_seconds:
            hits.popleft()
        allowed = len(hits) < rule.limit
        if allowed and record:
            hits.append(now)
        reset_at = hits[0] + rule.window_seconds if hits else now + rule.window_seconds
        return RateDecision(
            allowed=allowed,
            limit=rule.limit,
            remaining=max(rule.limit - len(hits), 0),
            reset_at=reset_at,
            retry_after=0.0 if allowed else max(reset_at - now, 0.0),
        )

    def clear(self) -> None:
        self._hits.clear()


def account_name(token: str) -> str:
    """Tokens `NAME` and `NAME~anything` are keys of one account `NAME` (same servers, same
    identity), so tests can rotate to another key of the same account or of a different one."""
    return token.split("~", 1)[0]


class SimulatorState:
    """All mutable simulator state. Guard multi-step changes with `lock`."""

    def __init__(self, settings: SimulatorSettings, clock: Clock) -> None:
        self.settings = settings
        self.clock = clock
        self.lock = threading.RLock()
        self.limiter = SlidingWindowLimiter()
        self._ids = {
            "linode": itertools.count(61_000_001),
            "digitalocean": itertools.count(412_000_001),
            "event": itertools.count(800_000_001),
            "action": itertools.count(2_100_000_001),
            "ssh_key": itertools.count(41_000_001),
            "uid": itertools.count(1_001),
        }
        self.accounts: dict[tuple[Provider, str], Account] = {}
        self.faults: list[Fault] = []
        self.requests: Counter[tuple[str, str, str]] = Counter()
        # Writes a late_write fault will still perform; a reset cancels them.
        self.late_writes: set[asyncio.Task[None]] = set()

    # --- ids, accounts -------------------------------------------------------------

    def next_id(self, kind: str) -> int:
        return next(self._ids[kind])

    def account(self, provider: Provider, token: str) -> Account:
        """The account a bearer token belongs to, made on first use."""
        name = account_name(token)
        key = (provider, name)
        if key not in self.accounts:
            self.accounts[key] = Account(provider=provider, token=name, uid=self.next_id("uid"))
        return self.accounts[key]

    def reset(self) -> None:
        with self.lock:
            self.accounts.clear()
            self.faults.clear()
            self.requests.clear()
            self.limiter.clear()
            for task in self.late_writes:
                task.cancel()
            self.late_writes.clear()

    def find_instance(self, provider: Provider, instance_id: int) -> Instance | None:
        for (acc_provider, _), account in self.accounts.items():
            if acc_provider == provider and instance_id in account.instances:
                return account.instances[instance_id]
        return None

    def all_instances(self, provider: Provider) -> list[Instance]:
        return [
            inst
            for (acc_provider, _), account in self.accounts.items()
            if acc_provider == provider
            for inst in account.instances.values()
        ]

    # --- lifecycle -----------------------------------------------------------------

    def start_transition(
        self,
        instance: Instance,
        steps: list[tuple[str, float]],
        final_status: str | None,
        on_complete: list[Callable[[float], None]] | None = None,
    ) -> None:
        now = self.clock.now()
        instance.transition = Transition(
            steps=list(steps),
            final_status=final_status,
            step_started=now,
            on_complete=on_complete or [],
        )
        instance.status = steps[0][0]
        instance.updated = now

    def tick(self) -> None:
        """Apply every lifecycle step that is due now; drop instances that finished deleting."""
        now = self.clock.now()
        with self.lock:
            for account in self.accounts.values():
                for instance in list(account.instances.values()):
                    self._advance(instance, now)
                    if instance.gone:
                        del account.instances[instance.id]

    @staticmethod
    def _advance(instance: Instance, now: float) -> None:
        while (transition := instance.transition) is not None:
            status, seconds = transition.steps[0]
            due = transition.step_started + seconds
            if now < due:
                instance.status = status
                return
            transition.steps.pop(0)
            transition.step_started = due
            instance.updated = due
            if transition.steps:
                instance.status = transition.steps[0][0]
                continue
            instance.transition = None
            for callback in transition.on_complete:
                callback(due)
            if transition.final_status is None:
                instance.gone = True
            else:
                instance.status = transition.final_status

    # --- faults and counters -------------------------------------------------------

    def add_fault(
        self,
        provider: Provider,
        kind: FaultKind,
        method: str | None,
        path: str | None,
        status: int | None,
        times: int,
        delay_seconds: float | None,
        write_delay_seconds: float | None = None,
    ) -> Fault:
        fault = Fault(
            id=str(uuid.uuid4()),
            provider=provider,
            kind=kind,
            method=method,
            path=re.compile(path) if path else None,
            status=status,
            times=times,
            delay_seconds=delay_seconds,
            write_delay_seconds=write_delay_seconds,
        )
        with self.lock:
            self.faults.append(fault)
        return fault

    def take_fault(self, provider: str, method: str, path: str) -> Fault | None:
        """The first matching fault, with one use consumed."""
        with self.lock:
            for fault in self.faults:
                if fault.matches(provider, method, path):
                    fault.times -= 1
                    if fault.times <= 0:
                        self.faults.remove(fault)
                    return fault
        return None

    def count_request(self, provider: str, method: str, path: str) -> None:
        with self.lock:
            self.requests[(provider, method.upper(), path)] += 1

    def request_counts(
        self, provider: str | None, method: str | None, path: str | None
    ) -> list[JSON]:
        pattern = re.compile(path) if path else None
        with self.lock:
            rows = [
                {"provider": p, "method": m, "path": pth, "count": n}
                for (p, m, pth), n in sorted(self.requests.items())
                if (provider is None or p == provider)
                and (method is None or m == method.upper())
                and (pattern is None or pattern.fullmatch(pth))
            ]
        return rows
