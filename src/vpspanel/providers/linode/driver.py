"""The Linode API v4 driver."""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime
from functools import cached_property
from typing import ClassVar
from uuid import UUID

from vpspanel.providers.base import TAG_NAMESPACE, first_made
from vpspanel.providers.conversions import fitted, metric_window
from vpspanel.providers.errors import (
    ProviderValidationError,
    none_if_not_found,
)
from vpspanel.providers.feeds import FeedCursor, FeedEntry, batch_after, read_feed, start_at
from vpspanel.providers.http import HttpProvider, RateLimits
from vpspanel.providers.linode import mappers
from vpspanel.providers.linode.client import (
    LINODE_LIMITS,
    PAGE_SIZE,
    LinodeClient,
    translate_error,
)
from vpspanel.providers.types import (
    AccountInfo,
    ChangeBatch,
    CreateInstanceSpec,
    InstanceMetrics,
    MetricWindow,
    Permissions,
    ProviderImage,
    ProviderInstance,
    ProviderPlan,
    ProviderRegion,
    VerifyResult,
)
from vpspanel.providers.validation import (
    check_hostname_label,
    check_root_pass,
    check_ssh_public_keys,
)

logger = logging.getLogger(__name__)

LABEL_MAX_LENGTH = 64
_ID_SUFFIX_LENGTH = 12  # hex digits of our instance id: keeps labels unique per account
_REQUIRED_SCOPES = ("linodes:read_write", "images:read_only")
_LABEL_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_LABEL_REPEATED_PUNCTUATION = re.compile(r"[._-]{2,}")
# Linode keeps events for 90 days; a cursor older than that (less a day's margin) may have
# missed some.
EVENTS_KEPT_S = 89 * 86_400
# Pages of events read in one poll (PAGE_SIZE each) before the feed reports a gap.
FEED_MAX_PAGES = 2
_FEED_START_PAGE_SIZE = 25  # the smallest page: starting only needs the newest event's id
_NEWEST_FIRST = {"+order_by": "id", "+order": "desc"}


def _scope_grants(scopes: set[str], wanted: str) -> bool:
    """'linodes:read_write' covers 'linodes:read_only'; '*' covers everything."""
    area, _, level = wanted.partition(":")
    if "*" in scopes or wanted in scopes:
        return True
    return level == "read_only" and f"{area}:read_write" in scopes


class LinodeProvider(HttpProvider):
    type: ClassVar[str] = "linode"
    default_base_url: ClassVar[str] = "https://api.linode.com/v4"
    default_limits: ClassVar[RateLimits] = LINODE_LIMITS

    translate_error = staticmethod(translate_error)

    @cached_property
    def _client(self) -> LinodeClient:
        return LinodeClient(self.transport)

    def provider_label(self, label: str, instance_id: UUID) -> str:
        """`<customer label>-<12 hex of our id>`, fitted to Linode's label pattern
        (letter first, [A-Za-z0-9._-], no doubled punctuation, 3-64 characters)."""
        base = _LABEL_UNSAFE.sub("-", label)
        base = _LABEL_REPEATED_PUNCTUATION.sub(lambda match: match.group(0)[0], base)
        if not base[:1].isalpha():
            base = f"vm-{base}"
        base = base[: LABEL_MAX_LENGTH - _ID_SUFFIX_LENGTH - 1].rstrip("._-")
        return f"{base}-{instance_id.hex[:_ID_SUFFIX_LENGTH]}"

    async def verify(self) -> VerifyResult:
        response = await self._client.get_response("/profile")
        profile = response.json()
        scope_header = response.headers.get("x-oauth-scopes", "")
        scopes = sorted(set(scope_header.replace(",", " ").split()))
        missing = [scope for scope in _REQUIRED_SCOPES if not _scope_grants(set(scopes), scope)]
        restricted = bool(profile.get("restricted"))
        if restricted:
            grants = await self._client.get_response("/profile/grants")
            if grants.status_code != 204:
                global_grants = (grants.json() or {}).get("global") or {}
                if not global_grants.get("add_linodes"):
                    missing.append("grant:add_linodes")
            # Tags (our identity on every instance) need an unrestricted user.
            missing.append("unrestricted_user")
        can_read = _scope_grants(set(scopes), "linodes:read_only")
        return VerifyResult(
            account=AccountInfo(
                provider_account_id=str(profile.get("uid", "")),
                email=profile.get("email"),
                name=profile.get("username"),
                status="restricted" if restricted else "active",
                extra={"restricted": restricted},
                cloud_account_id=response.headers.get("x-customer-uuid") or None,
            ),
            permissions=Permissions(
                read=can_read,
                write=not missing,
                scopes=scopes,
                missing=missing,
            ),
        )

    async def list_plans(self) -> list[ProviderPlan]:
        return [
            mappers.plan_from_linode_type(i) for i in await self._client.list_all("/linode/types")
        ]

    async def list_regions(self) -> list[ProviderRegion]:
        return [mappers.region_from_linode(i) for i in await self._client.list_all("/regions")]

    async def list_images(self) -> list[ProviderImage]:
        return [mappers.image_from_linode(i) for i in await self._client.list_all("/images")]

    async def create_instance(self, spec: CreateInstanceSpec) -> ProviderInstance:
        check_hostname_label(spec.label)
        check_root_pass(spec.root_pass)
        check_ssh_public_keys(spec.ssh_public_keys)
        body = {
            "type": spec.plan_id,
            "region": spec.region_id,
            "image": spec.image_id,
            "label": self.provider_label(spec.label, spec.instance_id),
            "root_pass": spec.root_pass,
            "authorized_keys": [key.strip() for key in spec.ssh_public_keys],
            "tags": [TAG_NAMESPACE, self.identity_tag(spec.instance_id)],
            "private_ip": spec.options.private_ip,
            "backups_enabled": spec.options.backups,
            "booted": True,
        }
        created = await self._client.post("/linode/instances", body)
        return mappers.instance_from_linode(created)

    async def _list(self, filter: dict[str, str] | None) -> list[ProviderInstance]:
        items = await self._client.list_all("/linode/instances", filter=filter)
        return [mappers.instance_from_linode(item) for item in items]

    async def find_instance_by_tag(self, instance_id: UUID) -> ProviderInstance | None:
        found = await self._list({"tags": self.identity_tag(instance_id)})
        return first_made(found, instance_id, self.type)

    async def get_instance(self, provider_instance_id: str) -> ProviderInstance | None:
        path = f"/linode/instances/{provider_instance_id}"
        item = await none_if_not_found(self._client.get(path))
        return None if item is None else mappers.instance_from_linode(item)

    async def list_instances(self, tagged_only: bool = True) -> list[ProviderInstance]:
        return await self._list({"tags": TAG_NAMESPACE} if tagged_only else None)

    async def delete_instance(self, provider_instance_id: str) -> None:
        await none_if_not_found(self._client.delete(f"/linode/instances/{provider_instance_id}"))

    async def boot(self, provider_instance_id: str) -> None:
        await self._client.post(f"/linode/instances/{provider_instance_id}/boot")

    async def shutdown(self, provider_instance_id: str) -> None:
        await self._client.post(f"/linode/instances/{provider_instance_id}/shutdown")

    async def reboot(self, provider_instance_id: str) -> None:
        await self._client.post(f"/linode/instances/{provider_instance_id}/reboot")

    async def rebuild(
        self,
        provider_instance_id: str,
        image_id: str,
        root_pass: str | None,
        ssh_public_keys: list[str],
    ) -> None:
        if root_pass is None:
            raise ProviderValidationError("root_pass", "is required to rebuild")
        check_root_pass(root_pass)
        check_ssh_public_keys(ssh_public_keys)
        await self._client.post(
            f"/linode/instances/{provider_instance_id}/rebuild",
            {
                "image": image_id,
                "root_pass": root_pass,
                "authorized_keys": [key.strip() for key in ssh_public_keys],
                "booted": True,
            },
        )

    async def resize(self, provider_instance_id: str, plan_id: str) -> None:
        await self._client.post(
            f"/linode/instances/{provider_instance_id}/resize",
            {"type": plan_id, "allow_auto_disk_resize": True, "migration_type": "cold"},
        )

    async def list_changes_since(self, cursor: str | None) -> ChangeBatch:
        """`GET /account/events` with `X-Filter` `id > last seen` (or one of the events still
        in progress), newest first, `PAGE_SIZE` a page: one request when nothing happened."""
        return await read_feed(self.type, cursor, lambda: self._read_events(cursor))

    async def _read_events(self, cursor_text: str | None) -> ChangeBatch:
        now = self._transport.clock.time()
        cursor = FeedCursor.decode(cursor_text)
        if cursor is None or now - cursor.read_at_s > EVENTS_KEPT_S:
            if cursor_text is None:
                reason = "the feed starts here"
            elif cursor is None:
                reason = "the cursor could not be read"
            else:
                reason = "the cursor is older than the 90 days Linode keeps events"
            return await self._start_events(now, reason)
        newer: dict[str, object] = {"id": {"+gt": cursor.last_id}}
        if cursor.open_ids:
            newer = {"+or": [newer, *({"id": event_id} for event_id in cursor.open_ids)]}
        entries: list[FeedEntry] = []
        page = 1
        while True:
            response = await self._client.get_response(
                "/account/events",
                params={"page": page, "page_size": PAGE_SIZE},
                filter={**newer, **_NEWEST_FIRST},
            )
            body = response.json()
            entries += [mappers.feed_entry_from_event(item) for item in body.get("data") or []]
            pages = int(body.get("pages") or 1)
            if pages > FEED_MAX_PAGES:
                # Newest first: this page holds the newest id, so the feed resumes from there.
                return batch_after(
                    cursor,
                    entries,
                    now,
                    gap_reason=f"more than {FEED_MAX_PAGES * PAGE_SIZE} events since the last poll",
                )
            if page >= pages:
                return batch_after(cursor, entries, now)
            page += 1

    async def _start_events(self, now: float, reason: str) -> ChangeBatch:
        response = await self._client.get_response(
            "/account/events",
            params={"page": 1, "page_size": _FEED_START_PAGE_SIZE},
            filter=_NEWEST_FIRST,
        )
        newest = max((int(item["id"]) for item in response.json().get("data") or []), default=0)
        return start_at(newest, now, reason)

    async def get_metrics(self, provider_instance_id: str, period_hours: int) -> InstanceMetrics:
        """`/stats` covers the last 24 hours; a longer period also reads every calendar month
        it touches from `/stats/{year}/{month}` (one request per month, 50/min budget)."""
        window = metric_window(int(self._transport.clock.time()), period_hours)
        base = f"/linode/instances/{provider_instance_id}/stats"
        paths = [base]
        if period_hours > 24:
            paths = [f"{base}/{year}/{month}" for year, month in _months(window)] + paths
        series: list[InstanceMetrics] = []
        for path in paths:
            body = await self._client.get(path)
            series.append(mappers.metrics_from_linode_stats(body, window.start_s))
        return fitted(
            InstanceMetrics(
                cpu_percent=[point for part in series for point in part.cpu_percent],
                network_in_bps=[point for part in series for point in part.network_in_bps],
                network_out_bps=[point for part in series for point in part.network_out_bps],
            ),
            window,
        )


def _months(window: MetricWindow) -> list[tuple[int, int]]:
    """Every (year, month) the window touches, oldest first (UTC)."""
    first = datetime.fromtimestamp(window.start_s, UTC)
    last = datetime.fromtimestamp(window.end_s, UTC)
    months: list[tuple[int, int]] = []
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        months.append((year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months
