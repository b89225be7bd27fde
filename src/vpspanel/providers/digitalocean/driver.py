"""The DigitalOcean API v2 driver."""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import re
from functools import cached_property
from typing import Any, ClassVar
from uuid import UUID

from vpspanel.providers.base import TAG_NAMESPACE, first_made
from vpspanel.providers.conversions import fitted, metric_window
from vpspanel.providers.digitalocean import mappers
from vpspanel.providers.digitalocean.client import (
    DIGITALOCEAN_LIMITS,
    PER_PAGE,
    DigitalOceanClient,
    translate_error,
)
from vpspanel.providers.errors import (
    ProviderNotFound,
    ProviderPermissionError,
    ProviderUnavailable,
    ProviderValidationError,
    none_if_not_found,
)
from vpspanel.providers.feeds import FeedCursor, FeedEntry, batch_after, read_feed, start_at
from vpspanel.providers.http import HttpProvider, RateLimits
from vpspanel.providers.key_ids import DEFAULT_KEY_IDS
from vpspanel.providers.sha512_crypt import sha512_crypt
from vpspanel.providers.types import (
    AccountInfo,
    ChangeBatch,
    CreateInstanceSpec,
    InstanceMetrics,
    Permissions,
    ProviderImage,
    ProviderInstance,
    ProviderPlan,
    ProviderRegion,
    ServerLimit,
    VerifyResult,
)
from vpspanel.providers.validation import (
    check_hostname_label,
    check_root_pass,
    ssh_fingerprint_md5,
)

logger = logging.getLogger(__name__)

# A create refused because an SSH key id is unknown to the account.
_UNKNOWN_KEY = re.compile(r"ssh.?key", re.IGNORECASE)

# Cheap reads that prove the read scopes (DigitalOcean has no endpoint listing a token's scopes).
_READ_PROBES: tuple[tuple[str, str, dict[str, str]], ...] = (
    ("droplet:read", "/droplets", {}),
    ("sizes:read", "/sizes", {}),
    ("regions:read", "/regions", {}),
    ("image:read", "/images", {"type": "distribution"}),
)
# Pages of actions read back in one poll (PER_PAGE each) before the feed reports a gap.
FEED_MAX_PAGES = 3

_WRITE_NOTE = (
    "DigitalOcean cannot report a token's write scopes. tag:create is proven by creating our own "
    "tag; the key also needs droplet:create/update/delete and ssh_key:create/read (or full "
    "access), which cannot be checked without creating a droplet."
)


def root_password_cloud_config(root_pass: str) -> str:
    """cloud-init user data that sets root's password from a SHA-512-crypt hash (user data is
    readable from inside the droplet, so never the password itself) and allows password SSH."""
    password_hash = json.dumps(sha512_crypt(root_pass))
    return (
        "#cloud-config\n"
        "ssh_pwauth: true\n"
        "disable_root: false\n"
        "chpasswd:\n"
        "  expire: false\n"
        "  users:\n"
        f"    - {{name: root, password: {password_hash}, type: hash}}\n"
    )


def _server_limit(limit: object, used: object) -> ServerLimit | None:
    """The account's droplet limit and count, when the provider reported both as numbers."""
    if type(limit) is int and type(used) is int:  # not a bool, a float or a string
        return ServerLimit(limit=limit, used=used)
    return None


def _image_ref(image_id: str) -> str | int:
    """Slugs go as strings; private images only have numeric ids."""
    return int(image_id) if image_id.isdigit() else image_id


class DigitalOceanProvider(HttpProvider):
    type: ClassVar[str] = "digitalocean"
    default_base_url: ClassVar[str] = "https://api.digitalocean.com/v2"
    default_limits: ClassVar[RateLimits] = DIGITALOCEAN_LIMITS

    rebuild_sets_credentials: ClassVar[bool] = False
    translate_error = staticmethod(translate_error)

    @cached_property
    def _client(self) -> DigitalOceanClient:
        return DigitalOceanClient(self.transport)

    def provider_label(self, label: str, instance_id: UUID) -> str:
        """The droplet name is the customer's hostname as given: it becomes the hostname and
        PTR record, and names need not be unique (our identity is the tag)."""
        check_hostname_label(label)
        return label

    async def verify(self) -> VerifyResult:
        scopes: list[str] = []
        missing: list[str] = []
        try:
            account = (await self._client.get("/account")).get("account") or {}
            scopes.append("account:read")
        except ProviderPermissionError:
            account = {}
            missing.append("account:read")
        droplets_held: object = None
        for scope, path, params in _READ_PROBES:
            try:
                probed = await self._client.get(path, {**params, "per_page": 1})
                scopes.append(scope)
            except ProviderPermissionError:
                missing.append(scope)
                continue
            if path == "/droplets":
                # One droplet per page: meta.total counts the account's droplets in one call.
                droplets_held = (probed.get("meta") or {}).get("total")
        # The one write we can make harmlessly: our own namespace tag, which every create uses.
        # A read-only token fails here, so it is refused before any customer order reaches it.
        try:
            await self._client.post("/tags", {"name": TAG_NAMESPACE})
            scopes.append("tag:create")
        except ProviderPermissionError:
            missing.append("tag:create")
        return VerifyResult(
            account=AccountInfo(
                provider_account_id=str(account.get("uuid", "")),
                email=account.get("email"),
                name=(account.get("team") or {}).get("name") or account.get("name"),
                status=account.get("status"),
                cloud_account_id=account.get("uuid") or None,
                extra={
                    "droplet_limit": account.get("droplet_limit"),
                    "email_verified": account.get("email_verified"),
                    "status_message": account.get("status_message"),
                },
            ),
            server_limit=_server_limit(account.get("droplet_limit"), droplets_held),
            permissions=Permissions(
                read=not any(scope in missing for scope, _, _ in _READ_PROBES),
                write=False if "tag:create" in missing else None,
                scopes=scopes,
                missing=missing,
                note=_WRITE_NOTE,
            ),
        )

    async def list_plans(self) -> list[ProviderPlan]:
        return [
            mappers.plan_from_size(item) for item in await self._client.list_all("/sizes", "sizes")
        ]

    async def list_regions(self) -> list[ProviderRegion]:
        items = await self._client.list_all("/regions", "regions")
        return [mappers.region_from_do(item) for item in items]

    async def list_images(self) -> list[ProviderImage]:
        items = await self._client.list_all("/images", "images", {"type": "distribution"})
        return [mappers.image_from_do(item) for item in items]

    async def _ssh_key_id(self, public_key: str) -> int:
        """The account's id for a raw public key: remembered per account, else looked up by
        fingerprint (and registered on first use)."""
        fingerprint = ssh_fingerprint_md5(public_key)
        return await DEFAULT_KEY_IDS.key_id(
            self.transport.account, fingerprint, lambda: self._look_up_key(public_key, fingerprint)
        )

    async def _look_up_key(self, public_key: str, fingerprint: str) -> int:
        try:
            return int((await self._client.get(f"/account/keys/{fingerprint}"))["ssh_key"]["id"])
        except ProviderNotFound:
            pass
        try:
            created = await self._client.post(
                "/account/keys",
                {"name": f"vpspanel-{fingerprint.replace(':', '')[:12]}", "public_key": public_key},
            )
            return int(created["ssh_key"]["id"])
        except (ProviderValidationError, ProviderUnavailable):
            # Registered meanwhile (422 "already in use") or the answer was lost: look again.
            found = await self._client.get(f"/account/keys/{fingerprint}")
            return int(found["ssh_key"]["id"])

    async def create_instance(self, spec: CreateInstanceSpec) -> ProviderInstance:
        name = self.provider_label(spec.label, spec.instance_id)
        check_root_pass(spec.root_pass)
        for key in spec.ssh_public_keys:
            ssh_fingerprint_md5(key)  # validates every key before anything is registered
        try:
            return await self._create_droplet(name, spec)
        except (ProviderNotFound, ProviderValidationError) as exc:
            if not spec.ssh_public_keys or not _UNKNOWN_KEY.search(exc.message):
                raise
        # A key id we remembered was deleted at the provider (a 4xx: nothing was created):
        # forget what we knew of the account's keys and send once more with fresh ids.
        DEFAULT_KEY_IDS.forget(self.transport.account)
        return await self._create_droplet(name, spec)

    async def _create_droplet(self, name: str, spec: CreateInstanceSpec) -> ProviderInstance:
        ssh_key_ids = [await self._ssh_key_id(key.strip()) for key in spec.ssh_public_keys]
        # Hashing the root password takes milliseconds of CPU: off the event loop, so a bulk
        # deploy's other creates and polls go on meanwhile.
        user_data = await asyncio.to_thread(root_password_cloud_config, spec.root_pass)
        body: dict[str, Any] = {
            "name": name,
            "region": spec.region_id,
            "size": spec.plan_id,
            "image": _image_ref(spec.image_id),
            "ssh_keys": ssh_key_ids,
            "backups": spec.options.backups,
            "ipv6": spec.options.ipv6,
            "monitoring": True,
            "tags": [TAG_NAMESPACE, self.identity_tag(spec.instance_id)],
            "user_data": user_data,
        }
        if spec.options.vpc_uuid:
            body["vpc_uuid"] = spec.options.vpc_uuid
        created = await self._client.post("/droplets", body)
        return mappers.instance_from_droplet(created["droplet"])

    async def _in_progress_action(self, droplet_id: str) -> str | None:
        body = await self._client.get(f"/droplets/{droplet_id}/actions", {"per_page": 20})
        for action in body.get("actions") or []:
            if action.get("status") == "in-progress":
                return str(action.get("type"))
        return None

    async def _to_instance(self, droplet: dict[str, Any]) -> ProviderInstance:
        # The action only refines `active`/`off` (a droplet being made is `new` whatever it
        # is locked by): no read of a hundred droplets' actions during a bulk deploy.
        refinable = droplet.get("status") in ("active", "off")
        action = (
            await self._in_progress_action(str(droplet["id"]))
            if droplet.get("locked") and refinable
            else None
        )
        return mappers.instance_from_droplet(droplet, action)

    async def _list(self, tag: str | None) -> list[ProviderInstance]:
        droplets = await self._client.list_all(
            "/droplets", "droplets", {"tag_name": tag} if tag else None
        )
        return list(await asyncio.gather(*(self._to_instance(d) for d in droplets)))

    async def find_instance_by_tag(self, instance_id: UUID) -> ProviderInstance | None:
        return first_made(await self._list(self.identity_tag(instance_id)), instance_id, self.type)

    async def get_instance(self, provider_instance_id: str) -> ProviderInstance | None:
        body = await none_if_not_found(self._client.get(f"/droplets/{provider_instance_id}"))
        return None if body is None else await self._to_instance(body["droplet"])

    async def list_instances(self, tagged_only: bool = True) -> list[ProviderInstance]:
        return await self._list(TAG_NAMESPACE if tagged_only else None)

    async def delete_instance(self, provider_instance_id: str) -> None:
        await none_if_not_found(self._client.delete(f"/droplets/{provider_instance_id}"))

    async def _action(self, provider_instance_id: str, body: dict[str, Any]) -> None:
        await self._client.post(f"/droplets/{provider_instance_id}/actions", body)

    async def boot(self, provider_instance_id: str) -> None:
        await self._action(provider_instance_id, {"type": "power_on"})

    async def shutdown(self, provider_instance_id: str) -> None:
        await self._action(provider_instance_id, {"type": "shutdown"})

    async def reboot(self, provider_instance_id: str) -> None:
        await self._action(provider_instance_id, {"type": "reboot"})

    async def rebuild(
        self,
        provider_instance_id: str,
        image_id: str,
        root_pass: str | None,
        ssh_public_keys: list[str],
    ) -> None:
        """DigitalOcean's rebuild takes only the image: it cannot set a new root password or
        keys. The droplet keeps its create-time user data (so its create-time password hash)
        and its create-time SSH keys, so a new password is refused, never silently dropped."""
        if root_pass is not None:
            raise ProviderValidationError(
                "root_pass", "cannot be set on rebuild: the server keeps its current one"
            )
        await self._action(provider_instance_id, {"type": "rebuild", "image": _image_ref(image_id)})

    async def resize(self, provider_instance_id: str, plan_id: str) -> None:
        await self._action(provider_instance_id, {"type": "resize", "size": plan_id, "disk": True})

    async def list_changes_since(self, cursor: str | None) -> ChangeBatch:
        """`GET /actions` (the account's actions), read back page by page until the last
        action seen (or the oldest one still in progress): one request when nothing happened.

        The API has no filter and its documents do not state the order; this relies on newest
        first (what the simulator and clients such as doapi assume) and checks it: a page in
        any other order is a gap, never a silent miss (see docs/simulator.md). A reserved IP
        assigned or unassigned names the address, not the droplet: it is a gap too (the caller
        sweeps the account now), so an address change is seen at the next poll."""
        return await read_feed(self.type, cursor, lambda: self._read_actions(cursor))

    async def _read_actions(self, cursor_text: str | None) -> ChangeBatch:
        now = self._transport.clock.time()
        cursor = FeedCursor.decode(cursor_text)
        if cursor is None:
            body = await self._client.get("/actions", {"page": 1, "per_page": 1})
            newest = max((int(a["id"]) for a in body.get("actions") or []), default=0)
            reason = "the feed starts here" if cursor_text is None else "unreadable cursor"
            return start_at(newest, now, reason)
        stop_id = min((cursor.last_id, *cursor.open_ids))
        entries: list[FeedEntry] = []
        # A reserved IP assigned or unassigned since the last poll: some droplet's address
        # changed and the action does not say which, so the account is swept at once.
        address_moved = False
        page = 1
        while True:
            body = await self._client.get("/actions", {"page": page, "per_page": PER_PAGE})
            actions = body.get("actions") or []
            found = [mappers.feed_entry_from_action(a) for a in actions]
            address_moved = address_moved or any(
                mappers.moves_an_address(a) and int(a["id"]) > cursor.last_id for a in actions
            )
            ids = [entry.id for entry in found]
            if any(newer < older for newer, older in itertools.pairwise(ids)):
                logger.warning("digitalocean: /actions is not ordered newest first")
                return ChangeBatch(
                    [], cursor_text, gap=True, gap_reason="the feed is not ordered newest first"
                )
            entries += found
            next_link = ((body.get("links") or {}).get("pages") or {}).get("next")
            # Past the last action seen, every new one has been read; older pages are only
            # read for actions that were in progress, and those left beyond the bound are
            # dropped (the full sweep covers them) rather than made a gap on every poll.
            read_all_new = bool(ids) and ids[-1] <= cursor.last_id
            if (
                not ids
                or ids[-1] <= stop_id
                or not next_link
                or (read_all_new and page >= FEED_MAX_PAGES)
            ):
                return batch_after(
                    cursor,
                    entries,
                    now,
                    gap_reason="a reserved IP was assigned or unassigned"
                    if address_moved
                    else None,
                )
            if page >= FEED_MAX_PAGES:
                return batch_after(
                    cursor,
                    entries,
                    now,
                    gap_reason=f"more than {FEED_MAX_PAGES * PER_PAGE} actions since the last poll",
                )
            page += 1

    async def get_metrics(self, provider_instance_id: str, period_hours: int) -> InstanceMetrics:
        span = metric_window(int(self._transport.clock.time()), period_hours)
        # One resolution step earlier: CPU comes as cumulative counters, and the first slot
        # needs the sample before it to have a rate.
        window = {
            "host_id": provider_instance_id,
            "start": str(span.start_s - span.resolution_s),
            "end": str(span.end_s),
        }
        path = "/monitoring/metrics/droplet"
        cpu, inbound, outbound = await asyncio.gather(
            self._client.get(f"{path}/cpu", window),
            self._client.get(
                f"{path}/bandwidth", {**window, "interface": "public", "direction": "inbound"}
            ),
            self._client.get(
                f"{path}/bandwidth", {**window, "interface": "public", "direction": "outbound"}
            ),
        )
        return fitted(mappers.metrics_from_do(cpu, inbound, outbound), span)
