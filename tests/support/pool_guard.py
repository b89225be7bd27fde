"""A suite-wide check that no asyncio task ever holds two pooled connections at once.

A request (or worker step) that keeps its connection while it checks out another deadlocks the
pool under load: once every connection is held by someone waiting for a second one, nobody
gets one until the pool timeout. One test with one client never shows it, so every test runs
under this guard (an autouse fixture in tests/conftest.py) and fails when it happens, naming
where the second connection was taken.

Connections are attributed to the task that checked them out; a connection checked out outside
a running task (setup code, threads) is not counted.
"""

from __future__ import annotations

import asyncio
import traceback
from collections import Counter
from typing import Any

import greenlet
from sqlalchemy import event
from sqlalchemy.pool import Pool


class PoolGuard:
    def __init__(self) -> None:
        self._owner: dict[int, asyncio.Task[Any]] = {}
        self._held: Counter[asyncio.Task[Any]] = Counter()
        self.violations: list[str] = []

    def install(self) -> None:
        event.listen(Pool, "checkout", self._on_checkout)
        event.listen(Pool, "checkin", self._on_checkin)

    def uninstall(self) -> None:
        event.remove(Pool, "checkout", self._on_checkout)
        event.remove(Pool, "checkin", self._on_checkin)

    def take_violations(self) -> list[str]:
        found, self.violations = self.violations, []
        return found

    def _on_checkout(self, _dbapi: Any, record: Any, _proxy: Any) -> None:
        try:
            task = asyncio.current_task()
        except RuntimeError:  # no running loop
            return
        if task is None:
            return
        self._owner[id(record)] = task
        self._held[task] += 1
        if self._held[task] > 1:
            stack = _calling_stack()
            self.violations.append(
                f"task {task.get_name()} holds {self._held[task]} connections at once; "
                f"the last was checked out at:\n{_our_frames(stack)}"
            )

    def _on_checkin(self, _dbapi: Any, record: Any) -> None:
        task = self._owner.pop(id(record), None)
        if task is None:
            return
        self._held[task] -= 1
        if self._held[task] <= 0:
            del self._held[task]


def _calling_stack() -> str:
    """The stack of the code that asked for the connection: SQLAlchemy runs the checkout in a
    greenlet whose parent holds the awaiting coroutine's frames."""
    current = greenlet.getcurrent()
    frame = current.parent.gr_frame if current.parent is not None else None
    return "".join(traceback.format_stack(frame) if frame else traceback.format_stack())


def _our_frames(stack: str) -> str:
    """The frames of vpspanel and its tests: the rest is SQLAlchemy and asyncio plumbing."""
    lines = stack.splitlines()
    kept: list[str] = []
    for index, line in enumerate(lines):
        if (
            line.startswith('  File "')
            and "site-packages" not in line
            and ("/vpspanel/" in line or "/tests/" in line)
        ):
            kept.append(line)
            if index + 1 < len(lines) and not lines[index + 1].startswith('  File "'):
                kept.append(lines[index + 1])
    return "\n".join(kept) or stack
