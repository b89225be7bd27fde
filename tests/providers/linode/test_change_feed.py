"""The Linode change feed (`GET /account/events`) and full listings, against respx with events
shaped like the official SDK's recorded one."""

from __future__ import annotations

import json
import math
from typing import Any

import httpx
import pytest
import respx

from tests.providers.linode.test_driver import BASE, linode, make_driver
from tests.providers.support import FakeClock, linode_fixture
from vpspanel.providers.errors import ProviderAuthError
from vpspanel.providers.feeds import FeedCursor
from vpspanel.providers.linode.client import PAGE_SIZE
from vpspanel.providers.linode.driver import FEED_MAX_PAGES
from vpspanel.providers.types import ChangeKind

EVENTS = f"{BASE}/account/events"


def event(id: int, action: str, linode_id: int | None = 7, status: str = "finished") -> dict:  # type: ignore[type-arg]
    """The SDK's recorded event (a ticket event) turned into one about a Linode."""
    item = dict(linode_fixture("account_events_123.json"))
    item.update(id=id, action=action, status=status)
    if linode_id is not None:
        item["entity"] = {
            "id": linode_id,
            "label": "web-1",
            "type": "linode",
            "url": f"/v4/linode/instances/{linode_id}",
        }
    return item


def page(items: list[dict[str, Any]], pages: int = 1, number: int = 1) -> dict[str, Any]:
    return {"data": items, "page": number, "pages": pages, "results": len(items)}


def cursor(last_id: int, open_ids: tuple[int, ...] = (), at: float = 1_750_000_000.0) -> str:
    return FeedCursor(last_id=last_id, open_ids=open_ids, read_at_s=at).encode()


def sent_filter(route: respx.Route, call: int = -1) -> dict[str, Any]:
    value: dict[str, Any] = json.loads(route.calls[call].request.headers["X-Filter"])
    return value


class TestLinodeChangeFeed:
    @respx.mock
    async def test_starting_reads_the_newest_event_once_and_reports_a_gap(self) -> None:
        route = respx.get(EVENTS).respond(200, json=page([event(900, "linode_boot")]))
        batch = await make_driver().list_changes_since(None)
        assert route.call_count == 1
        assert sent_filter(route) == {"+order_by": "id", "+order": "desc"}
        assert batch.gap and batch.changes == []
        assert FeedCursor.decode(batch.next_cursor).last_id == 900  # type: ignore[union-attr]

    @respx.mock
    async def test_nothing_new_costs_one_request(self) -> None:
        route = respx.get(EVENTS).respond(200, json=page([]))
        batch = await make_driver().list_changes_since(cursor(900))
        assert route.call_count == 1
        assert sent_filter(route) == {"id": {"+gt": 900}, "+order_by": "id", "+order": "desc"}
        assert route.calls.last.request.url.params["page_size"] == str(PAGE_SIZE)
        assert not batch.gap and batch.changes == []
        assert FeedCursor.decode(batch.next_cursor).last_id == 900  # type: ignore[union-attr]

    @respx.mock
    async def test_events_about_linodes_become_changes_oldest_first(self) -> None:
        ticket = dict(linode_fixture("account_events_123.json"), id=903)  # about a ticket
        respx.get(EVENTS).respond(
            200,
            json=page(
                [
                    ticket,
                    event(902, "linode_delete", linode_id=8),
                    event(901, "linode_shutdown", linode_id=7),
                ]
            ),
        )
        batch = await make_driver().list_changes_since(cursor(900))
        assert [(c.provider_instance_id, c.kind, c.provider_action) for c in batch.changes] == [
            ("7", ChangeKind.POWER, "linode_shutdown"),
            ("8", ChangeKind.DELETED, "linode_delete"),
        ]
        assert batch.changes[0].at is not None and batch.changes[0].at.tzinfo is not None
        assert batch.instance_ids == ["7", "8"]
        assert FeedCursor.decode(batch.next_cursor).last_id == 903  # type: ignore[union-attr]

    @respx.mock
    async def test_disk_and_backup_events_are_about_their_linode(self) -> None:
        restore = event(901, "backups_restore", linode_id=9)
        restore["entity"] = {**restore["entity"], "type": "backups"}
        resize = event(902, "disk_resize", linode_id=9)
        resize["entity"] = {**resize["entity"], "type": "disks"}
        respx.get(EVENTS).respond(200, json=page([resize, restore]))
        batch = await make_driver().list_changes_since(cursor(900))
        assert [(c.provider_instance_id, c.kind) for c in batch.changes] == [
            ("9", ChangeKind.REBUILT),
            ("9", ChangeKind.OTHER),
        ]

    @respx.mock
    async def test_an_event_in_progress_is_followed_until_it_ends(self) -> None:
        route = respx.get(EVENTS)
        route.side_effect = [
            httpx.Response(200, json=page([event(901, "linode_resize", status="started")])),
            httpx.Response(200, json=page([event(901, "linode_resize", status="started")])),
            httpx.Response(200, json=page([event(901, "linode_resize", status="finished")])),
            httpx.Response(200, json=page([])),
        ]
        driver = make_driver()
        first = await driver.list_changes_since(cursor(900))
        assert [(c.kind, c.finished) for c in first.changes] == [(ChangeKind.RESIZED, False)]
        again = await driver.list_changes_since(first.next_cursor)
        assert sent_filter(route) == {
            "+or": [{"id": {"+gt": 901}}, {"id": 901}],
            "+order_by": "id",
            "+order": "desc",
        }
        assert again.changes == []  # still going: nothing to re-read yet
        ended = await driver.list_changes_since(again.next_cursor)
        assert [(c.provider_instance_id, c.finished) for c in ended.changes] == [("7", True)]
        await driver.list_changes_since(ended.next_cursor)
        assert sent_filter(route) == {"id": {"+gt": 901}, "+order_by": "id", "+order": "desc"}
        assert route.call_count == 4

    @respx.mock
    async def test_every_page_is_read_up_to_the_bound(self) -> None:
        route = respx.get(EVENTS)
        route.side_effect = [
            httpx.Response(200, json=page([event(903, "linode_boot")], pages=2)),
            httpx.Response(200, json=page([event(902, "linode_reboot")], pages=2, number=2)),
        ]
        batch = await make_driver().list_changes_since(cursor(900))
        assert [c.provider_action for c in batch.changes] == ["linode_reboot", "linode_boot"]
        assert [c.request.url.params["page"] for c in route.calls] == ["1", "2"]
        assert not batch.gap

    @respx.mock
    async def test_too_many_events_is_a_gap_after_one_request(self) -> None:
        route = respx.get(EVENTS).respond(
            200, json=page([event(5000, "linode_boot")], pages=FEED_MAX_PAGES + 1)
        )
        batch = await make_driver().list_changes_since(cursor(900))
        assert route.call_count == 1
        assert batch.gap and "more than" in (batch.gap_reason or "")
        assert FeedCursor.decode(batch.next_cursor).last_id == 5000  # type: ignore[union-attr]

    @respx.mock
    async def test_a_cursor_older_than_linode_keeps_events_is_a_gap(self) -> None:
        respx.get(EVENTS).respond(200, json=page([event(950, "linode_boot")]))
        clock = FakeClock()
        old = cursor(900, at=clock.time() - 91 * 86_400)
        batch = await make_driver(clock).list_changes_since(old)
        assert batch.gap and "90 days" in (batch.gap_reason or "")
        assert batch.changes == []
        assert FeedCursor.decode(batch.next_cursor).last_id == 950  # type: ignore[union-attr]

    @respx.mock
    async def test_a_garbled_cursor_starts_again(self) -> None:
        respx.get(EVENTS).respond(200, json=page([event(950, "linode_boot")]))
        batch = await make_driver().list_changes_since("not a cursor")
        assert batch.gap and FeedCursor.decode(batch.next_cursor).last_id == 950  # type: ignore[union-attr]

    @respx.mock
    async def test_an_unreadable_feed_is_a_gap_that_keeps_the_cursor(self) -> None:
        respx.get(EVENTS).respond(503, json={"errors": [{"reason": "Service Unavailable"}]})
        before = cursor(900)
        batch = await make_driver().list_changes_since(before)
        assert batch.gap and "not readable" in (batch.gap_reason or "")
        assert batch.next_cursor == before

    @respx.mock
    async def test_a_key_without_the_events_scope_is_a_gap(self) -> None:
        respx.get(EVENTS).respond(
            401,
            json={
                "errors": [{"reason": "Your OAuth token is not authorized to use this endpoint."}]
            },
        )
        batch = await make_driver().list_changes_since(cursor(900))
        assert batch.gap and batch.next_cursor == cursor(900)

    @respx.mock
    async def test_a_rejected_key_is_raised(self) -> None:
        respx.get(EVENTS).respond(401, json={"errors": [{"reason": "Invalid Token"}]})
        with pytest.raises(ProviderAuthError):
            await make_driver().list_changes_since(cursor(900))


class TestLinodeFullListing:
    @pytest.mark.parametrize("count", [1, PAGE_SIZE, PAGE_SIZE + 1, 2 * PAGE_SIZE + 1])
    @respx.mock
    async def test_n_servers_cost_n_over_the_largest_page_size_requests(self, count: int) -> None:
        pages = math.ceil(count / PAGE_SIZE)
        items = [linode(id=i + 1, tags=["vpspanel"]) for i in range(count)]

        def answer(request: httpx.Request) -> httpx.Response:
            number = int(request.url.params["page"])
            size = int(request.url.params["page_size"])
            chunk = items[(number - 1) * size : number * size]
            return httpx.Response(
                200, json={"data": chunk, "page": number, "pages": pages, "results": count}
            )

        route = respx.get(f"{BASE}/linode/instances").mock(side_effect=answer)
        instances = await make_driver().list_instances()
        assert len(instances) == count
        assert route.call_count == pages
        assert {c.request.url.params["page_size"] for c in route.calls} == {"500"}
