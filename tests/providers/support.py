"""Helpers for provider tests: spec locations, recorded JSON (cached: copy before changing),
a fake clock."""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

import yaml

from tests.support.specs import spec_file

REPO_ROOT = Path(__file__).resolve().parents[2]


@functools.cache
def linode_fixture(name: str) -> dict[str, Any]:
    """A recorded Linode body from the specs directory (skips when it is missing)."""
    path = spec_file(Path("linode") / "fixtures" / name)
    body: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return body


@functools.cache
def do_yaml(relative_path: str) -> Any:
    """A part of the DigitalOcean document (skips when it is missing)."""
    path = spec_file(Path("digitalocean") / "specification" / relative_path)
    return yaml.safe_load(path.read_text(encoding="utf-8"))


class FakeClock:
    """Monotonic and wall time that only move when someone sleeps."""

    def __init__(self, wall_start: float = 1_750_000_000.0) -> None:
        self.elapsed = 0.0
        self.wall_start = wall_start
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.elapsed

    def time(self) -> float:
        return self.wall_start + self.elapsed

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.elapsed += max(seconds, 0.0)
