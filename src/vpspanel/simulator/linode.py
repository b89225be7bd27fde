"""Simulated Linode API v4 (paths relative to `/v4`).

Deviation kept on purpose: `GET /linode/instances/{id}/stats` answers
`{"data": {cpu, io, netv4, netv6}, "title": ...}` like the real API (and linodego, and the
official SDK fixtures), although the OpenAPI document puts the series at the top level.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
from datetime import UTC, datetime
from typing import Any

from vpspanel.simulator import catalog, metrics
from vpspanel.simulator.formats import linode_time, password_classes, ssh_key_blob
from vpspanel.simulator.routing import ApiError, Call, Reply, Router
from vpspanel.simulator.state import Account, Instance, LinodeEvent, RateDecision, SimulatorState

JSON = dict[str, Any]

LABEL_PATTERN = re.compile(r"^[a-zA-Z]((?!--|__|\.\.)[a-zA-Z0-9-_.])+$")
READ_ONLY_SCOPES = (
    "account:read_only databases:read_only domains:read_only events:read_only "
    "firewall:read_only images:read_only ips:read_only linodes:read_only lke:read_only "
    "longview:read_only nodebalancers:read_only object_storage:read_only "
    "stackscripts:read_only volumes:read_only vpc:read_only"
)
BUSY = "Linode busy."

router = Router()


# --- errors ------------------------------------------------------------------------------


def error_reply(status: int, *errors: tuple[str, str | None]) -> Reply:
    return Reply(
        status,
        {
            "errors": [
                {"reason": reason, **({"field": field} if field else {})}
                for reason, field in errors
            ]
        },
    )


def fail(status: int, reason: str, field: str | None = None) -> ApiError:
    return ApiError(error_reply(status, (reason, field)))


def unauthorized() -> Reply:
    return error_reply(401, ("Invalid Token", None))


def forbidden_write() -> Reply:
    # What the real API answers when the token's scopes do not cover the endpoint.
    return error_reply(401, ("Your OAuth token is not authorized to use this endpoint.", None))


def not_found() -> Reply:
    return error_reply(404, ("Not found", None))


def method_not_allowed() -> Reply:
    return error_reply(405, ("Method Not Allowed", None))


def bad_json() -> Reply:
    return error_reply(400, ("Invalid JSON", None))


def server_error(status: int) -> Reply:
    reason = "Service Unavailable" if status == 503 else "Internal Server Error"
    return error_reply(status, (reason, None))


def rate_limited() -> Reply:
    return error_reply(429, ("Too Many Requests", None))


def rate_limit_headers(decision: RateDecision) -> dict[str, str]:
    """`X-RateLimit-*`; Reset is whole epoch seconds and Retry-After whole seconds (rounded
    up) because the official SDK (urllib3) only accepts integer Retry-After values."""
    headers = {
        "X-RateLimit-Limit": str(decision.limit),
        "X-RateLimit-Remaining": str(decision.remaining),
        "X-RateLimit-Reset": str(math.ceil(decision.reset_at)),
    }
    if not decision.allowed:
        headers["Retry-After"] = str(max(math.ceil(decision.retry_after), 1))
    return headers


def customer_uuid(account: Account) -> str:
    """The account's `euuid` (also sent as `X-Customer-UUID`): the same for every key of it."""
    return f"{account.uid:08X}-526F-487D-B317-EBEB34C87D71"


def scope_headers(account: Account | None) -> dict[str, str]:
    if account is None:
        return {}
    return {
        "X-OAuth-Scopes": READ_ONLY_SCOPES if account.read_only else "*",
        # Real Linode names the account owning the token on every authenticated answer.
        "X-Customer-UUID": customer_uuid(account),
    }


# --- listing: pagination and X-Filter ------------------------------------------------------


def _lookup(obj: Any, dotted: str) -> Any:
    for part in dotted.split("."):
        if not isinstance(obj, dict):
            return None
        obj = obj.get(part)
    return obj


def _compare(value: Any, condition: Any) -> bool:
    if isinstance(condition, dict):
        return all(_operator(value, op, operand) for op, operand in condition.items())
    if isinstance(value, list):
        return condition in value
    return bool(value == condition)


def _operator(value: Any, op: str, operand: Any) -> bool:
    if op == "+contains":
        items = value if isinstance(value, list) else [value]
        return any(isinstance(v, str) and str(operand) in v for v in items)
    if op == "+neq":
        return bool(value != operand)
    numeric = {"+gt": float.__gt__, "+gte": float.__ge__, "+lt": float.__lt__, "+lte": float.__le__}
    if op in numeric:
        if isinstance(value, str) and isinstance(operand, str):
            # Timestamps (`created`): Linode compares them as times, e.g. the Cloud Manager's
            # event poller sends {"created": {"+gte": "2024-01-01T00:00:00"}}.
            when, bound = _timestamp(value), _timestamp(operand)
            if bound is None:
                raise fail(400, f"{operand!r} is not a valid timestamp", "X-Filter")
            if when is None:
                return False
            return bool(numeric[op](when, bound))
        if not isinstance(value, int | float) or not isinstance(operand, int | float):
            return False
        return bool(numeric[op](float(value), float(operand)))
    raise fail(400, f"Unknown filter operator {op}", "X-Filter")


def _timestamp(text: str) -> float | None:
    """Epoch seconds of a Linode timestamp (naive UTC; a zone suffix is tolerated)."""
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).timestamp()


def _matches(obj: JSON, condition: JSON, filterable: frozenset[str]) -> bool:
    for key, expected in condition.items():
        if key in ("+order_by", "+order"):
            continue
        if key in ("+and", "+or"):
            if not isinstance(expected, list):
                raise fail(400, f"{key} must be a list", "X-Filter")
            results = (_matches(obj, sub, filterable) for sub in expected)
            if not (all(results) if key == "+and" else any(results)):
                return False
            continue
        if key not in filterable:
            raise fail(400, f"Cannot filter on {key}", "X-Filter")
        if not _compare(_lookup(obj, key), expected):
            return False
    return True


def paginate(call: Call, items: list[JSON], filterable: frozenset[str]) -> Reply:
    """`{data, page, pages, results}` after applying the `X-Filter` header."""
    raw_filter = call.headers.get("x-filter")
    if raw_filter:
        try:
            condition = json.loads(raw_filter)
        except json.JSONDecodeError as exc:
            raise fail(400, "Invalid JSON in X-Filter header", "X-Filter") from exc
        if not isinstance(condition, dict):
            raise fail(400, "X-Filter must be a JSON object", "X-Filter")
        items = [item for item in items if _matches(item, condition, filterable)]
        order_by = condition.get("+order_by")
        if order_by is not None:
            if order_by not in filterable:
                raise fail(400, f"Cannot order by {order_by}", "X-Filter")
            items = sorted(
                items,
                key=lambda item: (_lookup(item, order_by) is None, _lookup(item, order_by)),
                reverse=condition.get("+order") == "desc",
            )
    page = _int_query(call, "page", 1, 1, None)
    page_size = _int_query(call, "page_size", 100, 25, 500)
    pages = max(1, math.ceil(len(items) / page_size))
    start = (page - 1) * page_size
    return Reply(
        200,
        {
            "data": items[start : start + page_size],
            "page": page,
            "pages": pages,
            "results": len(items),
        },
    )


def _int_query(call: Call, name: str, default: int, low: int, high: int | None) -> int:
    raw = call.query.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise fail(400, "Must be an integer", name) from exc
    if value < low or (high is not None and value > high):
        reason = f"Must be {low}-{high}" if high else f"Must be at least {low}"
        raise fail(400, reason, name)
    return value


# --- rendering ---------------------------------------------------------------------------


def _octets(instance_id: int) -> tuple[int, int]:
    return (instance_id // 250) % 250 + 1, instance_id % 250 + 2


def public_ipv4(instance_id: int) -> str:
    a, b = _octets(instance_id)
    return f"172.105.{a}.{b}"


def private_ipv4(instance_id: int) -> str:
    a, b = _octets(instance_id)
    return f"192.168.{a}.{b}"


def slaac_ipv6(instance_id: int) -> str:
    return f"2600:3c03::f03c:95ff:fe{instance_id % 256:02x}:{instance_id // 256 % 65536:04x}"


def instance_public_ipv4(instance: Instance) -> str:
    """The instance's public IPv4: derived from its id unless changed in the console."""
    address: str = instance.attrs.get("public_ipv4") or public_ipv4(instance.id)
    return address


def render_instance(instance: Instance) -> JSON:
    plan = catalog.LINODE_TYPES_BY_ID[instance.type]
    attrs = instance.attrs
    ipv4 = [instance_public_ipv4(instance)]
    if attrs.get("private_ip"):
        ipv4.append(private_ipv4(instance.id))
    return {
        "id": instance.id,
        "label": instance.name,
        "group": attrs.get("group", ""),
        "status": instance.status,
        "type": instance.type,
        "region": instance.region,
        "image": instance.image,
        "ipv4": ipv4,
        "ipv6": f"{slaac_ipv6(instance.id)}/128",
        "created": linode_time(instance.created),
        "updated": linode_time(instance.updated),
        "hypervisor": "kvm",
        "host_uuid": attrs["host_uuid"],
        "specs": {
            "disk": plan["disk"],
            "memory": plan["memory"],
            "vcpus": plan["vcpus"],
            "gpus": plan["gpus"],
            "transfer": plan["transfer"],
        },
        "alerts": {
            "cpu": 90 * plan["vcpus"],
            "io": 10000,
            "network_in": 10,
            "network_out": 10,
            "transfer_quota": 80,
        },
        "backups": {
            "enabled": attrs.get("backups_enabled", False),
            "available": attrs.get("backups_enabled", False),
            "schedule": {"day": "Scheduling", "window": "Scheduling"},
        },
        "tags": list(instance.tags),
        "watchdog_enabled": attrs.get("watchdog_enabled", True),
        "has_user_data": attrs.get("has_user_data", False),
        "lke_cluster_id": None,
        "placement_group": None,
        "capabilities": [],
    }


def render_event(event: LinodeEvent, now: float) -> JSON:
    total = max(event.expected_end - event.created, 0.0)
    if event.finished is not None:
        status, percent = "finished", 100
    else:
        done = (now - event.created) / total if total else 0.0
        status, percent = "started", min(int(done * 100), 99)
    end = event.finished if event.finished is not None else now
    return {
        "id": event.id,
        "action": event.action,
        "created": linode_time(event.created),
        "duration": round(end - event.created, 3),
        "entity": {
            "id": event.entity_id,
            "label": event.entity_label,
            "type": "linode",
            "url": f"/v4/linode/instances/{event.entity_id}",
        },
        "message": None,
        "percent_complete": percent,
        "read": False,
        "seen": False,
        "status": status,
        "time_remaining": None,
        "username": event.username,
    }


# --- validation --------------------------------------------------------------------------


def _body(call: Call) -> JSON:
    if call.body is None:
        return {}
    if not isinstance(call.body, dict):
        raise fail(400, "Request body must be a JSON object")
    return call.body


def _label_errors(account: Account, label: Any, own_id: int | None) -> list[tuple[str, str]]:
    if not isinstance(label, str):
        return [("Label must be a string", "label")]
    if not 3 <= len(label) <= 64:
        return [("Length must be 3-64 characters", "label")]
    if not LABEL_PATTERN.match(label):
        return [
            (
                "Label must begin with a letter and may only contain letters, numbers, dashes, "
                "underscores and periods, and cannot contain two dashes (--), underscores (__) or "
                "periods (..) in a row",
                "label",
            )
        ]
    for other in account.instances.values():
        if other.id != own_id and other.name.lower() == label.lower():
            return [("Label must be unique among your linodes", "label")]
    return []


def _root_pass_errors(body: JSON, required: bool) -> list[tuple[str, str]]:
    root_pass = body.get("root_pass")
    if root_pass is None:
        return [("root_pass is required", "root_pass")] if required else []
    if not isinstance(root_pass, str) or not 7 <= len(root_pass) <= 128:
        return [("Length must be 7-128 characters", "root_pass")]
    if password_classes(root_pass) < 3:
        return [("Password does not meet strength requirement", "root_pass")]
    return []


def _image_errors(body: JSON, required: bool) -> list[tuple[str, str]]:
    image = body.get("image")
    if image is None:
        return [("image is required", "image")] if required else []
    if image not in catalog.LINODE_IMAGES_BY_ID:
        return [("No image with that ID found", "image")]
    return []


def _keys_errors(body: JSON) -> list[tuple[str, str]]:
    keys = body.get("authorized_keys")
    if keys is None:
        return []
    if not isinstance(keys, list) or not all(isinstance(k, str) for k in keys):
        return [("authorized_keys must be a list of public keys", "authorized_keys")]
    if any(ssh_key_blob(key) is None for key in keys):
        return [("Invalid SSH key", "authorized_keys")]
    return []


def _metadata_errors(body: JSON) -> list[tuple[str, str]]:
    metadata = body.get("metadata")
    if metadata is None:
        return []
    user_data = metadata.get("user_data") if isinstance(metadata, dict) else None
    if not isinstance(user_data, str):
        return [("user_data must be a base64-encoded string", "metadata.user_data")]
    try:
        decoded = base64.b64decode(user_data, validate=True)
    except (binascii.Error, ValueError):
        return [("user_data must be base64-encoded", "metadata.user_data")]
    if len(decoded) > 65535:
        return [("user_data must be at most 65535 bytes", "metadata.user_data")]
    image = catalog.LINODE_IMAGES_BY_ID.get(body.get("image", ""))
    if image is not None and "cloud-init" not in image["capabilities"]:
        return [("The image does not support cloud-init metadata", "metadata.user_data")]
    region = catalog.LINODE_REGIONS_BY_ID.get(body.get("region", ""))
    if region is not None and "Metadata" not in region["capabilities"]:
        return [("Metadata is not available in this region", "metadata.user_data")]
    return []


def _tags_errors(body: JSON) -> list[tuple[str, str]]:
    tags = body.get("tags")
    if tags is None:
        return []
    if not isinstance(tags, list) or not all(
        isinstance(t, str) and 3 <= len(t) <= 50 for t in tags
    ):
        return [("Tags must be 3-50 characters long", "tags")]
    return []


def _raise_if(errors: list[tuple[str, str]]) -> None:
    if errors:
        raise ApiError(error_reply(400, *errors))


# --- lifecycle helpers ---------------------------------------------------------------------


def _get_instance(call: Call) -> Instance:
    instance = call.account.instances.get(call.int_param("linode_id"))
    if instance is None:
        raise ApiError(not_found())
    return instance


def _require_idle(instance: Instance) -> None:
    if instance.busy:
        raise fail(400, BUSY)


def _start(
    state: SimulatorState,
    account: Account,
    instance: Instance,
    action: str,
    steps: list[tuple[str, float]],
    final: str | None,
    extra: list[Any] | None = None,
) -> None:
    now = state.clock.now()
    event = LinodeEvent(
        id=state.next_id("event"),
        action=action,
        entity_id=instance.id,
        entity_label=instance.name,
        created=now,
        expected_end=now + sum(seconds for _, seconds in steps),
        username=account.username,
    )
    account.events.append(event)

    def finish(at: float) -> None:
        event.finished = at

    state.start_transition(instance, steps, final, [*(extra or []), finish])


def record_event(state: SimulatorState, account: Account, instance: Instance, action: str) -> None:
    """An event for a change that took effect at once (a label update, a console change)."""
    now = state.clock.now()
    account.events.append(
        LinodeEvent(
            id=state.next_id("event"),
            action=action,
            entity_id=instance.id,
            entity_label=instance.name,
            created=now,
            expected_end=now,
            finished=now,
            username=account.username,
        )
    )


# Out-of-band changes (the simulator's control API, "done in the provider's console") -> the
# event Linode records for them.
CONSOLE_EVENTS = {
    "power_on": "linode_boot",
    "power_off": "linode_shutdown",
    "delete": "linode_delete",
    "rename": "linode_update",
    "resize": "linode_resize",
    "ip_change": "linode_addip",
}
POWER_STATUSES = {"running": "power_on", "offline": "power_off", "stopped": "power_off"}


def record_console_change(
    state: SimulatorState, account: Account, instance: Instance, change: str
) -> None:
    record_event(state, account, instance, CONSOLE_EVENTS[change])


# --- handlers: public catalog ---------------------------------------------------------------

TYPE_FILTERS = frozenset({"id", "label", "class", "vcpus", "memory", "disk", "gpus"})
REGION_FILTERS = frozenset({"id", "label", "country", "status", "capabilities"})
IMAGE_FILTERS = frozenset(
    {
        "id",
        "label",
        "vendor",
        "deprecated",
        "is_public",
        "type",
        "status",
        "created_by",
        "size",
        "capabilities",
    }
)
INSTANCE_FILTERS = frozenset(
    {
        "id",
        "label",
        "tags",
        "region",
        "group",
        "status",
        "type",
        "image",
        "ipv4",
    }
)
EVENT_FILTERS = frozenset(
    {
        "id",
        "action",
        "created",
        "entity.id",
        "entity.type",
        "entity.label",
        "status",
        "seen",
        "read",
        "username",
    }
)


@router.add("GET", "/linode/types", public=True)
def list_types(call: Call) -> Reply:
    return paginate(call, catalog.LINODE_TYPES, TYPE_FILTERS)


@router.add("GET", "/linode/types/{type_id}", public=True)
def get_type(call: Call) -> Reply:
    plan = catalog.LINODE_TYPES_BY_ID.get(call.params["type_id"])
    if plan is None:
        raise ApiError(not_found())
    return Reply(200, plan)


@router.add("GET", "/regions", public=True)
def list_regions(call: Call) -> Reply:
    return paginate(call, catalog.LINODE_REGIONS, REGION_FILTERS)


@router.add("GET", "/regions/{region_id}", public=True)
def get_region(call: Call) -> Reply:
    region = catalog.LINODE_REGIONS_BY_ID.get(call.params["region_id"])
    if region is None:
        raise ApiError(not_found())
    return Reply(200, region)


@router.add("GET", "/images", rate_class="images")
def list_images(call: Call) -> Reply:
    return paginate(call, catalog.LINODE_IMAGES, IMAGE_FILTERS)


@router.add("GET", "/images/{vendor}/{name}")
def get_image(call: Call) -> Reply:
    image = catalog.LINODE_IMAGES_BY_ID.get(f"{call.params['vendor']}/{call.params['name']}")
    if image is None:
        raise ApiError(not_found())
    return Reply(200, image)


# --- handlers: profile and account --------------------------------------------------------


@router.add("GET", "/profile")
def get_profile(call: Call) -> Reply:
    account = call.account
    return Reply(
        200,
        {
            "uid": account.uid,
            "username": account.username,
            "email": f"{account.username}@example.com",
            "restricted": False,
            "two_factor_auth": False,
            "timezone": "UTC",
            "email_notifications": True,
            "ip_whitelist_enabled": False,
            "lish_auth_method": "keys_only",
            "authentication_type": "password",
            "authorized_keys": None,
            "verified_phone_number": None,
            "referrals": {
                "code": f"sim{account.uid}",
                "completed": 0,
                "credit": 0,
                "pending": 0,
                "total": 0,
                "url": f"https://www.linode.com/?r=sim{account.uid}",
            },
        },
    )


@router.add("GET", "/profile/grants")
def get_grants(call: Call) -> Reply:
    return Reply(204)  # unrestricted users have no grants


@router.add("GET", "/account")
def get_account(call: Call) -> Reply:
    account = call.account
    return Reply(
        200,
        {
            "first_name": "Simulated",
            "last_name": "Reseller",
            "company": "vpspanel simulator",
            "email": f"{account.username}@example.com",
            "phone": "555-0100",
            "address_1": "1 Simulation Way",
            "address_2": "",
            "city": "Philadelphia",
            "state": "PA",
            "zip": "19106",
            "country": "US",
            "tax_id": "",
            "balance": 0,
            "balance_uninvoiced": 0,
            "capabilities": ["Linodes", "NodeBalancers", "Block Storage", "Object Storage"],
            "active_promotions": [],
            "active_since": "2024-01-01T00:00:00",
            "billing_source": "akamai",
            "euuid": customer_uuid(account),
        },
    )


@router.add("GET", "/account/events")
def list_events(call: Call) -> Reply:
    events = [render_event(e, call.now) for e in reversed(call.account.events)]
    return paginate(call, events, EVENT_FILTERS)


@router.add("GET", "/account/events/{event_id:int}")
def get_event(call: Call) -> Reply:
    wanted = call.int_param("event_id")
    for event in call.account.events:
        if event.id == wanted:
            return Reply(200, render_event(event, call.now))
    raise ApiError(not_found())


# --- handlers: instances ------------------------------------------------------------------


@router.add("GET", "/linode/instances")
def list_instances(call: Call) -> Reply:
    instances = sorted(call.account.instances.values(), key=lambda i: i.id)
    return paginate(call, [render_instance(i) for i in instances], INSTANCE_FILTERS)


@router.add("POST", "/linode/instances", rate_class="create")
def create_instance(call: Call) -> Reply:
    body = _body(call)
    account = call.account
    errors: list[tuple[str, str]] = []
    plan_id, region_id = body.get("type"), body.get("region")
    if plan_id is None:
        errors.append(("type is required", "type"))
    elif plan_id not in catalog.LINODE_TYPES_BY_ID:
        errors.append(("A valid plan type by that ID was not found", "type"))
    if region_id is None:
        errors.append(("region is required", "region"))
    elif region_id not in catalog.LINODE_REGIONS_BY_ID:
        errors.append(("region is not valid", "region"))
    errors += _image_errors(body, required=False)
    errors += _root_pass_errors(body, required=body.get("image") is not None)
    if body.get("label") is not None:
        errors += _label_errors(account, body["label"], None)
    errors += _keys_errors(body) + _tags_errors(body) + _metadata_errors(body)
    _raise_if(errors)

    state, now = call.state, call.now
    instance_id = state.next_id("linode")
    instance = Instance(
        id=instance_id,
        provider="linode",
        token=account.token,
        name=body.get("label") or f"linode{instance_id}",
        status="provisioning",
        type=str(plan_id),
        region=str(region_id),
        image=body.get("image"),
        tags=list(body.get("tags") or []),
        created=now,
        updated=now,
        attrs={
            "private_ip": bool(body.get("private_ip")),
            "backups_enabled": bool(body.get("backups_enabled")),
            "has_user_data": body.get("metadata") is not None,
            "group": body.get("group") or "",
            "host_uuid": f"{instance_id:08x}-0000-4000-8000-{instance_id:012x}",
            "authorized_keys": len(body.get("authorized_keys") or []),
        },
    )
    account.instances[instance_id] = instance
    durations = state.settings.durations
    if body.get("booted", True) and body.get("image") is not None:
        steps = [("provisioning", durations.provision), ("booting", durations.boot)]
        _start(state, account, instance, "linode_create", steps, "running")
    else:
        _start(
            state,
            account,
            instance,
            "linode_create",
            [("provisioning", durations.provision)],
            "offline",
        )
    return Reply(200, render_instance(instance))


@router.add("GET", "/linode/instances/{linode_id:int}")
def get_instance(call: Call) -> Reply:
    return Reply(200, render_instance(_get_instance(call)))


@router.add("PUT", "/linode/instances/{linode_id:int}")
def update_instance(call: Call) -> Reply:
    instance = _get_instance(call)
    body = _body(call)
    errors: list[tuple[str, str]] = []
    if "label" in body:
        errors += _label_errors(call.account, body["label"], instance.id)
    errors += _tags_errors(body)
    _raise_if(errors)
    before = render_instance(instance)
    if "label" in body:
        instance.name = body["label"]
    if "tags" in body:
        instance.tags = list(body["tags"])
    for key in ("group", "watchdog_enabled"):
        if key in body:
            instance.attrs[key] = body[key]
    after = render_instance(instance)
    if after != before:
        instance.updated = call.now
        record_event(call.state, call.account, instance, "linode_update")
    return Reply(200, render_instance(instance))


@router.add("DELETE", "/linode/instances/{linode_id:int}")
def delete_instance(call: Call) -> Reply:
    instance = _get_instance(call)
    if instance.status != "deleting":
        _start(
            call.state,
            call.account,
            instance,
            "linode_delete",
            [("deleting", call.state.settings.durations.delete)],
            None,
        )
    return Reply(200, {})


@router.add("POST", "/linode/instances/{linode_id:int}/boot")
def boot_instance(call: Call) -> Reply:
    instance = _get_instance(call)
    _require_idle(instance)
    if instance.status != "running":
        _start(
            call.state,
            call.account,
            instance,
            "linode_boot",
            [("booting", call.state.settings.durations.boot)],
            "running",
        )
    return Reply(200, {})


@router.add("POST", "/linode/instances/{linode_id:int}/reboot")
def reboot_instance(call: Call) -> Reply:
    instance = _get_instance(call)
    _require_idle(instance)
    _start(
        call.state,
        call.account,
        instance,
        "linode_reboot",
        [("rebooting", call.state.settings.durations.reboot)],
        "running",
    )
    return Reply(200, {})


@router.add("POST", "/linode/instances/{linode_id:int}/shutdown")
def shutdown_instance(call: Call) -> Reply:
    instance = _get_instance(call)
    _require_idle(instance)
    if instance.status != "offline":
        _start(
            call.state,
            call.account,
            instance,
            "linode_shutdown",
            [("shutting_down", call.state.settings.durations.shutdown)],
            "offline",
        )
    return Reply(200, {})


@router.add("POST", "/linode/instances/{linode_id:int}/rebuild")
def rebuild_instance(call: Call) -> Reply:
    instance = _get_instance(call)
    body = _body(call)
    _raise_if(
        _image_errors(body, required=True)
        + _root_pass_errors(body, required=True)
        + _keys_errors(body)
        + _metadata_errors({**body, "region": instance.region})
    )
    _require_idle(instance)
    instance.image = body["image"]
    instance.attrs["has_user_data"] = body.get("metadata") is not None
    durations = call.state.settings.durations
    booted = body.get("booted", True)
    steps = [("rebuilding", durations.rebuild)]
    if booted:
        steps.append(("booting", durations.boot))
    _start(
        call.state,
        call.account,
        instance,
        "linode_rebuild",
        steps,
        "running" if booted else "offline",
    )
    return Reply(200, render_instance(instance))


@router.add("POST", "/linode/instances/{linode_id:int}/resize")
def resize_instance(call: Call) -> Reply:
    instance = _get_instance(call)
    body = _body(call)
    target_id = body.get("type")
    if target_id is None:
        raise fail(400, "type is required", "type")
    target = catalog.LINODE_TYPES_BY_ID.get(target_id)
    if target is None:
        raise fail(400, "A valid plan type by that ID was not found", "type")
    if target_id == instance.type:
        raise fail(400, "Linode is already running this service plan.", "type")
    current = catalog.LINODE_TYPES_BY_ID[instance.type]
    if target["disk"] < current["disk"]:
        raise fail(
            400,
            "The current disk size of your Linode is too large for the new service "
            "plan. Please resize your disk to accommodate the new plan.",
            "type",
        )
    _require_idle(instance)
    final = "running" if instance.status == "running" else "offline"

    def apply_type(_: float) -> None:
        instance.type = target_id

    _start(
        call.state,
        call.account,
        instance,
        "linode_resize",
        [("resizing", call.state.settings.durations.resize)],
        final,
        [apply_type],
    )
    return Reply(200, {})


@router.add("GET", "/linode/instances/{linode_id:int}/ips")
def get_ips(call: Call) -> Reply:
    instance = _get_instance(call)
    a, b = _octets(instance.id)

    def ipv4(address: str, public: bool) -> JSON:
        return {
            "address": address,
            "gateway": f"172.105.{a}.1" if public else None,
            "linode_id": instance.id,
            "prefix": 24 if public else 17,
            "public": public,
            "rdns": f"172-105-{a}-{b}.ip.linodeusercontent.com" if public else None,
            "region": instance.region,
            "subnet_mask": "255.255.255.0" if public else "255.255.128.0",
            "type": "ipv4",
        }

    private = [ipv4(private_ipv4(instance.id), False)] if instance.attrs.get("private_ip") else []
    for entry in private:  # the spec types these two as plain (non-null) strings
        entry["gateway"] = "192.168.128.1"
        entry["rdns"] = ""

    def ipv6(address: str, public: bool) -> JSON:
        return {
            "address": address,
            "gateway": "fe80::1",
            "linode_id": instance.id,
            "prefix": 64,
            "public": public,
            "rdns": "",
            "region": instance.region,
            "subnet_mask": "ffff:ffff:ffff:ffff::",
            "type": "ipv6",
        }

    link_local = f"fe80::f03c:95ff:fe{instance.id % 256:02x}:{instance.id // 256 % 65536:04x}"
    return Reply(
        200,
        {
            "ipv4": {
                "public": [ipv4(instance_public_ipv4(instance), True)],
                "private": private,
                "shared": [],
                "reserved": [],
                "vpc": [],
            },
            "ipv6": {
                "slaac": ipv6(slaac_ipv6(instance.id), True),
                "link_local": ipv6(link_local, False),
                "global": [],
            },
        },
    )


@router.add("GET", "/linode/instances/{linode_id:int}/stats", rate_class="stats")
def get_stats(call: Call) -> Reply:
    """The last 24 hours (of the instance's life)."""
    instance = _get_instance(call)
    vcpus = catalog.LINODE_TYPES_BY_ID[instance.type]["vcpus"]
    title = f"linode.com - {instance.name} ({instance.id}) - day (5 min avg)"
    start = max(call.now - 86_400, instance.created)
    return Reply(200, metrics.linode_stats(instance.id, vcpus, title, start, call.now))


@router.add(
    "GET", "/linode/instances/{linode_id:int}/stats/{year:int}/{month:int}", rate_class="stats"
)
def get_stats_by_month(call: Call) -> Reply:
    """One calendar month (UTC), up to now and from the instance's creation."""
    instance = _get_instance(call)
    year, month = int(call.params["year"]), int(call.params["month"])
    if not 1 <= month <= 12:
        raise fail(400, "Must be 1-12", "month")
    vcpus = catalog.LINODE_TYPES_BY_ID[instance.type]["vcpus"]
    month_start = datetime(year, month, 1, tzinfo=UTC).timestamp()
    next_month = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=UTC).timestamp()
    title = f"linode.com - {instance.name} ({instance.id}) - {year}-{month:02d} (5 min avg)"
    start = max(month_start, instance.created)
    end = min(next_month - 1, call.now)
    return Reply(200, metrics.linode_stats(instance.id, vcpus, title, start, end))
