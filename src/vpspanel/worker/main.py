"""Entry points for running the worker.

- In process (``vpspanel serve``): ``async with in_process_worker(state): ...`` around serving.
- Standalone (``vpspanel worker``): ``main()``; runs until SIGINT/SIGTERM.

Either runs every operation type, creates and rebuilds included: a root password is sealed with
the application's key ring, which every process holds (docs/decisions/root-password-handoff.md).
``serve --no-worker`` runs no worker at all, so it makes no provider writes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import AsyncIterator

from vpspanel.config import Settings, get_settings
from vpspanel.logging import configure_logging
from vpspanel.state import AppState
from vpspanel.worker.config import WorkerConfig
from vpspanel.worker.runner import run_worker

logger = logging.getLogger(__name__)
STOP_GRACE_SECONDS = 30.0


@contextlib.asynccontextmanager
async def in_process_worker(
    state: AppState, *, config: WorkerConfig | None = None
) -> AsyncIterator[asyncio.Task[None]]:
    """Run the worker as a task of the current event loop for the duration of the block."""
    stop = asyncio.Event()
    task = asyncio.create_task(
        run_worker(state, stop, config=config or WorkerConfig()), name="vpspanel-worker"
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
    # Structured logs, as `serve` writes them: what it claims, finishes and sweeps, at INFO.
    configure_logging(json=settings.log_json, level=settings.log_level)
    state = AppState.from_settings(settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    try:
        await run_worker(state, stop, config=config or WorkerConfig())
    finally:
        await state.close()


def main() -> None:
    asyncio.run(run_standalone())
