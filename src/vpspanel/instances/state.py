"""The one transition table of an instance's lifecycle.

Every customer action names the statuses it may start from and the transitional status the
instance shows while the action runs. `allowed_actions` and `is_transitional` are read from
this table, so the API, the UI and the service can never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from vpspanel.errors import InvalidState
from vpspanel.providers.types import InstanceStatus as Status


class Action(StrEnum):
    BOOT = "boot"
    SHUTDOWN = "shutdown"
    REBOOT = "reboot"
    REBUILD = "rebuild"
    RESIZE = "resize"
    DELETE = "delete"


@dataclass(frozen=True)
class Transition:
    sources: frozenset[Status]
    during: Status
    # The stable statuses the provider may report when the action is done.
    targets: frozenset[Status]


_UP_OR_DOWN = frozenset({Status.RUNNING, Status.STOPPED})

TRANSITIONS: dict[Action, Transition] = {
    Action.BOOT: Transition(
        frozenset({Status.STOPPED}), Status.STARTING, frozenset({Status.RUNNING})
    ),
    Action.SHUTDOWN: Transition(
        frozenset({Status.RUNNING}), Status.STOPPING, frozenset({Status.STOPPED})
    ),
    Action.REBOOT: Transition(
        frozenset({Status.RUNNING}), Status.REBOOTING, frozenset({Status.RUNNING})
    ),
    Action.REBUILD: Transition(_UP_OR_DOWN, Status.REBUILDING, _UP_OR_DOWN),
    Action.RESIZE: Transition(_UP_OR_DOWN, Status.RESIZING, _UP_OR_DOWN),
    # Deleting a server still being created cancels its create (see instances/tasks.py).
    Action.DELETE: Transition(
        frozenset(
            {Status.RUNNING, Status.STOPPED, Status.FAILED, Status.PENDING, Status.PROVISIONING}
        ),
        Status.DELETING,
        frozenset({Status.DELETED}),
    ),
}

# Creating is not a customer action on an existing instance, but it has the same shape.
CREATE = Transition(frozenset(), Status.PROVISIONING, frozenset({Status.RUNNING}))

# Where a delete cancels an unfinished create instead of deleting a made server.
CREATING: frozenset[Status] = frozenset({Status.PENDING, CREATE.during})
# Where a delete was already asked for: asking again changes nothing.
DELETE_REQUESTED: frozenset[Status] = frozenset({Status.DELETING, Status.DELETED})

# Statuses that end by themselves: the "during" status of every transition, the two
# creation steps, and `unknown` (a re-read resolves it).
TRANSITIONAL: frozenset[Status] = frozenset(
    {t.during for t in TRANSITIONS.values()} | {Status.PENDING, CREATE.during, Status.UNKNOWN}
)


# Statuses the provider imposes, where no action is offered: what the customer reads.
STATUS_DETAILS: dict[Status, str] = {
    Status.MAINTENANCE: (
        "The cloud provider is carrying out maintenance on this server's host. Actions are "
        "unavailable until it is finished; nothing is needed from you."
    ),
    Status.SUSPENDED: (
        "This server has been suspended by the cloud provider. Please contact support."
    ),
    Status.UNKNOWN: (
        "The state of this server could not be determined. Our team has been alerted; actions "
        "are unavailable until it is known again."
    ),
}


def status_detail(status: str) -> str | None:
    """Why no action is offered, in words a customer can read (None for ordinary statuses)."""
    return STATUS_DETAILS.get(Status(status))


def is_transitional(status: str) -> bool:
    return Status(status) in TRANSITIONAL


def allowed_actions(status: str) -> list[str]:
    current = Status(status)
    return [action.value for action, t in TRANSITIONS.items() if current in t.sources]


def begin(action: Action, status: str) -> Status:
    """The status to show while `action` runs; InvalidState (409) if it may not start now."""
    transition = TRANSITIONS[action]
    if Status(status) not in transition.sources:
        raise InvalidState(f"You cannot {action.value} a server that is {status}.")
    return transition.during
