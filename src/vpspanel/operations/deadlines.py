"""How long each type of operation may take before it ends as failed: the worker's deadlines
(`worker.config.WorkerConfig` starts from these) and the expiry of a sealed root password,
which never outlives its operation."""

from __future__ import annotations

from datetime import timedelta

DEFAULT_TIMEOUT = timedelta(minutes=15)


def default_timeouts() -> dict[str, timedelta]:
    """Operation type -> its deadline, for the types that differ from `DEFAULT_TIMEOUT`."""
    return {
        "create": timedelta(minutes=20),
        "rebuild": timedelta(minutes=20),
        "resize": timedelta(minutes=30),
        "delete": timedelta(minutes=10),
    }


def timeout_for(operation_type: str) -> timedelta:
    """The default deadline of `operation_type`, counted from its acceptance."""
    return default_timeouts().get(operation_type, DEFAULT_TIMEOUT)
