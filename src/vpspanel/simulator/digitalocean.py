"""Simulated DigitalOcean API v2 (paths relative to `/v2`)."""

from __future__ import annotations

import ipaddress
import math
import re
import uuid
from typing import Any
from urllib.parse import urlencode

from vpspanel.simulator import catalog, metrics
from vpspanel.simulator.formats import do_time, md5_fingerprint, ssh_key_blob
from vpspanel.simulator.routing import ApiError, Call, Reply, Router
from vpspanel.simulator.state import (
    Account,
    DropletAction,
    Instance,
    RateDecision,
    SimulatorState,
    SshKey,
)

JSON = dict[str, Any]

NAME_PATTERN = re.compile(r"^[a-zA-Z0-9]?[a-z0-9A-Z.\-]*[a-z0-9A-Z]$")
TAG_PATTERN = re.compile(r"^[a-zA-Z0-9_\-\:]+$")
USER_DATA_LIMIT = 64 * 1024
PENDING_EVENT = "Droplet already has a pending event."

router = Router()


# --- errors ------------------------------------------------------------------------------


def error_reply(status: int, error_id: str, message: str) -> Reply:
    request_id = str(uuid.uuid4())
    return Reply(
        status,
        {"id": error_id, "message": message, "request_id": request_id},
        {"x-request-id": request_id},
    )


def fail(status: int, error_id: str, message: str) -> ApiError:
    return ApiError(error_reply(status, error_id, message))


def unprocessable(message: str) -> ApiError:
    return fail(422, "unprocessable_entity", message)


def unauthorized() -> Reply:
    return error_reply(401, "unauthorized", "Unable to authenticate you")


def forbidden_write() -> Reply:
    return error_reply(403, "forbidden", "You do not have permission to perform this action.")


def not_found() -> Reply:
    return error_reply(404, "not_found", "The resource you were accessing could not be found.")


def method_not_allowed() -> Reply:
    return error_reply(405, "method_not_allowed", "Method Not Allowed")


def bad_json() -> Reply:
    return error_reply(400, "bad_request", "unexpected end of JSON input")


def server_error(status: int) -> Reply:
    if status == 503:
        return error_reply(503, "service_unavailable", "Service is temporarily unavailable.")
    return error_reply(status, "server_error", "Server was unable to give you a response.")


def rate_limited() -> Reply:
    return error_reply(429, "too_many_requests", "API Rate limit exceeded.")


def rate_limit_headers(hourly: RateDecision, burst: RateDecision | None) -> dict[str, str]:
    """`ratelimit-*` describe the hourly budget; `retry-after` (whole seconds, rounded up)
    appears only when the per-minute burst limit refused the request."""
    headers = {
        "ratelimit-limit": str(hourly.limit),
        "ratelimit-remaining": str(hourly.remaining),
        "ratelimit-reset": str(math.ceil(hourly.reset_at)),
    }
    if burst is not None and not burst.allowed:
        headers["retry-after"] = str(max(math.ceil(burst.retry_after), 1))
    return headers


# --- pagination ---------------------------------------------------------------------------


def _int_query(call: Call, name: str, default: int, low: int, high: int | None = None) -> int:
    raw = call.query.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise fail(400, "bad_request", f"{name} must be an integer") from exc
    if value < low:
        raise fail(400, "bad_request", f"{name} must be at least {low}")
    return min(value, high) if high is not None else value


def paginate(call: Call, path: str, key: str, items: list[JSON]) -> Reply:
    """`{key: [...], links: {pages: {first, prev, next, last}}, meta: {total}}`."""
    page = _int_query(call, "page", 1, 1)
    per_page = _int_query(call, "per_page", 20, 1, 200)
    last = max(1, math.ceil(len(items) / per_page))
    start = (page - 1) * per_page
    extra = [(k, v) for k, v in call.query.multi_items() if k not in ("page", "per_page")]

    def url(number: int) -> str:
        query = urlencode([*extra, ("page", number), ("per_page", per_page)])
        return f"{call.base_url}{path}?{query}"

    pages: dict[str, str] = {}
    if page > 1:
        pages["first"] = url(1)
        pages["prev"] = url(min(page - 1, last))
    if page < last:
        pages["next"] = url(page + 1)
        pages["last"] = url(last)
    return Reply(
        200,
        {
            key: items[start : start + per_page],
            "links": {"pages": pages} if pages else {},
            "meta": {"total": len(items)},
        },
    )


# --- rendering ---------------------------------------------------------------------------


def _octets(droplet_id: int) -> tuple[int, int]:
    return (droplet_id // 250) % 250 + 1, droplet_id % 250 + 2


def render_droplet(droplet: Instance) -> JSON:
    size = catalog.DO_SIZES_BY_SLUG[droplet.type]
    attrs = droplet.attrs
    image = catalog.find_do_image(droplet.image) or {}
    region = catalog.DO_REGIONS_BY_SLUG[droplet.region]
    a, b = _octets(droplet.id)
    networks: JSON = {"v4": [], "v6": []}
    if droplet.status != "new":
        networks["v4"].append(
            {
                "ip_address": attrs.get("public_ipv4") or f"164.90.{a}.{b}",
                "netmask": "255.255.240.0",
                "gateway": f"164.90.{a}.1",
                "type": "public",
            }
        )
        networks["v4"].append(
            {
                "ip_address": f"10.{a % 250}.0.{b}",
                "netmask": "255.255.0.0",
                "gateway": f"10.{a % 250}.0.1",
                "type": "private",
            }
        )
        if attrs.get("ipv6"):
            networks["v6"].append(
                {
                    "ip_address": f"2604:a880:800:10::{droplet.id % 65536:x}:{b:x}",
                    "netmask": 64,
                    "gateway": "2604:a880:800:10::1",
                    "type": "public",
                }
            )
    features = ["droplet_agent", "private_networking"]
    for flag in ("backups", "ipv6", "monitoring"):
        if attrs.get(flag):
            features.append(flag)
    next_window = None
    if attrs.get("backups"):
        next_window = {
            "start": do_time(droplet.created + 86_400),
            "end": do_time(droplet.created + 86_400 + 4 * 3600),
        }
    return {
        "id": droplet.id,
        "name": droplet.name,
        "memory": size["memory"],
        "vcpus": size["vcpus"],
        "disk": attrs.get("disk", size["disk"]),
        "disk_info": [
            {"type": "local", "size": {"amount": attrs.get("disk", size["disk"]), "unit": "gib"}}
        ],
        "locked": droplet.busy,
        "status": droplet.status,
        "kernel": None,
        "created_at": do_time(droplet.created),
        "features": features,
        "backup_ids": [],
        "next_backup_window": next_window,
        "snapshot_ids": [],
        "image": image,
        "volume_ids": [],
        "size": size,
        "size_slug": droplet.type,
        "networks": networks,
        "region": region,
        "tags": list(droplet.tags),
        "vpc_uuid": attrs["vpc_uuid"],
    }


def render_action(action: DropletAction) -> JSON:
    return {
        "id": action.id,
        "status": "completed" if action.completed is not None else "in-progress",
        "type": action.type,
        "started_at": do_time(action.started),
        "completed_at": do_time(action.completed) if action.completed is not None else None,
        "resource_id": action.droplet_id if action.resource_id is None else action.resource_id,
        "resource_type": action.resource_type,
        "region": catalog.DO_REGIONS_BY_SLUG[action.region_slug],
        "region_slug": action.region_slug,
    }


def render_key(key: SshKey) -> JSON:
    return {
        "id": key.id,
        "fingerprint": key.fingerprint,
        "public_key": key.public_key,
        "name": key.name,
    }


def _vpc_uuid(account: Account, region: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"vpc:{account.uid}:{region}"))


# --- helpers ------------------------------------------------------------------------------


def _body(call: Call) -> JSON:
    if call.body is None:
        return {}
    if not isinstance(call.body, dict):
        raise fail(400, "bad_request", "The request body must be a JSON object.")
    return call.body


def _droplet(call: Call) -> Instance:
    droplet = call.account.instances.get(call.int_param("droplet_id"))
    if droplet is None:
        raise ApiError(not_found())
    return droplet


def _start_action(
    call: Call,
    droplet: Instance,
    action_type: str,
    steps: list[tuple[str, float]],
    final: str | None,
    extra: list[Any] | None = None,
) -> DropletAction:
    action = DropletAction(
        id=call.state.next_id("action"),
        type=action_type,
        droplet_id=droplet.id,
        region_slug=droplet.region,
        started=call.now,
    )
    call.account.actions[action.id] = action

    def complete(at: float) -> None:
        action.completed = at

    call.state.start_transition(droplet, steps, final, [*(extra or []), complete])
    return action


def record_action(
    state: SimulatorState, account: Account, droplet: Instance, action_type: str
) -> DropletAction:
    """A completed action for a change that took effect at once (a destroy, a console change)."""
    now = state.clock.now()
    action = DropletAction(
        id=state.next_id("action"),
        type=action_type,
        droplet_id=droplet.id,
        region_slug=droplet.region,
        started=now,
        completed=now,
    )
    account.actions[action.id] = action
    return action


# Out-of-band changes (the simulator's control API, "done in the provider's console") -> the
# droplet action DigitalOcean records for them. An address change has no droplet action: the
# console assigns a reserved IP to the droplet, which DigitalOcean records as an `assign_ip`
# action on the reserved IP (`resource_type` `reserved_ip`, the response example of
# `POST /v2/reserved_ips/{ip}/actions`), naming the address, not the droplet.
CONSOLE_ACTIONS: dict[str, str] = {
    "power_on": "power_on",
    "power_off": "power_off",
    "delete": "destroy",
    "rename": "rename",
    "resize": "resize",
}
RESERVED_IP_ASSIGNED = "assign_ip"
POWER_STATUSES = {"active": "power_on", "off": "power_off"}


def record_console_change(
    state: SimulatorState, account: Account, droplet: Instance, change: str
) -> None:
    if change == "ip_change":
        action = record_action(state, account, droplet, RESERVED_IP_ASSIGNED)
        action.resource_type = "reserved_ip"
        action.resource_id = int(ipaddress.IPv4Address(droplet.attrs["public_ipv4"]))
        return
    record_action(state, account, droplet, CONSOLE_ACTIONS[change])


def _find_key(account: Account, id_or_fingerprint: Any) -> SshKey | None:
    for key in account.ssh_keys.values():
        if id_or_fingerprint in (key.id, str(key.id), key.fingerprint):
            return key
    return None


# --- handlers: account, catalog ------------------------------------------------------------


@router.add("GET", "/account")
def get_account(call: Call) -> Reply:
    account = call.account
    return Reply(
        200,
        {
            "account": {
                "droplet_limit": call.state.settings.digitalocean_droplet_limit,
                "floating_ip_limit": 3,
                "email": f"sim-user-{account.uid}@example.com",
                "name": f"Simulated user {account.uid}",
                "uuid": str(uuid.uuid5(uuid.NAMESPACE_URL, f"do-account:{account.uid}")),
                "email_verified": True,
                "status": "active",
                "status_message": "",
                "team": {
                    "uuid": str(uuid.uuid5(uuid.NAMESPACE_URL, f"do-team:{account.uid}")),
                    "name": "My Team",
                },
            }
        },
    )


@router.add("GET", "/sizes")
def list_sizes(call: Call) -> Reply:
    return paginate(call, "/sizes", "sizes", catalog.DO_SIZES)


@router.add("GET", "/regions")
def list_regions(call: Call) -> Reply:
    return paginate(call, "/regions", "regions", catalog.DO_REGIONS)


@router.add("GET", "/images")
def list_images(call: Call) -> Reply:
    kind = call.query.get("type")
    images = catalog.DO_IMAGES
    if kind:
        images = [i for i in images if catalog.DO_IMAGE_KIND[i["id"]] == kind]
    if call.query.get("private") == "true":
        images = []  # the simulator has no private (snapshot / custom) images
    tag = call.query.get("tag_name")
    if tag:
        images = [i for i in images if tag in i["tags"]]
    return paginate(call, "/images", "images", images)


@router.add("GET", "/images/{image_id}")
def get_image(call: Call) -> Reply:
    image = catalog.find_do_image(call.params["image_id"])
    if image is None:
        raise ApiError(not_found())
    return Reply(200, {"image": image})


# --- handlers: SSH keys ---------------------------------------------------------------------


@router.add("GET", "/account/keys", rate_class="ssh_keys")
def list_keys(call: Call) -> Reply:
    keys = [render_key(k) for k in sorted(call.account.ssh_keys.values(), key=lambda k: k.id)]
    return paginate(call, "/account/keys", "ssh_keys", keys)


@router.add("POST", "/account/keys")
def create_key(call: Call) -> Reply:
    body = _body(call)
    name, public_key = body.get("name"), body.get("public_key")
    if not isinstance(name, str) or not name.strip():
        raise unprocessable("Name can't be blank")
    if not isinstance(public_key, str) or ssh_key_blob(public_key) is None:
        raise unprocessable(
            "Key invalid type, we support 'ssh-rsa', 'ssh-ed25519', "
            "'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', or "
            "'ecdsa-sha2-nistp521'"
        )
    fingerprint = md5_fingerprint(public_key)
    if _find_key(call.account, fingerprint) is not None:
        raise unprocessable("SSH Key is already in use on your account")
    key = SshKey(
        id=call.state.next_id("ssh_key"),
        name=name,
        public_key=public_key.strip(),
        fingerprint=fingerprint,
    )
    call.account.ssh_keys[key.id] = key
    return Reply(201, {"ssh_key": render_key(key)})


@router.add("POST", "/tags")
def create_tag(call: Call) -> Reply:
    """Creating a tag that exists answers 201 with it again (tags are names, not objects)."""
    name = _body(call).get("name")
    if not isinstance(name, str) or len(name) > 255 or not TAG_PATTERN.match(name):
        # The tags API answers in the newer error shape (its OpenAPI response says so).
        message = f'Error validating resource tag: "tag-name {name!r} contains invalid characters"'
        return Reply(
            400,
            {
                "error": message,
                "messages": None,
                "root_causes": [f"rpc error: code = InvalidArgument desc = {message}"],
            },
        )
    tagged = sum(1 for droplet in call.account.instances.values() if name in droplet.tags)
    none: JSON = {"count": 0}
    resources: JSON = {
        "count": tagged,
        "droplets": {"count": tagged},
        "images": none,
        "volumes": none,
        "volume_snapshots": none,
        "databases": none,
    }
    return Reply(201, {"tag": {"name": name, "resources": resources}})


@router.add("GET", "/account/keys/{key}")
def get_key(call: Call) -> Reply:
    key = _find_key(call.account, call.params["key"])
    if key is None:
        raise ApiError(not_found())
    return Reply(200, {"ssh_key": render_key(key)})


@router.add("PUT", "/account/keys/{key}")
def update_key(call: Call) -> Reply:
    key = _find_key(call.account, call.params["key"])
    if key is None:
        raise ApiError(not_found())
    name = _body(call).get("name")
    if isinstance(name, str) and name.strip():
        key.name = name
    return Reply(200, {"ssh_key": render_key(key)})


@router.add("DELETE", "/account/keys/{key}")
def delete_key(call: Call) -> Reply:
    key = _find_key(call.account, call.params["key"])
    if key is None:
        raise ApiError(not_found())
    del call.account.ssh_keys[key.id]
    return Reply(204)


# --- handlers: droplets ---------------------------------------------------------------------


@router.add("GET", "/droplets")
def list_droplets(call: Call) -> Reply:
    tag, name, kind = call.query.get("tag_name"), call.query.get("name"), call.query.get("type")
    if tag and (name or kind):
        raise unprocessable("tag_name can not be combined with name or type")
    droplets = sorted(call.account.instances.values(), key=lambda d: d.id)
    if tag:
        droplets = [d for d in droplets if tag in d.tags]
    if name:
        droplets = [d for d in droplets if d.name.lower() == name.lower()]
    if kind == "gpus":
        droplets = []  # the simulator sells no GPU sizes
    return paginate(call, "/droplets", "droplets", [render_droplet(d) for d in droplets])


def _validate_create(call: Call, body: JSON, names: list[Any]) -> tuple[JSON, JSON, JSON]:
    account = call.account
    for name in names:
        if not isinstance(name, str) or len(name) > 255 or not NAME_PATTERN.match(name):
            raise unprocessable(
                "Name Only valid hostname characters are allowed. (a-z, A-Z, 0-9, . and -)"
            )
    size = catalog.DO_SIZES_BY_SLUG.get(body.get("size", ""))
    if size is None or not size["available"]:
        raise unprocessable("You specified an invalid size for Droplet creation.")
    image = catalog.find_do_image(body.get("image"))
    if image is None:
        raise unprocessable("You specified an invalid image for Droplet creation.")
    region_slug = body.get("region")
    if region_slug is None:
        region_slug = size["regions"][0]
    region = catalog.DO_REGIONS_BY_SLUG.get(region_slug)
    if region is None:
        raise unprocessable("You specified an invalid region for Droplet creation.")
    if not region["available"]:
        raise unprocessable("Region is not available")
    if size["slug"] not in region["sizes"]:
        raise unprocessable("Size is not available in this region.")
    for key in body.get("ssh_keys") or []:
        if _find_key(account, key) is None:
            raise unprocessable("You specified an invalid SSH key id or fingerprint.")
    user_data = body.get("user_data")
    if user_data is not None and (
        not isinstance(user_data, str) or len(user_data.encode()) > USER_DATA_LIMIT
    ):
        raise unprocessable("user_data is too long (maximum is 64 KiB)")
    tags = body.get("tags") or []
    if not isinstance(tags, list) or not all(
        isinstance(t, str) and len(t) <= 255 and TAG_PATTERN.match(t) for t in tags
    ):
        raise unprocessable("tags may contain letters, numbers, colons, dashes and underscores")
    if len(account.instances) + len(names) > call.state.settings.digitalocean_droplet_limit:
        raise unprocessable("creating this/these droplet(s) will exceed your droplet limit")
    return size, image, region


@router.add("POST", "/droplets")
def create_droplets(call: Call) -> Reply:
    body = _body(call)
    multi = "names" in body
    names = body.get("names") if multi else [body.get("name")]
    if not isinstance(names, list) or not 1 <= len(names) <= 10:
        raise unprocessable("names must be a list of 1 to 10 names")
    size, image, region = _validate_create(call, body, names)
    account, state = call.account, call.state
    durations = state.settings.durations
    droplets, links = [], []
    for name in names:
        droplet_id = state.next_id("digitalocean")
        droplet = Instance(
            id=droplet_id,
            provider="digitalocean",
            token=account.token,
            name=name,
            status="new",
            type=size["slug"],
            region=region["slug"],
            image=image["slug"],
            tags=list(dict.fromkeys(body.get("tags") or [])),
            created=call.now,
            updated=call.now,
            attrs={
                "disk": size["disk"],
                "ipv6": bool(body.get("ipv6")),
                "backups": bool(body.get("backups")),
                "monitoring": bool(body.get("monitoring")),
                "user_data": body.get("user_data"),
                "ssh_keys": [_find_key(account, k).id for k in body.get("ssh_keys") or []],  # type: ignore[union-attr]
                "vpc_uuid": body.get("vpc_uuid") or _vpc_uuid(account, region["slug"]),
            },
        )
        account.instances[droplet_id] = droplet
        action = _start_action(
            call, droplet, "create", [("new", durations.provision + durations.boot)], "active"
        )
        droplets.append(render_droplet(droplet))
        links.append(
            {"id": action.id, "rel": "create", "href": f"{call.base_url}/actions/{action.id}"}
        )
    if multi:
        return Reply(202, {"droplets": droplets, "links": {"actions": links}})
    return Reply(202, {"droplet": droplets[0], "links": {"actions": links}})


@router.add("GET", "/droplets/{droplet_id:int}")
def get_droplet(call: Call) -> Reply:
    return Reply(200, {"droplet": render_droplet(_droplet(call))})


@router.add("DELETE", "/droplets/{droplet_id:int}")
def delete_droplet(call: Call) -> Reply:
    droplet = _droplet(call)
    del call.account.instances[droplet.id]
    record_action(call.state, call.account, droplet, "destroy")
    return Reply(204)


@router.add("DELETE", "/droplets")
def delete_droplets_by_tag(call: Call) -> Reply:
    tag = call.query.get("tag_name")
    if not tag:
        raise unprocessable("tag_name is required")
    for droplet in [d for d in call.account.instances.values() if tag in d.tags]:
        del call.account.instances[droplet.id]
        record_action(call.state, call.account, droplet, "destroy")
    return Reply(204)


_ACTION_TYPES = {
    "power_on",
    "power_off",
    "shutdown",
    "reboot",
    "power_cycle",
    "rebuild",
    "resize",
    "rename",
    "enable_backups",
    "disable_backups",
    "enable_ipv6",
}


@router.add("POST", "/droplets/{droplet_id:int}/actions")
def post_action(call: Call) -> Reply:
    droplet = _droplet(call)
    body = _body(call)
    action_type = body.get("type")
    if action_type not in _ACTION_TYPES:
        raise unprocessable(f"'{action_type}' is not a valid action type")
    if droplet.busy:
        raise unprocessable(PENDING_EVENT)
    durations = call.state.settings.durations
    status = droplet.status
    extra: list[Any] = []
    if action_type in ("power_off", "shutdown"):
        steps, final = [(status, durations.shutdown)], "off"
    elif action_type == "power_on":
        steps, final = [(status, durations.boot)], "active"
    elif action_type in ("reboot", "power_cycle"):
        steps, final = [(status, durations.reboot)], "active"
    elif action_type == "rebuild":
        image = catalog.find_do_image(body.get("image"))
        if image is None:
            raise unprocessable("You specified an invalid image for Droplet rebuild.")
        droplet.image = image["slug"]
        steps, final = [(status, durations.rebuild)], "active"
    elif action_type == "resize":
        extra.append(_resize_change(droplet, body))
        steps, final = [(status, durations.resize)], status
    elif action_type == "rename":
        name = body.get("name")
        if not isinstance(name, str) or not NAME_PATTERN.match(name):
            raise unprocessable(
                "Name Only valid hostname characters are allowed. (a-z, A-Z, 0-9, . and -)"
            )
        droplet.name = name
        steps, final = [(status, 0.0)], status
    else:  # backups / ipv6 toggles
        flag = "ipv6" if action_type == "enable_ipv6" else "backups"
        droplet.attrs[flag] = action_type != "disable_backups"
        steps, final = [(status, 0.0)], status
    action = _start_action(call, droplet, action_type, steps, final, extra)
    return Reply(201, {"action": render_action(action)})


def _resize_change(droplet: Instance, body: JSON) -> Any:
    size = catalog.DO_SIZES_BY_SLUG.get(body.get("size", ""))
    if size is None or not size["available"]:
        raise unprocessable("You specified an invalid size for Droplet resize.")
    if size["slug"] == droplet.type:
        raise unprocessable("Droplet is already this size.")
    if droplet.region not in size["regions"]:
        raise unprocessable("Size is not available in this region.")
    resize_disk = bool(body.get("disk"))
    if size["disk"] < droplet.attrs["disk"]:
        raise unprocessable("This size is not available because it has a smaller disk.")

    def apply(_: float) -> None:
        droplet.type = size["slug"]
        if resize_disk:
            droplet.attrs["disk"] = size["disk"]

    return apply


@router.add("GET", "/droplets/{droplet_id:int}/actions")
def list_droplet_actions(call: Call) -> Reply:
    droplet = _droplet(call)
    actions = [
        render_action(a)
        for a in sorted(call.account.actions.values(), key=lambda a: -a.id)
        if a.droplet_id == droplet.id and a.resource_type == "droplet"
    ]
    return paginate(call, f"/droplets/{droplet.id}/actions", "actions", actions)


@router.add("GET", "/droplets/{droplet_id:int}/actions/{action_id:int}")
def get_droplet_action(call: Call) -> Reply:
    action = call.account.actions.get(call.int_param("action_id"))
    if (
        action is None
        or action.resource_type != "droplet"
        or action.droplet_id != call.int_param("droplet_id")
    ):
        raise ApiError(not_found())
    return Reply(200, {"action": render_action(action)})


@router.add("GET", "/actions")
def list_actions(call: Call) -> Reply:
    actions = [render_action(a) for a in sorted(call.account.actions.values(), key=lambda a: -a.id)]
    return paginate(call, "/actions", "actions", actions)


@router.add("GET", "/actions/{action_id:int}")
def get_action(call: Call) -> Reply:
    action = call.account.actions.get(call.int_param("action_id"))
    if action is None:
        raise ApiError(not_found())
    return Reply(200, {"action": render_action(action)})


# --- handlers: monitoring ---------------------------------------------------------------------


def _metric_window(call: Call) -> tuple[int, int, int]:
    values = []
    for name in ("host_id", "start", "end"):
        raw = call.query.get(name)
        if raw is None:
            raise fail(400, "bad_request", f"{name} is required")
        try:
            values.append(int(float(raw)))
        except ValueError as exc:
            raise fail(400, "bad_request", f"{name} must be a number") from exc
    host_id, start, end = values
    if end < start:
        raise fail(400, "bad_request", "end must not be before start")
    return host_id, start, end


def _matrix(result: list[JSON]) -> Reply:
    return Reply(200, {"status": "success", "data": {"resultType": "matrix", "result": result}})


@router.add("GET", "/monitoring/metrics/droplet/cpu")
def droplet_cpu(call: Call) -> Reply:
    host_id, start, end = _metric_window(call)
    droplet = call.account.instances.get(host_id)
    if droplet is None:
        return _matrix([])
    vcpus = catalog.DO_SIZES_BY_SLUG[droplet.type]["vcpus"]
    return _matrix(metrics.do_cpu(host_id, vcpus, max(start, int(droplet.created)), end))


@router.add("GET", "/monitoring/metrics/droplet/bandwidth")
def droplet_bandwidth(call: Call) -> Reply:
    host_id, start, end = _metric_window(call)
    interface = call.query.get("interface")
    direction = call.query.get("direction")
    if interface not in ("public", "private") or direction not in ("inbound", "outbound"):
        raise fail(
            400,
            "bad_request",
            "interface must be public or private and direction inbound or outbound",
        )
    droplet = call.account.instances.get(host_id)
    if droplet is None:
        return _matrix([])
    return _matrix(
        metrics.do_bandwidth(host_id, interface, direction, max(start, int(droplet.created)), end)
    )
