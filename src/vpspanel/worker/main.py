"""Entry points for running the worker.

- In process (``vpspanel serve``): ``async with in_process_worker(state): ...`` around serving.
  The API and this worker share the process's sealing key, so they can run creates and
  rebuilds (operations that carry a root password).
- Standalone (``vpspanel worker``): ``main()``; runs until SIGINT/SIGTERM. It runs every
  operation except those whose password was sealed by another, still living, process.
- ``serve --no-worker`` should still use ``in_process_worker(state, sealed_only=True)``: only
  that process can unseal the passwords it accepted (docs/decisions/root-password-handoff.md).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import AsyncIterator
from datetime import timedelta

from vpspanel.config import Settings, get_settings
from vpspanel.db.engine import is_sqlite_url
from vpspanel.state import AppState
from vpspanel.worker.config import WorkerConfig
from vpspanel.worker.runner import run_worker

logger = logging.getLogger(__name__)
STOP_GRACE_SECONDS = 30.0


def default_config(settings: Settings, *, in_process: bool = False) -> WorkerConfig:
    """`serve` on SQLite runs the one and only worker (the database has one writer), so a
    password sealed by a process that is gone (a restart) is declared lost at once instead of
    after the grace period. Everywhere else a sealed operation waits for its sealer."""
    if in_process and is_sqlite_url(settings.database_url):
        return WorkerConfig(foreign_seal_grace=timedelta(0))
    return WorkerConfig()


@contextlib.asynccontextmanager
async def in_process_worker(
    state: AppState, *, sealed_only: bool = False, config: WorkerConfig | None = None
) -> AsyncIterator[asyncio.Task[None]]:
    """Run the worker as a task of the current event loop for the duration of the block."""
    stop = asyncio.Event()
    task = asyncio.create_task(
        run_worker(
            state,
            stop,
            config=config or default_config(state.settings, in_process=not sealed_only),
            sealed_only=sealed_only,
        ),
        name="vpspanel-worker",
    )
    try:
        yield task
    finally:
        stop.set()
        try:
            await asyncio.wait_for(task, timeout=STOP_GRACE_SECONDS)
        except TimeoutError:
            logger.warning("worker did not stop in time; its leases will lapse")


async def run_standalone(
    settings: Settings | None = None, *, config: WorkerConfig | None = None
) -> None:
    """The `vpspanel worker` process: run until SIGINT or SIGTERM."""
    settings = settings or get_settings()
    state = AppState.from_settings(settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    try:
        await run_worker(state, stop, config=config or default_config(settings))
    finally:
        await state.close()


def main() -> None:
    asyncio.run(run_standalone())
