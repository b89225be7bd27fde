"""Small pure helpers shared by the mappers of every driver."""

from __future__ import annotations

import logging
import re
import threading
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from vpspanel.providers.types import InstanceMetrics, InstanceStatus, MetricPoint, MetricWindow

logger = logging.getLogger(__name__)

_VERSION_RE = re.compile(r"\d+(?:\.\d+)*")
# Providers that do not use ISO 3166 alpha-2 for a country.
_COUNTRY_FIXES = {"UK": "GB"}


def money(value: Any) -> Decimal:
    """A provider's JSON number as an exact Decimal (through str, never float arithmetic)."""
    if value is None:
        return Decimal("0")
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise ValueError(f"not a price: {value!r}") from None


def parse_time(value: Any) -> datetime | None:
    """ISO 8601 with or without 'Z'; Linode sends naive UTC times."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def first_version(text: str | None) -> str | None:
    """'Ubuntu 24.04 LTS' -> '24.04'; '12 x64' -> '12'; None when there is no number."""
    if not text:
        return None
    match = _VERSION_RE.search(text)
    return match.group(0) if match else None


def country_code(value: str | None) -> str | None:
    """Upper-case ISO 3166 alpha-2."""
    if not value:
        return None
    code = value.strip().upper()
    return _COUNTRY_FIXES.get(code, code)


# Point spacing by period: a day at 5 minutes (288 points), a week at 15 (672), longer at an
# hour (30 days: 720); enough for a chart, never more than a provider keeps.
_RESOLUTIONS_S = ((24, 300), (24 * 7, 900))
_LONGEST_RESOLUTION_S = 3600


def metric_window(end_s: int, period_hours: int) -> MetricWindow:
    """The window of `period_hours` ending at `end_s`, with the spacing for that period."""
    resolution_s = next(
        (seconds for hours, seconds in _RESOLUTIONS_S if period_hours <= hours),
        _LONGEST_RESOLUTION_S,
    )
    return MetricWindow(start_s=end_s - period_hours * 3600, end_s=end_s, resolution_s=resolution_s)


def resample(points: list[MetricPoint], window: MetricWindow) -> list[MetricPoint]:
    """The mean of the points in each `resolution_s` slot (aligned to multiples of it) that
    starts inside the window; slots without data are left out, never invented."""
    slots: dict[int, list[float]] = {}
    for timestamp_s, value in points:
        slot = timestamp_s - timestamp_s % window.resolution_s
        if window.start_s <= slot < window.end_s:
            slots.setdefault(slot, []).append(value)
    return [(slot, sum(values) / len(values)) for slot, values in sorted(slots.items())]


def fitted(metrics: InstanceMetrics, window: MetricWindow) -> InstanceMetrics:
    """The series resampled to the window's spacing, carrying the window."""
    return InstanceMetrics(
        cpu_percent=resample(metrics.cpu_percent, window),
        network_in_bps=resample(metrics.network_in_bps, window),
        network_out_bps=resample(metrics.network_out_bps, window),
        window=window,
    )


class StatusMap:
    """A provider status -> our status, with `unknown` (logged once per value) as fallback."""

    def __init__(self, provider_name: str, mapping: dict[str, InstanceStatus]) -> None:
        self.provider_name = provider_name
        self.mapping = mapping
        self._logged: set[str] = set()
        self._lock = threading.Lock()

    def __call__(self, raw_status: str | None) -> InstanceStatus:
        status = self.mapping.get(raw_status or "")
        if status is not None:
            return status
        with self._lock:
            first_time = raw_status not in self._logged
            self._logged.add(raw_status or "")
        if first_time:
            logger.warning(
                "%s: unknown instance status %r mapped to unknown", self.provider_name, raw_status
            )
        return InstanceStatus.UNKNOWN
