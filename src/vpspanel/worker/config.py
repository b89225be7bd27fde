"""How the worker paces itself. Tests use `WorkerConfig.instant()`."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from vpspanel.operations import deadlines


@dataclass(frozen=True)
class WorkerConfig:
    # A claimed operation belongs to its worker this long; a heartbeat renews it during a step,
    # so it only lapses when the worker dies.
    lease: timedelta = timedelta(seconds=60)
    # How often to re-read an instance that is changing at the provider.
    poll_interval_s: float = 3.0
    # How long to sleep when there is nothing to do.
    idle_sleep_s: float = 1.0
    backoff_base_s: float = 2.0
    backoff_max_s: float = 60.0
    # A target status is trusted without having seen the change begin only after this long
    # (some providers report the old status for a moment after accepting an action).
    settle_s: float = 5.0
    # A create whose outcome is unknown (answer lost, 5xx, timeout, crash) is sent again only
    # after its tag has stayed absent this long: longer than the provider request timeout
    # (30 s), because a cloud may still carry out a request whose answer was lost.
    create_quiet_period_s: float = 45.0
    # A boot or shutdown whose answer was lost and that shows no effect this long after is
    # sent again (harmless for power actions; other actions are only ever watched).
    power_resend_after_s: float = 60.0
    # A resize (rebuild) whose server settles without the new plan (image) is failed only
    # once it has shown the old one this long: a request whose answer was lost may still be
    # carried out later (longer than the 30 s provider request timeout, as for a create), and
    # a cloud may queue an accepted action for a moment before its status shows it.
    change_grace_s: float = 120.0
    # A temporary provider failure (5xx, no answer) is retried at most this many times per
    # operation, then the operation fails; the customer's events count the attempts against
    # it. A provider that is busy or asks us to slow down (429) is waited out within the
    # operation's deadline instead.
    max_retries: int = 8
    # One step (a provider call) may not take longer than this.
    step_timeout_s: float = 300.0
    # Every operation ends by its deadline: default 15 minutes, per type below.
    default_timeout: timedelta = deadlines.DEFAULT_TIMEOUT
    timeouts: dict[str, timedelta] = field(default_factory=deadlines.default_timeouts)
    # How often to erase the sealed root passwords past their operation's deadline.
    secret_sweep_interval_s: float = 30.0
    # Steps in flight at once (each its own asyncio task: a step waits on the network, not the
    # CPU, and the checkpoints and outcomes of steps ending together share transactions,
    # `worker/batching.py`).
    concurrency: int = 32
    # ... of which at most this many for one provider account: a cloud that answers slowly
    # (30 s timeouts) holds only its own account's share, never every step of the worker.
    account_concurrency: int = 8
    # Due operations claimed per statement.
    claim_batch: int = 8
    # How long a step may wait for room in a provider's request budget before its operation
    # is parked until then instead (0: a slot never waits on a budget; None: wait in the step,
    # for tests whose provider clock skips its sleeps).
    budget_patience_s: float | None = 0.0
    # How often each provider account is swept in full (a complete listing compared with our
    # records); a gap in its change feed sweeps it at once (`worker/account_sync.py`).
    reconcile_interval_s: float = 300.0
    # How often each account's change feed (Linode events, DigitalOcean actions) is read: one
    # request when nothing happened. An out-of-band change is visible within about this long.
    feed_interval_s: float = 15.0
    # An account's feed and sweep belong to one worker for this long; renewed on every pass
    # (so keep it well above `feed_interval_s`) and during a long one. A dead worker's lease
    # lapses and another worker takes the account over.
    account_lease_s: float = 60.0
    # A feed naming more servers than this is answered with one full sweep of the account
    # (ceil(N / page size) list requests) instead of one read per server.
    feed_reread_max: int = 10
    # A server left in a transitional status with no operation of ours for this long is
    # re-read by the sweep and resolved, or marked failed with a reason.
    stuck_after_s: float = 900.0

    def timeout_for(self, operation_type: str) -> timedelta:
        return self.timeouts.get(operation_type, self.default_timeout)

    def backoff_s(self, attempts: int, retry_after_s: float | None = None) -> float:
        delay: float = min(self.backoff_base_s * 2.0 ** max(attempts - 1, 0), self.backoff_max_s)
        return max(delay, min(retry_after_s or 0.0, self.backoff_max_s))

    @classmethod
    def instant(cls, **overrides: object) -> WorkerConfig:
        """No waiting anywhere: for tests against a simulator with instant lifecycles."""
        values: dict[str, object] = {
            "lease": timedelta(seconds=30),
            "poll_interval_s": 0.0,
            "idle_sleep_s": 0.01,
            "backoff_base_s": 0.0,
            "backoff_max_s": 0.0,
            "settle_s": 0.0,
            "create_quiet_period_s": 0.0,
            "power_resend_after_s": 0.0,
            "change_grace_s": 0.0,
            "step_timeout_s": 30.0,
            "concurrency": 1,
            "claim_batch": 1,
            "reconcile_interval_s": 3600.0,
            "feed_interval_s": 3600.0,
            "budget_patience_s": None,
        }
        values.update(overrides)
        return cls(**values)  # type: ignore[arg-type]
