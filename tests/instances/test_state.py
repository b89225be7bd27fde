"""The one transition table."""

from __future__ import annotations

import pytest

from vpspanel.errors import InvalidState
from vpspanel.instances.state import (
    TRANSITIONAL,
    TRANSITIONS,
    Action,
    allowed_actions,
    begin,
    is_transitional,
    status_detail,
)
from vpspanel.providers.types import InstanceStatus as Status


class TestTransitionTable:
    def test_running_allows_everything_but_boot(self) -> None:
        assert allowed_actions("running") == ["shutdown", "reboot", "rebuild", "resize", "delete"]

    def test_stopped_allows_boot_rebuild_resize_delete(self) -> None:
        assert allowed_actions("stopped") == ["boot", "rebuild", "resize", "delete"]

    def test_failed_can_only_be_deleted(self) -> None:
        assert allowed_actions("failed") == ["delete"]

    @pytest.mark.parametrize(
        "status", sorted((TRANSITIONAL - {Status.PENDING, Status.PROVISIONING}) | {Status.DELETED})
    )
    def test_changing_and_deleted_servers_allow_nothing(self, status: Status) -> None:
        assert allowed_actions(status) == []

    @pytest.mark.parametrize("status", [Status.PENDING, Status.PROVISIONING])
    def test_a_server_being_created_can_be_deleted(self, status: Status) -> None:
        assert allowed_actions(status) == ["delete"]

    def test_stable_statuses_are_the_four_ends_and_the_provider_holds(self) -> None:
        stable = {status for status in Status if not is_transitional(status)}
        assert stable == {
            Status.RUNNING,
            Status.STOPPED,
            Status.DELETED,
            Status.FAILED,
            Status.MAINTENANCE,
            Status.SUSPENDED,
        }
        # `unknown` is recorded as seen (never waited out by the worker), yet the API calls it
        # transitional so that lists keep refreshing until it is known again.
        assert stable | {Status.UNKNOWN} == {s for s in Status if not s.is_transitional}

    @pytest.mark.parametrize("status", ["maintenance", "suspended", "unknown"])
    def test_provider_holds_and_unknown_allow_nothing_and_say_why(self, status: str) -> None:
        assert allowed_actions(status) == []
        assert status_detail(status)
        with pytest.raises(InvalidState):
            begin(Action.BOOT, status)

    def test_begin_returns_the_transitional_status(self) -> None:
        assert begin(Action.REBOOT, "running") is Status.REBOOTING
        assert all(is_transitional(t.during) for t in TRANSITIONS.values())

    def test_begin_refuses_an_action_the_table_does_not_allow(self) -> None:
        with pytest.raises(InvalidState):
            begin(Action.BOOT, "running")
