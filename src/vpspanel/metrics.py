"""Every Prometheus metric of the panel, in one place (served at `/metrics`).

Each metric is defined here and only updated elsewhere, so the names, labels and help texts
can be read (and documented, docs/operations.md) in one file. Labels never carry an id that
grows without bound except a provider account's id (a handful per installation); upstream
endpoints are templated (`/linode/instances/{id}/boot`).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from typing import Final

from prometheus_client import Counter, Gauge, Histogram

# -- the panel's own API ------------------------------------------------------------------
HTTP_REQUESTS: Final = Counter(
    "vpspanel_http_requests_total",
    "Requests answered by the panel's API, by method, route template and status code.",
    ["method", "route", "status"],
)
HTTP_REQUEST_SECONDS: Final = Histogram(
    "vpspanel_http_request_seconds",
    "Time to answer a request of the panel's API, in seconds, by method and route template.",
    ["method", "route"],
)

# -- the clouds -----------------------------------------------------------------------------
UPSTREAM_REQUESTS: Final = Counter(
    "vpspanel_upstream_requests_total",
    "Requests sent to a cloud provider, one per attempt, by provider (`linode`, "
    "`digitalocean`), method, endpoint (the path with ids replaced by `{id}`) and status "
    "(the HTTP status code, or the transport error's name when no answer came).",
    ["provider", "method", "endpoint", "status"],
)
RATE_LIMIT_WAITS: Final = Counter(
    "vpspanel_rate_limit_waits_total",
    "Times a request had to wait for a provider's rate limit, by provider and reason: "
    "`budget` (waited inline for room in our own budget of the account), `retry_after` "
    "(waited inline after a 429) or `parked` (handed back: the operation was parked).",
    ["provider", "reason"],
)
RATE_LIMIT_WAIT_SECONDS: Final = Counter(
    "vpspanel_rate_limit_wait_seconds_total",
    "Seconds waited (or parked for) on a provider's rate limit, by provider and reason (as "
    "`vpspanel_rate_limit_waits_total`).",
    ["provider", "reason"],
)

# -- operations -----------------------------------------------------------------------------
OPERATIONS: Final = Counter(
    "vpspanel_operations_total",
    "Operations that ended, by type (`create`, `reboot`, ...) and outcome (`succeeded`, `failed`).",
    ["type", "outcome"],
)
OPERATION_SECONDS: Final = Histogram(
    "vpspanel_operation_seconds",
    "Seconds from an operation's acceptance to its end, by type and outcome.",
    ["type", "outcome"],
    buckets=(1, 5, 15, 30, 60, 120, 300, 600, 1200, 1800, float("inf")),
)

# -- instances ------------------------------------------------------------------------------
INSTANCES: Final = Gauge(
    "vpspanel_instances",
    "Instances by status (`running`, `provisioning`, `deleted`, ...), counted at each scrape "
    "with one grouped query.",
    ["status"],
)
STUCK_INSTANCES_FAILED: Final = Counter(
    "vpspanel_stuck_instances_failed_total",
    "Instances marked `failed` because they stayed in a transitional status past its "
    "deadline and a re-read did not resolve it, by the status they were stuck in.",
    ["status"],
)

# -- change feeds, sweeps, orphans (updated by the account pollers) --------------------------
FEED_LAG_SECONDS: Final = Gauge(
    "vpspanel_feed_lag_seconds",
    "Per provider account (its id): seconds since its change feed was last read "
    "successfully, set at each poll.",
    ["account"],
)
SWEEP_SECONDS: Final = Histogram(
    "vpspanel_sweep_seconds",
    "Seconds one full sweep of a provider account took (listing and writes), by account id.",
    ["account"],
    buckets=(0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, float("inf")),
)
SWEEP_CHANGES: Final = Counter(
    "vpspanel_sweep_changes_total",
    "Changes a sweep or a change feed applied from the provider, by kind: `updated` (status, "
    "IP or plan), `deleted` (confirmed gone at the provider) or `adopted` (an orphan bound "
    "to its lost create).",
    ["kind"],
)
ORPHANS: Final = Gauge(
    "vpspanel_orphans",
    "Servers carrying our tag with no live instance, open (neither deleted nor ignored), by "
    "provider account id.",
    ["account"],
)

# Path segments that are ids or values, never a fixed word of an API: numbers, UUIDs, long hex
# strings, IPv4 addresses (reserved IPs), and any segment with a colon or a percent-escape
# (MD5 SSH key fingerprints `aa:bb:…`, IPv6 addresses, escaped values). Each distinct value
# would otherwise be a new label series, and a key fingerprint or an address on /metrics.
_ID_SEGMENT = re.compile(
    r"\d+|[0-9a-fA-F]{8}-[0-9a-fA-F-]{27}|[0-9a-fA-F]{16,}"
    r"|\d{1,3}(?:\.\d{1,3}){3}|[^/]*[:%][^/]*"
)
# A SHA256 SSH key fingerprint: base64 (43 characters, unpadded) may hold a "/", so the whole
# value is replaced before the path is split into segments.
_SHA256_FINGERPRINT = re.compile(r"SHA256:[A-Za-z0-9+/]{43}=?")


def endpoint_template(path: str) -> str:
    """`path` with every id segment replaced by `{id}` and no query string:
    `/linode/instances/123/boot` -> `/linode/instances/{id}/boot`,
    `/account/keys/42:79:3b:…` -> `/account/keys/{id}`."""
    path = _SHA256_FINGERPRINT.sub("{id}", path.split("?", 1)[0])
    return "/".join(
        "{id}" if _ID_SEGMENT.fullmatch(segment) else segment for segment in path.split("/")
    )


def record_rate_limit_wait(provider: str, reason: str, seconds: float) -> None:
    """One wait of `seconds` on a provider's rate limit (see `RATE_LIMIT_WAITS`)."""
    RATE_LIMIT_WAITS.labels(provider, reason).inc()
    RATE_LIMIT_WAIT_SECONDS.labels(provider, reason).inc(max(seconds, 0.0))


def record_operation_end(operation_type: str, outcome: str, seconds: float) -> None:
    """An operation ended with `outcome` (`succeeded`/`failed`) `seconds` after acceptance."""
    OPERATIONS.labels(operation_type, outcome).inc()
    OPERATION_SECONDS.labels(operation_type, outcome).observe(max(seconds, 0.0))


def set_instance_counts(counts: Mapping[str, int]) -> None:
    """Replace the instance gauge with these counts (status -> instances): a status that
    has none left disappears instead of showing its last count."""
    INSTANCES.clear()
    for status, count in counts.items():
        INSTANCES.labels(status).set(count)


def set_orphan_counts(counts: Mapping[uuid.UUID, int]) -> None:
    """Replace the orphan gauge with these counts (account id -> open orphans)."""
    ORPHANS.clear()
    for account_id, count in counts.items():
        ORPHANS.labels(str(account_id)).set(count)
