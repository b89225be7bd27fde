"""Business rules for customers' servers: deploy, act, read. No commits here (except the
idempotency claim, which must be visible before the work starts); the worker does every
provider write."""

from __future__ import annotations

import functools
import re
import time
import uuid
from collections import OrderedDict
from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from vpspanel.auth.deps import OrgContext
from vpspanel.catalog.models import VpsPlan
from vpspanel.customers.quota import check_room_for_one_more
from vpspanel.errors import FieldError, InvalidState, NotFound, ValidationFailed
from vpspanel.instances import state as transitions
from vpspanel.instances import validation
from vpspanel.instances.models import InstanceEvent, VpsInstance
from vpspanel.instances.repository import AdminRow, InstanceRepository
from vpspanel.instances.schemas import (
    AdminInstanceList,
    AdminInstanceOut,
    DeployIn,
    EventList,
    EventOut,
    InstanceCapabilities,
    InstanceEnvelope,
    InstanceOut,
    LastOperationOut,
    MetricsOut,
    OrganizationRef,
    RebuildIn,
    ResizeIn,
    ResizePlanOut,
    ResizePlansOut,
    UserRef,
)
from vpspanel.operations import deadlines, handoff, idempotency
from vpspanel.operations.models import Operation
from vpspanel.operations.repository import OperationRepository, OperationStatus
from vpspanel.provider_accounts.models import ServiceProvider
from vpspanel.provider_accounts.repository import ProviderAccountRepository
from vpspanel.provider_errors import customer_error
from vpspanel.providers.errors import ProviderError
from vpspanel.providers.http import BUDGET_PATIENCE_S, RequestPriority, request_priority
from vpspanel.providers.registry import PROVIDER_TYPES, driver_class
from vpspanel.providers.types import InstanceStatus
from vpspanel.providers.validation import unique_ssh_public_keys
from vpspanel.ssh_keys import service as ssh_keys
from vpspanel.ssh_keys import validation as ssh_key_rules
from vpspanel.state import AppState
from vpspanel.storefront import plans as on_sale
from vpspanel.storefront import service as storefront
from vpspanel.storefront.plans import SellablePlan
from vpspanel.storefront.regions import public_region_ids

METRICS_CACHE_SECONDS = 60.0
MAX_METRICS_HOURS = 24 * 30
# ASCII digits only: str.isdigit() also accepts '²' and other digits int() refuses.
_PERIOD = re.compile(r"([0-9]{1,3})([hd])")
# Per process, oldest first; bounded so that many servers or periods cannot grow it forever.
MAX_METRICS_CACHE_ENTRIES = 1024
METRICS_BUDGET_PATIENCE_S = 5.0
_metrics_cache: OrderedDict[tuple[uuid.UUID, int], tuple[float, MetricsOut]] = OrderedDict()

DEPLOY_CANCELLED = "Deploy cancelled: the server was deleted before it was ready."
REQUESTED_MESSAGES = {
    "create": "Server requested.",
    "boot": "Power on requested.",
    "shutdown": "Shutdown requested.",
    "reboot": "Reboot requested.",
    "rebuild": "Rebuild requested.",
    "resize": "Resize requested.",
    "delete": "Deletion requested.",
}


def capabilities_of(provider_type: str | None) -> InstanceCapabilities:
    """What the instance's cloud can do (nothing, once it has no provider account)."""
    return InstanceCapabilities(rebuild_sets_credentials=_rebuild_sets_credentials(provider_type))


@functools.cache
def _rebuild_sets_credentials(provider_type: str | None) -> bool:
    driver = driver_class(provider_type) if provider_type in PROVIDER_TYPES else None
    return bool(driver and driver.rebuild_sets_credentials)


@functools.cache
def _status_view(status: str) -> tuple[str | None, bool, tuple[str, ...]]:
    """`status_detail`, `is_transitional` and `allowed_actions` of a status (a handful of
    statuses, computed once each instead of once per listed server)."""
    return (
        transitions.status_detail(status),
        transitions.is_transitional(status),
        tuple(transitions.allowed_actions(status)),
    )


class _Shown(Protocol):
    """The columns of a server its answer shows: a `VpsInstance` or an `InstanceSummary`."""

    @property
    def id(self) -> uuid.UUID: ...
    @property
    def label(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def ip_address(self) -> str | None: ...
    @property
    def ipv6(self) -> str | None: ...
    @property
    def region(self) -> str: ...
    @property
    def region_label(self) -> str | None: ...
    @property
    def public_region(self) -> str | None: ...
    @property
    def plan_id(self) -> uuid.UUID | None: ...
    @property
    def image(self) -> str: ...
    @property
    def progress(self) -> int | None: ...
    @property
    def error(self) -> str | None: ...
    @property
    def created_at(self) -> datetime: ...
    @property
    def updated_at(self) -> datetime: ...


def shown_region_id(instance: _Shown) -> str:
    """The region id a customer sees for the server: the public id the catalog showed when it
    was ordered, else (rows from before it was recorded) the one the region's label gives."""
    if instance.public_region:
        return instance.public_region
    return _public_region_from_label(instance.region, instance.region_label)


@functools.lru_cache(maxsize=1024)
def _public_region_from_label(region: str, label: str | None) -> str:
    # Per row of a list, for every row from before the public id was recorded.
    return public_region_ids([(region, label)])[region]


def _instance_fields(
    instance: _Shown, plan_name: str | None, provider_type: str | None, *, admin: bool = False
) -> dict[str, Any]:
    """`InstanceOut`'s fields as plain values: a list validates them all in one call. Admins
    see the provider's region id; customers the public one."""
    detail, transitional, actions = _status_view(instance.status)
    region_id = instance.region if admin else shown_region_id(instance)
    return {
        "id": str(instance.id),
        "label": instance.label,
        "status": instance.status,
        "status_detail": detail,
        "ip_address": instance.ip_address,
        "ipv6": instance.ipv6,
        "region": {
            "id": region_id,
            "label": instance.region_label or region_id,
        },
        "plan": {"id": str(instance.plan_id) if instance.plan_id else None, "name": plan_name},
        "image": instance.image,
        "is_transitional": transitional,
        "allowed_actions": list(actions),
        "capabilities": {"rebuild_sets_credentials": _rebuild_sets_credentials(provider_type)},
        "progress": instance.progress,
        "error": instance.error,
        "created_at": instance.created_at,
        "updated_at": instance.updated_at,
    }


def instance_out(
    instance: VpsInstance, plan_name: str | None, provider_type: str | None, *, admin: bool = False
) -> InstanceOut:
    return InstanceOut.model_validate(
        _instance_fields(instance, plan_name, provider_type, admin=admin)
    )


async def _out(session: AsyncSession, instance: VpsInstance) -> InstanceOut:
    repository = InstanceRepository(session)
    names = await repository.plan_names([instance.plan_id])
    types = await repository.provider_types([instance.provider_id])
    return instance_out(
        instance,
        names.get(instance.plan_id) if instance.plan_id else None,
        types.get(instance.provider_id) if instance.provider_id else None,
    )


def _field_problems(body: DeployIn) -> list[FieldError]:
    """Every bad field of the order other than its SSH keys and plan."""
    problems: list[tuple[str, str | None]] = [
        ("label", validation.label_problem(body.label)),
        ("root_pass", validation.root_pass_problem(body.root_pass)),
    ]
    return [FieldError(field=name, message=message) for name, message in problems if message]


async def _ssh_keys(
    session: AsyncSession, ctx: OrgContext, raw: list[str], key_ids: list[uuid.UUID]
) -> tuple[list[str], list[FieldError]]:
    """The key lines to install: the keys sent (`ssh_keys`) and the user's saved keys named by
    id (`ssh_key_ids`), each checked (a saved key again, under today's rules), the same key
    (by SHA256 fingerprint) once; and a problem for each bad entry."""
    parsed, problems = ssh_key_rules.ssh_keys_problems(raw)
    saved, missing = await ssh_keys.saved_key_lines(session, ctx.user.id, key_ids, "ssh_key_ids")
    problems.extend(missing)
    for field, line in saved:
        checked = ssh_key_rules.ssh_key_problem(line, field)
        if isinstance(checked, str):
            problems.append((field, checked))
        else:
            parsed.append(checked)
    lines = [key.line for key in unique_ssh_public_keys(parsed)]
    return lines, [FieldError(field=name, message=message) for name, message in problems]


def _fail(problems: list[FieldError]) -> ValidationFailed:
    names = ", ".join(dict.fromkeys(problem.field for problem in problems))
    return ValidationFailed(f"Invalid fields: {names}.", fields=problems)


async def deploy(
    session: AsyncSession,
    state: AppState,
    ctx: OrgContext,
    body: DeployIn,
    idempotency_key: str | None,
) -> tuple[int, dict[str, Any]]:
    """Accept a new server: validate, record it `pending` with a `create` operation, answer
    201. Returns (status, body) because an idempotent replay answers with the stored body."""
    claimed: idempotency.Claim | None = None
    if idempotency_key is not None:
        # The password stays out of the fingerprint (see operations/idempotency.py).
        fingerprint = idempotency.request_fingerprint(body.model_dump(exclude={"root_pass"}))
        outcome = await idempotency.claim(
            session,
            organization_id=ctx.organization.id,
            key=idempotency_key,
            fingerprint=fingerprint,
            now=state.clock(),
        )
        if isinstance(outcome, idempotency.Replay):
            return outcome.status, outcome.body
        claimed = outcome
    try:
        instance = await _accept(session, state, ctx, body)
        answer = InstanceEnvelope(instance=await _out(session, instance)).model_dump(mode="json")
        if claimed is not None:
            await idempotency.complete(session, claimed, status=201, body=answer)
    except BaseException:
        if claimed is not None:
            await idempotency.release(session, claimed)
        raise
    return 201, answer


async def _accept(
    session: AsyncSession, state: AppState, ctx: OrgContext, body: DeployIn
) -> VpsInstance:
    """Check the order against the catalog in short reads of their own (the image list may
    take a provider call), then record it in `session`, which holds its connection only for
    these last few statements: no request waits for a second connection while holding one."""
    problems = _field_problems(body)
    plan: SellablePlan | None = None
    async with state.read_sessionmaker() as read:
        key_lines, key_problems = await _ssh_keys(read, ctx, body.ssh_keys, body.ssh_key_ids)
        problems.extend(key_problems)
        try:
            plan = await storefront.plan_for_purchase(read, body.type, body.region)
        except ValidationFailed as exc:
            problems.extend(exc.fields or [])
    # plan_for_purchase priced the plan for this public region: it is offered there.
    region = plan.public_region(body.region) if plan is not None else None
    if plan is None or region is None or problems:
        raise _fail(problems)
    try:
        images = await storefront.plan_images(state, plan, region.id)
        image = storefront.pick_image(images, body.image)
    except ValidationFailed as exc:
        raise _fail(exc.fields or []) from None
    # In `session`, just before the insert: the organization's row stays locked until commit.
    await check_room_for_one_more(session, ctx.organization.id)
    now = state.clock()
    instance = VpsInstance(
        id=uuid.uuid4(),
        organization_id=ctx.organization.id,
        user_id=ctx.user.id,
        plan_id=plan.id,
        provider_id=plan.provider_id,
        label=body.label,
        status=InstanceStatus.PENDING.value,
        region=region.id,
        image=image.public_id,
        progress=0,
        configuration={
            "region_label": region.label,
            "public_region": region.public_id,
            "provider_image_id": image.upstream.id,
            "ssh_keys": key_lines,
        },
        created_at=now,
        updated_at=now,
    )
    await InstanceRepository(session).add(instance)
    operation = OperationRepository(session).add(
        instance_id=instance.id,
        type="create",
        now=now,
        payload={
            "provider_plan_id": plan.provider_plan_id,
            "provider_image_id": image.upstream.id,
        },
    )
    handoff.seal(
        state.secret_box,
        operation,
        body.root_pass,
        expires_at=now + deadlines.timeout_for(operation.type),
    )
    await session.flush()  # no ORM relationships: flush in foreign-key order by hand
    InstanceRepository(session).add_event(
        instance,
        type="create",
        status="queued",
        message=REQUESTED_MESSAGES["create"],
        operation_id=operation.id,
    )
    await session.flush()
    return instance


async def _readable(
    session: AsyncSession, ctx: OrgContext, instance_id: uuid.UUID, *, for_update: bool = False
) -> VpsInstance:
    instance = await InstanceRepository(session).get_readable(
        ctx.organization.id, instance_id, for_update=for_update
    )
    if instance is None:
        raise NotFound("Server not found.")
    return instance


async def get(session: AsyncSession, ctx: OrgContext, instance_id: uuid.UUID) -> dict[str, Any]:
    """The organization's server as `InstanceOut`'s fields, plain values to be written as JSON
    (`web.answers`); 404 `not_found` for a server of any other. One statement."""
    shown = await InstanceRepository(session).get_readable_summary(ctx.organization.id, instance_id)
    if shown is None:
        raise NotFound("Server not found.")
    return _instance_fields(shown, shown.plan_name, shown.provider_type)


async def list_page(
    session: AsyncSession, ctx: OrgContext, *, page: int, per_page: int
) -> dict[str, Any]:
    """One page of the organization's servers, newest first, as `InstanceList`'s fields: plain
    values to be written as JSON (`web.answers`), no model per server. One statement."""
    listed, total = await InstanceRepository(session).page_for_organization(
        ctx.organization.id, page=page, per_page=per_page
    )
    return {
        "instances": [_instance_fields(row, row.plan_name, row.provider_type) for row in listed],
        "total": total,
        "page": page,
        "per_page": per_page,
    }


async def act(
    session: AsyncSession,
    state: AppState,
    ctx: OrgContext,
    instance_id: uuid.UUID,
    action: transitions.Action,
    body: RebuildIn | ResizeIn | None = None,
) -> InstanceOut:
    """Start a lifecycle action: check it against the transition table, show the transitional
    status, and record the operation the worker will run."""
    payload: dict[str, Any] = {}
    secret: str | None = None
    if body is not None:
        # Checked before the row is locked, in short reads of their own: the image list may
        # take a provider call, and `session` must not hold a connection meanwhile.
        account: ServiceProvider | None = None
        async with state.read_sessionmaker() as read:
            unlocked = await _readable(read, ctx, instance_id)
            transitions.begin(action, unlocked.status)
            if isinstance(body, ResizeIn):
                payload.update(await _resize_payload(read, unlocked, body))
            elif unlocked.provider_id is not None:
                account = await ProviderAccountRepository(read).get(unlocked.provider_id)
            new_keys: tuple[list[str], list[FieldError]] | None = None
            if isinstance(body, RebuildIn) and (
                body.ssh_keys is not None or body.ssh_key_ids is not None
            ):
                new_keys = await _ssh_keys(read, ctx, body.ssh_keys or [], body.ssh_key_ids or [])
        if isinstance(body, RebuildIn):
            payload.update(await _rebuild_payload(state, account, body, new_keys))
            secret = body.root_pass
    operations = OperationRepository(session)
    unfinished: list[Operation] | None = None
    if action is transitions.Action.DELETE:
        # Locked in the worker's order (operations, then the instance), so a worker claiming
        # or checkpointing the create at this moment cannot deadlock with us.
        await _readable(session, ctx, instance_id)
        unfinished = await operations.unfinished_for_instance(instance_id, for_update=True)
    instance = await _readable(session, ctx, instance_id, for_update=True)
    if action is transitions.Action.DELETE and instance.status in transitions.DELETE_REQUESTED:
        return await _out(session, instance)  # deleting twice is deleting once
    during = transitions.begin(action, instance.status)
    now = state.clock()
    if unfinished is None:
        unfinished = await operations.unfinished_for_instance(instance.id)
    if action is transitions.Action.DELETE and instance.status in transitions.CREATING:
        payload["cancelled_create"] = await _cancel_create(session, unfinished, now)
    elif unfinished:
        raise InvalidState("Another action on this server is still running.")
    elif (
        action is transitions.Action.DELETE
        and instance.provider_instance_id is None
        and await operations.create_may_have_been_sent(instance.id)
    ):
        # A create that failed after a send of unknown outcome may still land: the delete
        # watches for it as for a cancelled create.
        payload["cancelled_create"] = {"sent": True}
    payload["from_status"] = instance.status
    instance.status = during.value
    instance.progress = 0
    instance.error = None
    instance.updated_at = now
    operation = OperationRepository(session).add(
        instance_id=instance.id, type=action.value, now=now, payload=payload
    )
    if secret is not None:
        handoff.seal(
            state.secret_box,
            operation,
            secret,
            expires_at=now + deadlines.timeout_for(operation.type),
        )
    await session.flush()
    InstanceRepository(session).add_event(
        instance,
        type=action.value,
        status="queued",
        message=REQUESTED_MESSAGES[action.value],
        operation_id=operation.id,
    )
    await session.flush()
    return await _out(session, instance)


async def _cancel_create(
    session: AsyncSession, unfinished: list[Operation], now: datetime
) -> dict[str, bool]:
    """Stop the create of a server deleted before it was ready, under the create's row lock.

    A worker holding the create finds it no longer running at its next checkpoint, so a
    create not yet sent never leaves; its sealed root password is erased here. Returns
    whether the create may have reached the provider: the delete then looks for the server
    by its tag and watches for a late one (`tasks.delete`)."""
    may_have_been_sent = False
    for operation in unfinished:  # only the create runs while a server is being created
        may_have_been_sent = may_have_been_sent or bool((operation.result or {}).get("sent"))
        operation.status = OperationStatus.CANCELLED.value
        operation.error = DEPLOY_CANCELLED
        handoff.clear(operation)
        operation.lease_owner = None
        operation.lease_expires_at = None
        operation.finished_at = now
        operation.updated_at = now
        event = await InstanceRepository(session).operation_event(operation.id)
        if event is not None:
            event.status = OperationStatus.CANCELLED.value
            event.message = DEPLOY_CANCELLED
            event.finished_at = now
    return {"sent": may_have_been_sent}


async def _rebuild_payload(
    state: AppState,
    account: ServiceProvider | None,
    body: RebuildIn,
    new_keys: tuple[list[str], list[FieldError]] | None,
) -> dict[str, Any]:
    """`new_keys`: the checked keys of `ssh_keys`/`ssh_key_ids` and their problems, or None
    when neither was sent (the server's own keys are installed again)."""
    if account is None:
        raise InvalidState("This server can no longer be rebuilt.")
    if not capabilities_of(account.type).rebuild_sets_credentials:
        if body.root_pass is not None:
            raise ValidationFailed.for_field(
                "root_pass",
                "This server cannot take a new root password on rebuild: it keeps the password "
                "and SSH keys it was created with. Leave root_pass out.",
            )
        if new_keys is not None:
            field = "ssh_keys" if body.ssh_keys is not None else "ssh_key_ids"
            raise ValidationFailed.for_field(
                field,
                "This server cannot take new SSH keys on rebuild: it keeps the password and SSH "
                f"keys it was created with. Leave {field} out.",
            )
    elif body.root_pass is None:
        raise ValidationFailed.for_field("root_pass", "A new root password is required.")
    else:
        problem = validation.root_pass_problem(body.root_pass)
        if problem:
            raise ValidationFailed.for_field("root_pass", problem)
    if new_keys is not None and new_keys[1]:
        raise _fail(new_keys[1])
    image = storefront.pick_image(await storefront.account_images(state, account), body.image)
    payload: dict[str, Any] = {"provider_image_id": image.upstream.id, "image": image.public_id}
    if new_keys is not None:
        payload["ssh_keys"] = new_keys[0]
    return payload


def _is_larger(new: SellablePlan, old_specs: dict[str, Any]) -> bool:
    new_values = [new.vcpus, new.memory_mb, new.disk_gb]
    old_values = [int(old_specs.get(key) or 0) for key in ("vcpus", "memory", "disk")]
    return (
        all(n >= o for n, o in zip(new_values, old_values, strict=True))
        and new_values != old_values
    )


def _resize_accepts(instance: VpsInstance, current: VpsPlan | None, target: SellablePlan) -> bool:
    """The one rule for a resize target, applied by the resize and by its list of plans alike:
    a sellable plan of the server's own provider account, offered in its region, larger than
    the plan it has."""
    return (
        current is not None
        and target.id != instance.plan_id
        and target.provider_id == instance.provider_id
        and target.region(instance.region) is not None
        and _is_larger(target, current.specifications)
    )


async def _current_plan(session: AsyncSession, instance: VpsInstance) -> VpsPlan | None:
    return await on_sale.get_plan(session, instance.plan_id) if instance.plan_id else None


async def _resize_payload(
    session: AsyncSession, instance: VpsInstance, body: ResizeIn
) -> dict[str, Any]:
    current = await _current_plan(session, instance)
    # Says which rule an unknown, foreign or elsewhere-only plan breaks; then the shared rule.
    target = await storefront.plan_for_change(
        session, body.type, instance.region, instance.provider_id
    )
    if not _resize_accepts(instance, current, target):
        raise ValidationFailed.for_field(
            "type", "Choose a larger plan offered in this server's region."
        )
    return {"plan_id": str(target.id), "provider_plan_id": target.provider_plan_id}


async def resize_plans(
    session: AsyncSession, ctx: OrgContext, instance_id: uuid.UUID
) -> ResizePlansOut:
    """Exactly the plans a resize of this server would accept, priced for its region, cheapest
    first, each with what it costs a month more (or less) than the server's plan there."""
    instance = await _readable(session, ctx, instance_id)
    current = await _current_plan(session, instance)
    if current is None:
        return ResizePlansOut(plans=[])
    current_price = await on_sale.customer_price_monthly(session, current, instance.region)
    targets = [
        plan
        for plan in await on_sale.list_sellable_plans(session, region=instance.region)
        if _resize_accepts(instance, current, plan)
    ]
    targets.sort(key=lambda plan: (plan.price_monthly, plan.name, str(plan.id)))
    return ResizePlansOut(
        plans=[
            ResizePlanOut(
                id=str(plan.id),
                name=plan.name,
                vcpus=plan.vcpus,
                memory_mb=plan.memory_mb,
                disk_gb=plan.disk_gb,
                transfer_gb=plan.transfer_gb,
                price_monthly=plan.price_monthly,
                price_hourly=plan.price_hourly,
                price_difference_monthly=plan.price_monthly - current_price,
            )
            for plan in targets
        ]
    )


async def events(session: AsyncSession, ctx: OrgContext, instance_id: uuid.UUID) -> EventList:
    instance = await _readable(session, ctx, instance_id)
    return _event_list(await InstanceRepository(session).events(instance.id))


def _event_list(events: Sequence[InstanceEvent]) -> EventList:
    return EventList(
        events=[
            EventOut(
                id=str(event.id),
                type=event.type,
                status=event.status,
                message=event.message,
                created_at=event.created_at,
                finished_at=event.finished_at,
            )
            for event in events
        ]
    )


def parse_period_hours(period: str) -> int:
    matched = _PERIOD.fullmatch(period)
    if matched is not None:
        hours = int(matched[1]) * (24 if matched[2] == "d" else 1)
        if 1 <= hours <= MAX_METRICS_HOURS:
            return hours
    raise ValidationFailed.for_field("period", "Use a period like 1h, 24h or 7d (at most 30d).")


def _cached_metrics(key: tuple[uuid.UUID, int]) -> MetricsOut | None:
    cached = _metrics_cache.get(key)
    if cached is None:
        return None
    if cached[0] <= time.monotonic():
        del _metrics_cache[key]
        return None
    return cached[1]


def _cache_metrics(key: tuple[uuid.UUID, int], metrics: MetricsOut) -> None:
    _metrics_cache[key] = (time.monotonic() + METRICS_CACHE_SECONDS, metrics)
    _metrics_cache.move_to_end(key)
    while len(_metrics_cache) > MAX_METRICS_CACHE_ENTRIES:
        _metrics_cache.popitem(last=False)


async def metrics(
    state: AppState, ctx: OrgContext, instance_id: uuid.UUID, period: str
) -> MetricsOut:
    """The server's recent CPU and network use. Reads in a short session of its own: no
    connection is held while the provider answers."""
    hours = parse_period_hours(period)
    async with state.read_sessionmaker() as session:
        instance = await _readable(session, ctx, instance_id)
        if (
            instance.provider_id is None
            or instance.provider_instance_id is None
            or instance.status == InstanceStatus.DELETED
        ):
            return MetricsOut(cpu=[], network_in=[], network_out=[])
        cached = _cached_metrics((instance.id, hours))
        if cached is not None:
            return cached
        account = await ProviderAccountRepository(session).get(instance.provider_id)
    if account is None:
        raise NotFound("Server not found.")
    # A graph is the least urgent use of the account's request budget: it yields to
    # operations, feeds and sweeps, and waits at most METRICS_BUDGET_PATIENCE_S for room
    # (then 503 "try again shortly") instead of holding the request.
    patience = BUDGET_PATIENCE_S.set(METRICS_BUDGET_PATIENCE_S)
    try:
        with request_priority(RequestPriority.LOW):
            raw = await state.providers.for_account(account).get_metrics(
                instance.provider_instance_id, hours
            )
    except ProviderError as exc:
        raise customer_error(exc) from None
    finally:
        BUDGET_PATIENCE_S.reset(patience)
    window = raw.window
    result = MetricsOut(
        start=window.start_s if window else None,
        end=window.end_s if window else None,
        resolution_seconds=window.resolution_s if window else None,
        cpu=[(int(t), round(float(v), 3)) for t, v in raw.cpu_percent],
        network_in=[(int(t), round(float(v), 3)) for t, v in raw.network_in_bps],
        network_out=[(int(t), round(float(v), 3)) for t, v in raw.network_out_bps],
    )
    _cache_metrics((instance.id, hours), result)
    return result


async def admin_list(
    session: AsyncSession,
    *,
    status: str | None,
    provider_id: uuid.UUID | None,
    organization_id: uuid.UUID | None,
    page: int,
    per_page: int,
) -> AdminInstanceList:
    repository = InstanceRepository(session)
    rows, total = await repository.admin_page(
        status=status,
        provider_id=provider_id,
        organization_id=organization_id,
        page=page,
        per_page=per_page,
    )
    latest = await repository.latest_operations([row.instance.id for row in rows])
    return AdminInstanceList(
        instances=[_admin_out(row, latest.get(row.instance.id)) for row in rows],
        total=total,
        page=page,
        per_page=per_page,
    )


async def admin_events(session: AsyncSession, instance_id: uuid.UUID) -> EventList:
    """Any organization's server's events, oldest first (404 `not_found` if no such server):
    the same history its customer reads, changes observed at the provider included."""
    repository = InstanceRepository(session)
    instance = await repository.get(instance_id)
    if instance is None:
        raise NotFound("Server not found.")
    return _event_list(await repository.events(instance.id))


async def admin_get(session: AsyncSession, instance_id: uuid.UUID) -> AdminInstanceOut:
    repository = InstanceRepository(session)
    row = await repository.admin_row(instance_id)
    if row is None:
        raise NotFound("Server not found.")
    latest = await repository.latest_operations([instance_id])
    return _admin_out(row, latest.get(instance_id))


def _admin_out(row: AdminRow, operation: Operation | None) -> AdminInstanceOut:
    return AdminInstanceOut(
        **instance_out(row.instance, row.plan_name, row.provider_type, admin=True).model_dump(),
        provider_status=row.instance.provider_status,
        provider_error=(operation.result or {}).get("provider_error") if operation else None,
        last_operation=LastOperationOut(
            id=str(operation.id),
            type=operation.type,
            status=operation.status,
            error=operation.error,
        )
        if operation
        else None,
        provider_id=str(row.instance.provider_id) if row.instance.provider_id else None,
        provider_type=row.provider_type,
        provider_instance_id=row.instance.provider_instance_id,
        organization=OrganizationRef(id=str(row.organization.id), name=row.organization.name),
        user=UserRef(id=str(row.user.id), email=row.user.email) if row.user else None,
    )
