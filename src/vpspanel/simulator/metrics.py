"""Deterministic, plausible metric series derived from an instance id and the time.

CPU use follows a daily sine wave with a per-instance phase, so the same instance and time
always give the same numbers and cumulative counters stay monotonic.
"""

from __future__ import annotations

import math
from typing import Any

DAY = 86_400.0
_CPU_MODES = {
    "user": 0.65,
    "system": 0.25,
    "iowait": 0.05,
    "steal": 0.02,
    "softirq": 0.02,
    "irq": 0.005,
    "nice": 0.005,
}


def _phase(seed: int, salt: int = 0) -> float:
    return ((seed * 2_654_435_761 + salt * 40_503) % 10_000) / 10_000 * 2 * math.pi


def _base_usage(seed: int) -> float:
    return 0.08 + (seed % 17) / 100  # 8% .. 24% average busy


def usage_fraction(seed: int, t: float) -> float:
    """Fraction (0..1) of CPU busy at time t."""
    return _base_usage(seed) + 0.06 * math.sin(2 * math.pi * t / DAY + _phase(seed))


def cumulative_busy_seconds(seed: int, t: float) -> float:
    """Integral of `usage_fraction` from the epoch to t (one CPU)."""
    omega = 2 * math.pi / DAY
    return _base_usage(seed) * t - 0.06 / omega * (
        math.cos(omega * t + _phase(seed)) - math.cos(_phase(seed))
    )


def _rate(seed: int, t: float, base: float, salt: int) -> float:
    """A positive, wavy rate around `base`."""
    wave = math.sin(2 * math.pi * t / DAY + _phase(seed, salt))
    ripple = math.sin(t / 900 + _phase(seed, salt + 1)) * 0.15
    return max(base * (1 + 0.5 * wave + ripple), 0.0)


LINODE_STEP_S = 300


def linode_stats(
    instance_id: int, vcpus: int, title: str, start: float, end: float
) -> dict[str, Any]:
    """5-minute points from `start` to `end` (the instance's life only: a new instance has no
    history), `[timestamp_ms, value]`, wrapped in "data" as the real API does."""
    first = int(-(-start // LINODE_STEP_S) * LINODE_STEP_S)
    # Half-open [start, end): a point at `end` would be a slot not yet averaged, and a day is
    # exactly 288 points whether or not `end` falls on a 5-minute boundary.
    times = list(range(first, math.ceil(end), LINODE_STEP_S))

    def series(base: float, salt: int) -> list[list[float]]:
        return [[t * 1000, round(_rate(instance_id, t, base, salt), 2)] for t in times]

    def net(base: float, salt: int) -> dict[str, list[list[float]]]:
        return {
            "in": series(base, salt),
            "out": series(base * 2.5, salt + 2),
            "private_in": series(base / 20, salt + 4),
            "private_out": series(base / 25, salt + 6),
        }

    return {
        "data": {
            "cpu": [
                [t * 1000, round(usage_fraction(instance_id, t) * 100 * vcpus, 2)] for t in times
            ],
            "io": {"io": series(3.5, 10), "swap": series(0.02, 12)},
            "netv4": net(9_000.0, 20),
            "netv6": net(1_500.0, 30),
        },
        "title": title,
    }


def prometheus_step(start: int, end: int) -> int:
    """About 300 points whatever the range, never finer than a minute."""
    return max(60, (end - start) // 300 // 60 * 60 or 60)


def do_cpu(host_id: int, vcpus: int, start: int, end: int) -> list[dict[str, Any]]:
    """Cumulative CPU seconds per mode, values as strings (Prometheus matrix)."""
    step = prometheus_step(start, end)
    times = range(start - start % step, end + 1, step)
    result = []
    for mode, share in [*_CPU_MODES.items(), ("idle", -1.0)]:
        values = []
        for t in times:
            busy = cumulative_busy_seconds(host_id, t) * vcpus
            seconds = t * vcpus - busy if share < 0 else busy * share
            values.append([t, f"{seconds:.2f}"])
        result.append({"metric": {"host_id": str(host_id), "mode": mode}, "values": values})
    return result


def do_bandwidth(
    host_id: int, interface: str, direction: str, start: int, end: int
) -> list[dict[str, Any]]:
    """Megabits per second for one interface and direction, values as strings."""
    step = prometheus_step(start, end)
    base = {"public": 0.8, "private": 0.05}[interface] * (2.5 if direction == "outbound" else 1)
    salt = (3 if interface == "public" else 7) + (1 if direction == "outbound" else 0)
    values = [
        [t, f"{_rate(host_id, t, base, salt):.6f}"]
        for t in range(start - start % step, end + 1, step)
    ]
    return [
        {
            "metric": {"direction": direction, "host_id": str(host_id), "interface": interface},
            "values": values,
        }
    ]
