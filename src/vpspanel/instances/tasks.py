"""What the worker does for each operation type, one step at a time.

A step makes at most one provider write, then says what happens next: wait and look again,
succeeded, or failed with a reason a customer can read. Steps never hold a database
transaction across a provider call; the runner (`worker/runner.py`) applies the outcome under
the operation's lease.

Creating is the delicate one. "sent" is checkpointed BEFORE the create request leaves, so
after a timeout, a 5xx or a crash the next step looks the instance up by its identity tag and
sends again only when nothing has carried the tag for a quiet period
(`create_quiet_period_s`, longer than the provider request timeout): a cloud may carry out a
create whose answer was lost many seconds later. The drivers never look up by themselves;
this is the one recovery path. On Linode a create sent again keeps its derived label, so a
late first copy makes the provider refuse the second (`ProviderAlreadyExists`), and the
instance is then found by its tag.

Lifecycle actions (boot, shutdown, reboot, rebuild, resize) checkpoint "sent" before sending
too, and a request that may have been carried out (no answer, a 5xx, a timeout, a worker
that died) is not sent again: the next steps watch the instance. Only an answer proving the
request was refused (a 4xx, busy, 429, or a connection that never opened) clears "sent".
Boot and shutdown alone are sent again when, `power_resend_after_s` later, the server shows
no sign of them (doing either twice is harmless; a rebuild twice wipes the disk twice).
A settled status proves nothing about a resize or a rebuild: one succeeds only once the
provider reports the new plan (image) on the server. Still showing the old one once settled,
it is watched for `change_grace_s` more (a lost request may still be carried out), then fails
saying the server keeps its plan (image), which is never written on our row. A rebuild onto the
image the server already has cannot be told from one never carried out: it, and a provider
that reports no plan (image), are judged by the status alone.

Deleting a server whose create has not finished cancels the create (instances/service.py):
a create never sent is never sent; one that may have been sent is looked for by its tag and
deleted if it appears, until the create's quiet period has passed with nothing found.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from vpspanel.instances.models import VpsInstance
from vpspanel.instances.state import CREATE, TRANSITIONS, Action
from vpspanel.operations.models import Operation
from vpspanel.provider_accounts.models import ServiceProvider
from vpspanel.provider_errors import GONE_AT_PROVIDER, NOT_RESPONDING
from vpspanel.providers import errors as perr
from vpspanel.providers.base import Provider
from vpspanel.providers.types import (
    CreateInstanceSpec,
    InstanceStatus,
    ProviderInstance,
)

# The sealed root password is gone before it reached the cloud: it expired with the request,
# or it can no longer be read (a key removed from the key ring too early).
SECRET_LOST_REASON = " ".join(
    (
        "Your request did not reach the cloud in time, and the root password is kept only",
        "until then. Please try again with a new root password.",
    )
)
TOO_SLOW = "The cloud provider did not finish in time. Please try again."
RESIZE_NOT_CARRIED_OUT = (
    "The cloud did not carry out the resize: the server stays on its current plan. "
    "Please try again."
)
REBUILD_NOT_CARRIED_OUT = (
    "The cloud did not carry out the rebuild: the server keeps its current image. Please try again."
)
PROVIDER_BUSY = "The cloud is busy; retrying shortly."
MAX_MISSING_READS = 3
# Reaching their target twice does no harm, so these may be sent again when the first request
# shows no effect; rebuild, resize and reboot never are.
POWER_ACTIONS = (Action.BOOT, Action.SHUTDOWN)


@dataclass
class Outcome:
    kind: str  # "wait" | "succeeded" | "failed"
    delay_s: float = 0.0
    status: InstanceStatus | None = None
    reason: str | None = None
    result: dict[str, Any] = field(default_factory=dict)
    instance: dict[str, Any] = field(default_factory=dict)
    milestone: tuple[str, str] | None = None  # (event type, message)
    clear_secret: bool = False


def wait(delay_s: float, **kwargs: Any) -> Outcome:
    return Outcome("wait", delay_s=delay_s, **kwargs)


def succeeded(status: InstanceStatus, **kwargs: Any) -> Outcome:
    return Outcome("succeeded", status=status, **kwargs)


def failed(reason: str, **kwargs: Any) -> Outcome:
    return Outcome("failed", reason=reason, clear_secret=True, **kwargs)


def retry_message(retries: int, max_retries: int) -> str:
    """What the customer reads when a temporary failure is retried: attempt 1 was the first
    try, so the `retries`-th retry is attempt retries + 1 of at most max_retries + 1."""
    return (
        "The cloud had a temporary problem; retrying "
        f"(attempt {retries + 1} of at most {max_retries + 1})."
    )


class Pacing(Protocol):
    """The worker's timings a task reads (`worker.config.WorkerConfig` is one): the tasks say
    what happens next, the worker decides how fast, so this package never imports the worker."""

    @property
    def poll_interval_s(self) -> float: ...
    @property
    def create_quiet_period_s(self) -> float: ...
    @property
    def settle_s(self) -> float: ...
    @property
    def power_resend_after_s(self) -> float: ...
    @property
    def change_grace_s(self) -> float: ...
    @property
    def max_retries(self) -> int: ...
    def backoff_s(self, attempts: int, retry_after_s: float | None = None) -> float: ...


@dataclass
class Step:
    operation: Operation
    instance: VpsInstance
    account: ServiceProvider
    provider: Provider
    now: datetime
    config: Pacing
    unseal: Callable[[], str | None]
    checkpoint: Callable[[dict[str, Any]], Awaitable[None]]

    @property
    def result(self) -> dict[str, Any]:
        return self.operation.result or {}


def _observed(found: ProviderInstance) -> dict[str, Any]:
    """What every read of the instance refreshes on our row."""
    return {
        "ip_address": found.ipv4,
        "ipv6": found.ipv6,
        "provider_status": found.raw_status[:32] or None,
    }


def _bound(found: ProviderInstance, step: Step) -> Outcome:
    return wait(
        step.config.poll_interval_s,
        instance={
            "provider_instance_id": found.id,
            "status": InstanceStatus.PROVISIONING.value,
            "progress": 40,
            **_observed(found),
        },
        milestone=("created", "The server was created at the cloud and is starting."),
        clear_secret=True,
    )


async def create(step: Step) -> Outcome:
    instance, provider = step.instance, step.provider
    if instance.provider_instance_id is not None:
        return await _await_target(step, CREATE.targets, creating=True)
    if step.result.get("sent"):
        # An earlier send whose outcome we do not know (no answer, a 5xx, a worker that died):
        # the provider may still be carrying it out. This is the one recovery path.
        found = await provider.find_instance_by_tag(instance.id)
        if found is not None:
            return _bound(found, step)
        quiet_left = _quiet_period_left(step)
        if quiet_left > 0:
            absent_since = step.result.get("absent_since") or step.now.isoformat()
            return wait(quiet_left, result={"absent_since": absent_since})
        # Nothing has carried our tag for a whole quiet period: the earlier request never
        # made a server.
        if int(step.result.get("retries", 0)) > step.config.max_retries:
            return failed(NOT_RESPONDING)  # every attempt allowed was made
    root_pass = step.unseal()
    if root_pass is None:
        return failed(SECRET_LOST_REASON)
    await step.checkpoint({"sent": True, "absent_since": None})
    spec = CreateInstanceSpec(
        instance_id=instance.id,
        label=instance.label,
        plan_id=str(step.operation.payload["provider_plan_id"]),
        region_id=instance.region,
        image_id=str(step.operation.payload["provider_image_id"]),
        root_pass=root_pass,
        ssh_public_keys=list(instance.configuration.get("ssh_keys") or []),
        options=step.account.create_options(),
    )
    try:
        created = await provider.create_instance(spec)
    except perr.ProviderAlreadyExists:
        # The same derived label exists: an earlier send went through after all. Find it by
        # its tag (now, or on the next look if the provider's listing lags).
        found = await provider.find_instance_by_tag(instance.id)
        if found is not None:
            return _bound(found, step)
        return wait(step.config.poll_interval_s)
    except perr.ProviderUnavailable as exc:
        if not exc.may_have_succeeded:
            await step.checkpoint({"sent": False})
        raise
    except perr.ProviderError:
        # Refused before anything was made (4xx, 429): sending again is safe.
        await step.checkpoint({"sent": False})
        raise
    return _bound(created, step)


def _quiet_period_left(step: Step) -> float:
    """Seconds until nothing has carried our tag for `create_quiet_period_s` (counted from
    the first look that found nothing); the full period before that first look."""
    absent_since = step.result.get("absent_since")
    if absent_since is None:
        return step.config.create_quiet_period_s
    quiet_for = (step.now - datetime.fromisoformat(absent_since)).total_seconds()
    return max(step.config.create_quiet_period_s - quiet_for, 0.0)


@dataclass(frozen=True)
class RequestedChange:
    """What a resize (rebuild) asked the provider to change, as the provider reports it: the
    one proof that it happened, since a server settles to running whether it did or not."""

    wanted: str  # the provider's plan (image) id
    shown: Callable[[ProviderInstance], str | None]
    not_carried_out: str  # the customer's reason when it never shows


def _requested_change(step: Step, action: Action) -> RequestedChange | None:
    """The change to see before a resize or rebuild succeeds; None when nothing on the server
    can show it (other actions, and a rebuild onto the image the server already has)."""
    payload = step.operation.payload
    if action is Action.RESIZE:
        return RequestedChange(
            str(payload["provider_plan_id"]), lambda found: found.plan_id, RESIZE_NOT_CARRIED_OUT
        )
    if action is Action.REBUILD:
        wanted = str(payload["provider_image_id"])
        if wanted == step.instance.configuration.get("provider_image_id"):
            return None
        return RequestedChange(wanted, lambda found: found.image_id, REBUILD_NOT_CARRIED_OUT)
    return None


async def _await_target(
    step: Step,
    targets: frozenset[InstanceStatus],
    *,
    creating: bool = False,
    change: RequestedChange | None = None,
) -> Outcome:
    provider_instance_id = step.instance.provider_instance_id
    if provider_instance_id is None:
        return failed(GONE_AT_PROVIDER)
    found = await step.provider.get_instance(provider_instance_id)
    if found is None:
        missing = int(step.result.get("missing_reads", 0)) + 1
        if missing >= MAX_MISSING_READS:
            return failed(GONE_AT_PROVIDER)
        return wait(step.config.poll_interval_s, result={"missing_reads": missing})
    seen = bool(step.result.get("seen_change")) or found.status.is_transitional
    sent_at = step.result.get("sent_at")
    settled = (
        creating
        or sent_at is None
        or (step.now - datetime.fromisoformat(sent_at)).total_seconds() >= step.config.settle_s
    )
    if found.status in targets and (seen or settled):
        shown = change.shown(found) if change is not None else None
        # A provider that does not report the plan (image) leaves the status as the only sign.
        if change is None or shown is None or shown == change.wanted:
            return succeeded(found.status, instance=_observed(found))
        return _change_not_shown(step, change, found)
    progress = 60 if found.status.is_transitional else 50
    return wait(
        step.config.poll_interval_s,
        result={"seen_change": seen},
        instance={"progress": progress, **_observed(found)},
    )


def _change_not_shown(step: Step, change: RequestedChange, found: ProviderInstance) -> Outcome:
    """Settled, but still on the old plan (image): a request whose answer was lost may yet be
    carried out, so look again until it has shown the old one for `change_grace_s` (counted
    from the first such look), then fail; the new plan (image) is never written."""
    unchanged_since = step.result.get("unchanged_since") or step.now.isoformat()
    shown_for = (step.now - datetime.fromisoformat(unchanged_since)).total_seconds()
    if shown_for >= step.config.change_grace_s:
        return failed(change.not_carried_out, instance=_observed(found))
    return wait(
        step.config.poll_interval_s,
        result={"unchanged_since": unchanged_since},
        instance={"progress": 50, **_observed(found)},
    )


async def lifecycle(step: Step) -> Outcome:
    action = Action(step.operation.type)
    transition = TRANSITIONS[action]
    provider_instance_id = step.instance.provider_instance_id
    if provider_instance_id is None:
        return failed(GONE_AT_PROVIDER)
    if step.result.get("sent"):
        # Sent before (perhaps by a worker that died, or without an answer): watch.
        watching = await _await_target(
            step, transition.targets, change=_requested_change(step, action)
        )
        watching.clear_secret = True
        if not (action in POWER_ACTIONS and _shows_no_effect(step, watching)):
            return watching
        # A power action that may never have arrived: powering on (off) twice is harmless.
    elif step.operation.attempts > 1 and action in POWER_ACTIONS:
        # Already where the action leads (changed meanwhile): nothing to send.
        current = await step.provider.get_instance(provider_instance_id)
        if current is not None and current.status in transition.targets:
            return succeeded(current.status, instance=_observed(current))
    root_pass: str | None = None
    kept_credentials = action is Action.REBUILD and not step.provider.rebuild_sets_credentials
    if action is Action.REBUILD and not kept_credentials:
        root_pass = step.unseal()
        if root_pass is None:
            return failed(SECRET_LOST_REASON)
    # Checkpointed BEFORE the request leaves: a retry or a worker taking over then watches
    # instead of sending again (a second rebuild would wipe the disk twice).
    await step.checkpoint(
        {
            "sent": True,
            "sent_at": step.now.isoformat(),
            **({"kept_credentials": True} if kept_credentials else {}),
        }
    )
    try:
        await _send(step, action, provider_instance_id, root_pass)
    except perr.ProviderUnavailable as exc:
        if exc.may_have_succeeded:
            # No answer: the provider may be carrying it out. Watch from now on.
            return wait(
                step.config.backoff_s(step.operation.attempts),
                instance={"progress": 30},
                clear_secret=True,
            )
        await step.checkpoint({"sent": False})
        raise
    except perr.ProviderError:
        # Refused (4xx, busy, 429): nothing was done, so sending again is safe.
        await step.checkpoint({"sent": False})
        raise
    return wait(step.config.poll_interval_s, instance={"progress": 30}, clear_secret=True)


def _shows_no_effect(step: Step, watching: Outcome) -> bool:
    sent_at = step.result.get("sent_at")
    return (
        watching.kind == "wait"
        and not watching.result.get("seen_change")
        and sent_at is not None
        and (step.now - datetime.fromisoformat(sent_at)).total_seconds()
        >= step.config.power_resend_after_s
    )


async def _send(
    step: Step, action: Action, provider_instance_id: str, root_pass: str | None
) -> None:
    payload = step.operation.payload
    provider = step.provider
    if action is Action.BOOT:
        await provider.boot(provider_instance_id)
    elif action is Action.SHUTDOWN:
        await provider.shutdown(provider_instance_id)
    elif action is Action.REBOOT:
        await provider.reboot(provider_instance_id)
    elif action is Action.RESIZE:
        await provider.resize(provider_instance_id, str(payload["provider_plan_id"]))
    elif action is Action.REBUILD:
        # Where the server keeps its credentials, neither password nor keys are sent.
        await provider.rebuild(
            provider_instance_id,
            str(payload["provider_image_id"]),
            root_pass,
            _rebuild_keys(payload, step.instance.configuration) if root_pass else [],
        )


def _rebuild_keys(payload: dict[str, Any], configuration: dict[str, Any]) -> list[str]:
    """The keys the rebuild asked for, else the ones the server has."""
    keys = payload["ssh_keys"] if "ssh_keys" in payload else configuration.get("ssh_keys")
    return list(keys or [])


async def delete(step: Step) -> Outcome:
    provider_instance_id = step.instance.provider_instance_id
    cancelled_create = step.operation.payload.get("cancelled_create")
    if provider_instance_id is None and cancelled_create is not None:
        return await _delete_cancelled_create(step, sent=bool(cancelled_create.get("sent")))
    bind: dict[str, Any] = {}
    if provider_instance_id is None:
        # A create that failed may still have left a server: look for our tag first.
        found = await step.provider.find_instance_by_tag(step.instance.id)
        if found is None:
            return succeeded(InstanceStatus.DELETED)
        provider_instance_id = found.id
        bind = {"provider_instance_id": found.id}
    if not step.result.get("sent"):
        await step.provider.delete_instance(provider_instance_id)
        return wait(
            step.config.poll_interval_s,
            result={"sent": True},
            instance={"progress": 50, **bind},
        )
    if await step.provider.get_instance(provider_instance_id) is None:
        return succeeded(InstanceStatus.DELETED)
    return wait(step.config.poll_interval_s)


async def _delete_cancelled_create(step: Step, *, sent: bool) -> Outcome:
    """A server deleted before its create finished. A create never sent made nothing. One
    that may have been sent may appear at the provider as late as a create's quiet period
    after we last found nothing: each look deletes what carries our tag, and the delete ends
    once nothing has for that long."""
    if not sent:
        return succeeded(InstanceStatus.DELETED)
    found = await step.provider.find_instance_by_tag(step.instance.id)
    if found is not None:
        await step.provider.delete_instance(found.id)
        # From here the ordinary delete watches it go.
        return wait(
            step.config.poll_interval_s,
            result={"sent": True},
            instance={"provider_instance_id": found.id, "progress": 50},
        )
    quiet_left = _quiet_period_left(step)
    if quiet_left > 0:
        absent_since = step.result.get("absent_since") or step.now.isoformat()
        # One more look once the period is over catches anything that landed meanwhile.
        return wait(quiet_left, result={"absent_since": absent_since}, instance={"progress": 50})
    return succeeded(InstanceStatus.DELETED)


async def sync(step: Step) -> Outcome:
    """Re-read the instance after a failed action, until the provider reports a stable status."""
    provider_instance_id = step.instance.provider_instance_id
    if provider_instance_id is None:
        return succeeded(InstanceStatus.FAILED)
    found = await step.provider.get_instance(provider_instance_id)
    if found is None:
        return succeeded(InstanceStatus.FAILED, instance={"error": GONE_AT_PROVIDER})
    if found.status.is_transitional:
        return wait(step.config.poll_interval_s)
    return succeeded(found.status, instance=_observed(found))


# Said instead when the cloud cannot change credentials on rebuild: honest about the password.
REBUILT_KEEPING_CREDENTIALS = (
    "The server was rebuilt. It keeps the root password and SSH keys it was created with."
)


@dataclass(frozen=True)
class OperationType:
    """Everything that differs between operation types. The runner (`worker/runner.py`)
    claims, runs `step`, checkpoints, retries and enforces the deadline the same way for every
    type; what an outcome does to the instance row is decided here."""

    step: Callable[[Step], Awaitable[Outcome]]
    success_message: str | None = None
    # What a success writes on the row besides the status (resize: the plan; rebuild: the
    # image). Returns the event message when it differs from `success_message`.
    on_success: Callable[[Operation, VpsInstance], str | None] | None = None
    # A failed create or sync leaves nothing to re-read (the server is failed); after a failed
    # action we no longer know what the provider did, so the server shows `unknown` and a
    # sync operation re-reads it.
    failure_status: InstanceStatus = InstanceStatus.UNKNOWN
    # sync only re-reads: an error left by the action that failed stays on the row.
    keeps_error: bool = False
    # create: shown as provisioning from its first claim; a send whose answer was lost may
    # still land after the last retry; watched by the shared account poll once bound.
    creates: bool = False

    def start(self, operation: Operation, instance: VpsInstance, now: datetime) -> bool:
        """Apply what the first claim of the operation shows on the row (a create shows
        provisioning; an action already shows its transitional status); True when its event
        now reads "running", as every operation's does from its first claim."""
        if operation.attempts != 1:
            return False
        if self.creates:
            instance.status = InstanceStatus.PROVISIONING.value
            instance.progress = 10
            instance.updated_at = now
        return True

    def may_still_land(self, operation: Operation) -> bool:
        """Out of retries, but the last create may still land: the create's recovery path
        looks for it through a quiet period and only then gives up."""
        return self.creates and bool((operation.result or {}).get("sent"))

    def watched_by_account_poll(self, instance: VpsInstance) -> bool:
        """Whether the shared account watcher (`worker/polling.py`) wakes this operation when
        its server changes, so its own look is only a backstop."""
        return self.creates and instance.provider_instance_id is not None

    def succeed(
        self, operation: Operation, instance: VpsInstance, status: InstanceStatus, now: datetime
    ) -> str | None:
        """Write a success on the row; returns the message of the operation's event."""
        instance.status = status.value
        instance.progress = None
        if not self.keeps_error:
            instance.error = None
        message = self.success_message
        if self.on_success is not None:
            message = self.on_success(operation, instance) or message
        if status is InstanceStatus.DELETED:
            instance.deleted_at = now
            instance.ip_address = None
            instance.ipv6 = None
        return message

    def fail(self, instance: VpsInstance, reason: str) -> bool:
        """Write a failure on the row; True when a sync operation must re-read the server."""
        instance.error = reason
        instance.progress = None
        instance.status = self.failure_status.value
        return self.failure_status is InstanceStatus.UNKNOWN


def _resized(operation: Operation, instance: VpsInstance) -> None:
    instance.plan_id = uuid.UUID(str(operation.payload["plan_id"]))


def _rebuilt(operation: Operation, instance: VpsInstance) -> str | None:
    kept_credentials = bool((operation.result or {}).get("kept_credentials"))
    instance.image = str(operation.payload["image"])
    instance.configuration = {
        **instance.configuration,
        "provider_image_id": operation.payload["provider_image_id"],
        # The keys a rebuild installed are the server's keys from now on.
        **(
            {"ssh_keys": operation.payload["ssh_keys"]}
            if "ssh_keys" in operation.payload and not kept_credentials
            else {}
        ),
    }
    return REBUILT_KEEPING_CREDENTIALS if kept_credentials else None


RUNNING = "The server is running."
OPERATION_TYPES: dict[str, OperationType] = {
    "create": OperationType(create, RUNNING, failure_status=InstanceStatus.FAILED, creates=True),
    "boot": OperationType(lifecycle, RUNNING),
    "shutdown": OperationType(lifecycle, "The server is stopped."),
    "reboot": OperationType(lifecycle, "The server rebooted."),
    "rebuild": OperationType(lifecycle, "The server was rebuilt.", on_success=_rebuilt),
    "resize": OperationType(lifecycle, "The server was resized.", on_success=_resized),
    "delete": OperationType(delete, "The server was deleted."),
    "sync": OperationType(sync, failure_status=InstanceStatus.FAILED, keeps_error=True),
}
