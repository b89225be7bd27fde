"""Keep a simulator's clouds on disk, so the demo survives a restart.

`vpspanel serve --demo` keeps the servers it made in its database; without this the built-in
simulator would start empty and every one of them would "no longer exist". `SimulatorSnapshots`
writes the simulator's accounts (instances, events, actions, SSH keys), its id counters and its
settings to one JSON file — atomically (a temporary file renamed over the old one), whenever the
state changed (checked every `interval_seconds`) and at shutdown — and loads it on start.

A lifecycle in flight when the snapshot is taken is written as finished (its final status, or the
instance left out if it was being deleted; its event or action completed): transitions hold
callbacks that cannot be stored, and a restart takes longer than any simulated lifecycle anyway.
Injected faults and request counters are not kept: they belong to one test session.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import os
import tempfile
from dataclasses import asdict
from pathlib import Path
from typing import Any

import structlog

from vpspanel.simulator.settings import SimulatorSettings
from vpspanel.simulator.state import (
    Account,
    DropletAction,
    Instance,
    LinodeEvent,
    SimulatorState,
    SshKey,
)

log = structlog.get_logger(__name__)

FORMAT_VERSION = 1
JSON = dict[str, Any]


def snapshot(state: SimulatorState) -> JSON:
    """The state as plain JSON (see the module docstring for what is kept)."""
    with state.lock:
        now = state.clock.now()
        return {
            "format": FORMAT_VERSION,
            "saved_at": now,
            "next_ids": _peek_ids(state),
            "settings": state.settings.model_dump(mode="json"),
            "accounts": [_account(account, now) for account in state.accounts.values()],
        }


def _peek_ids(state: SimulatorState) -> dict[str, int]:
    # itertools.count cannot be read without advancing: take the next value and start again there.
    next_ids: dict[str, int] = {}
    for kind, counter in state._ids.items():
        value = next(counter)
        state._ids[kind] = itertools.count(value)
        next_ids[kind] = value
    return next_ids


def _account(account: Account, now: float) -> JSON:
    instances = []
    for instance in account.instances.values():
        settled = _settled(instance)
        if settled is not None:
            instances.append(settled)
    return {
        "provider": account.provider,
        "token": account.token,
        "uid": account.uid,
        "instances": instances,
        "events": [
            {**asdict(event), "finished": event.finished or min(event.expected_end, now)}
            for event in account.events
        ],
        "actions": [
            {**asdict(action), "completed": action.completed or now}
            for action in account.actions.values()
        ],
        "ssh_keys": [asdict(key) for key in account.ssh_keys.values()],
    }


def _settled(instance: Instance) -> JSON | None:
    if instance.gone:
        return None
    status = instance.status
    if instance.transition is not None:
        if instance.transition.final_status is None:
            return None
        status = instance.transition.final_status
    fields = {
        name: getattr(instance, name)
        for name in ("id", "provider", "token", "name", "type", "region", "image", "tags")
    }
    return {
        **fields,
        "status": status,
        "created": instance.created,
        "updated": instance.updated,
        "attrs": instance.attrs,
    }


def restore(state: SimulatorState, data: JSON) -> None:
    """Replace `state`'s accounts, counters and settings with a `snapshot()`."""
    if data.get("format") != FORMAT_VERSION:
        raise ValueError(f"unknown simulator snapshot format {data.get('format')!r}")
    with state.lock:
        state.reset()
        state.settings = SimulatorSettings.model_validate(data["settings"])
        for kind, value in data["next_ids"].items():
            if kind in state._ids:
                state._ids[kind] = itertools.count(int(value))
        for saved in data["accounts"]:
            account = Account(provider=saved["provider"], token=saved["token"], uid=saved["uid"])
            for item in saved["instances"]:
                instance = Instance(**item)
                account.instances[instance.id] = instance
            account.events = [LinodeEvent(**item) for item in saved["events"]]
            account.actions = {item["id"]: DropletAction(**item) for item in saved["actions"]}
            account.ssh_keys = {item["id"]: SshKey(**item) for item in saved["ssh_keys"]}
            state.accounts[(account.provider, account.token)] = account


def write_atomically(path: Path, text: str) -> None:
    """Write `text` to `path` so a reader (or a crash) sees the old file or the new, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(prefix=path.name, suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


class SimulatorSnapshots:
    """Loads `path` into a simulator on start and keeps it up to date while running."""

    def __init__(self, state: SimulatorState, path: Path, interval_seconds: float = 2.0) -> None:
        self.state = state
        self.path = path
        self.interval_seconds = interval_seconds
        self._written: str | None = None

    def load(self) -> bool:
        """Load the saved state, if any; True when something was loaded. A file that cannot be
        read is set aside (`.unreadable`) and the simulator starts empty."""
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return False
        try:
            restore(self.state, json.loads(text))
        except (ValueError, KeyError, TypeError) as exc:
            aside = self.path.with_name(self.path.name + ".unreadable")
            os.replace(self.path, aside)
            log.warning("simulator_state_unreadable", path=str(self.path), error=str(exc))
            return False
        self._written = self._serialized()
        log.info("simulator_state_loaded", path=str(self.path))
        return True

    def _serialized(self) -> str:
        data = snapshot(self.state)
        data.pop("saved_at")  # so an unchanged state serializes the same
        return json.dumps(data, sort_keys=True, indent=1)

    def save(self) -> bool:
        """Write the state if it changed since the last write; True when written."""
        text = self._serialized()
        if text == self._written:
            return False
        write_atomically(self.path, text)
        self._written = text
        return True

    async def keep_saved(self) -> None:
        """Save every `interval_seconds` when something changed; run as a task, cancel to stop
        (then call `save()` once more)."""
        while True:
            await asyncio.sleep(self.interval_seconds)
            try:
                await asyncio.to_thread(self.save)
            except OSError as exc:
                log.warning("simulator_state_not_saved", path=str(self.path), error=str(exc))
