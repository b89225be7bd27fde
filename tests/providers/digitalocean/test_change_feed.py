"""The DigitalOcean change feed (`GET /actions`, read back to the last action seen) and full
listings, against respx with actions shaped like the official document's example."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

import httpx
import pytest
import respx

from tests.providers.digitalocean.test_driver import BASE, droplet, make_driver
from tests.providers.support import do_yaml
from vpspanel.providers.digitalocean.client import PER_PAGE
from vpspanel.providers.digitalocean.driver import FEED_MAX_PAGES
from vpspanel.providers.errors import ProviderAuthError
from vpspanel.providers.feeds import FeedCursor
from vpspanel.providers.types import ChangeKind

ACTIONS = f"{BASE}/actions"


def action(
    id: int, kind: str, droplet_id: int | None = 7, status: str = "completed"
) -> dict[str, Any]:
    """The document's example droplet action with another id, type, droplet and status."""
    example = do_yaml("resources/droplets/responses/all_droplet_actions.yml")
    item = dict(example["content"]["application/json"]["example"]["actions"][0])
    for key in ("started_at", "completed_at"):  # YAML reads the example's times as datetimes
        if isinstance(item[key], datetime):
            item[key] = item[key].strftime("%Y-%m-%dT%H:%M:%SZ")
    item.update(id=id, type=kind, status=status, resource_id=droplet_id)
    if droplet_id is None:
        item.update(resource_type="image")
    return item


def page(items: list[dict[str, Any]], next_page: int | None = None) -> dict[str, Any]:
    links = {"pages": {"next": f"{ACTIONS}?page={next_page}&per_page=200"}} if next_page else {}
    return {"actions": items, "links": links, "meta": {"total": 1000}}


def cursor(last_id: int, open_ids: tuple[int, ...] = ()) -> str:
    return FeedCursor(last_id=last_id, open_ids=open_ids, read_at_s=1_750_000_000.0).encode()


def last_id(text: str | None) -> int:
    decoded = FeedCursor.decode(text)
    assert decoded is not None
    return decoded.last_id


class TestDigitalOceanChangeFeed:
    @respx.mock
    async def test_starting_reads_one_action_and_reports_a_gap(self) -> None:
        route = respx.get(ACTIONS).respond(200, json=page([action(900, "reboot")], next_page=2))
        batch = await make_driver().list_changes_since(None)
        assert route.call_count == 1
        assert route.calls.last.request.url.params["per_page"] == "1"
        assert batch.gap and batch.changes == [] and last_id(batch.next_cursor) == 900

    @pytest.mark.parametrize("resource_type", ["reserved_ip", "floating_ip"])
    @respx.mock
    async def test_a_reserved_ip_action_is_a_gap_once(self, resource_type: str) -> None:
        example = do_yaml("resources/reserved_ips/responses/reserved_ip_action.yml")
        assigned = dict(example["content"]["application/json"]["schema"]["example"]["action"])
        for key in ("started_at", "completed_at"):
            if isinstance(assigned[key], datetime):
                assigned[key] = assigned[key].strftime("%Y-%m-%dT%H:%M:%SZ")
        assigned.update(id=901, resource_type=resource_type)
        respx.get(ACTIONS).respond(200, json=page([assigned, action(900, "reboot")]))

        batch = await make_driver().list_changes_since(cursor(900))

        # It names an address, not a droplet: only a sweep shows whose address it is.
        assert batch.gap and batch.changes == [] and last_id(batch.next_cursor) == 901
        assert batch.gap_reason == "a reserved IP was assigned or unassigned"
        again = await make_driver().list_changes_since(batch.next_cursor)
        assert not again.gap  # read once: the next poll does not sweep again

    @respx.mock
    async def test_nothing_new_costs_one_request(self) -> None:
        route = respx.get(ACTIONS).respond(
            200, json=page([action(900, "reboot"), action(899, "create")], next_page=2)
        )
        batch = await make_driver().list_changes_since(cursor(900))
        assert route.call_count == 1
        assert route.calls.last.request.url.params["per_page"] == str(PER_PAGE)
        assert not batch.gap and batch.changes == [] and last_id(batch.next_cursor) == 900

    @respx.mock
    async def test_reads_back_page_by_page_to_the_last_action_seen(self) -> None:
        route = respx.get(ACTIONS)
        route.side_effect = [
            httpx.Response(
                200,
                json=page([action(905, "destroy", 8), action(904, "snapshot", None)], next_page=2),
            ),
            httpx.Response(
                200, json=page([action(903, "power_off"), action(900, "create")], next_page=3)
            ),
        ]
        batch = await make_driver().list_changes_since(cursor(900))
        assert route.call_count == 2
        assert [(c.provider_instance_id, c.kind, c.provider_action) for c in batch.changes] == [
            ("7", ChangeKind.POWER, "power_off"),
            ("8", ChangeKind.DELETED, "destroy"),
        ]
        assert last_id(batch.next_cursor) == 905

    @respx.mock
    async def test_an_action_in_progress_is_reported_again_when_it_completes(self) -> None:
        route = respx.get(ACTIONS)
        seen = action(900, "create")
        route.side_effect = [
            httpx.Response(200, json=page([action(901, "resize", status=status), seen], 2))
            for status in ("in-progress", "in-progress", "completed")
        ]
        driver = make_driver()
        first = await driver.list_changes_since(cursor(900))
        assert [(c.kind, c.finished) for c in first.changes] == [(ChangeKind.RESIZED, False)]
        again = await driver.list_changes_since(first.next_cursor)
        assert again.changes == []
        ended = await driver.list_changes_since(again.next_cursor)
        assert [(c.provider_instance_id, c.finished) for c in ended.changes] == [("7", True)]
        assert route.call_count == 3

    @respx.mock
    async def test_more_than_the_bound_is_a_gap(self) -> None:
        route = respx.get(ACTIONS)
        route.side_effect = [
            httpx.Response(200, json=page([action(5000 - n, "reboot")], next_page=n + 2))
            for n in range(FEED_MAX_PAGES)
        ]
        batch = await make_driver().list_changes_since(cursor(900))
        assert route.call_count == FEED_MAX_PAGES
        assert batch.gap and "more than" in (batch.gap_reason or "")
        assert last_id(batch.next_cursor) == 5000

    @respx.mock
    async def test_an_action_in_progress_beyond_the_bound_is_dropped_not_a_gap(self) -> None:
        route = respx.get(ACTIONS)
        route.side_effect = [
            httpx.Response(200, json=page([action(1000 - n, "reboot")], next_page=n + 2))
            for n in range(FEED_MAX_PAGES)
        ]
        stuck = cursor(1000, open_ids=(100,))
        batch = await make_driver().list_changes_since(stuck)
        assert route.call_count == FEED_MAX_PAGES
        assert not batch.gap and batch.changes == []
        assert FeedCursor.decode(batch.next_cursor).open_ids == ()  # type: ignore[union-attr]

    @respx.mock
    async def test_a_feed_not_ordered_newest_first_is_a_gap(self) -> None:
        respx.get(ACTIONS).respond(
            200, json=page([action(899, "create"), action(905, "reboot")], next_page=2)
        )
        batch = await make_driver().list_changes_since(cursor(900))
        assert batch.gap and "newest first" in (batch.gap_reason or "")
        assert batch.next_cursor == cursor(900)

    @respx.mock
    async def test_an_unreadable_feed_is_a_gap_that_keeps_the_cursor(self) -> None:
        respx.get(ACTIONS).respond(403, json={"id": "forbidden", "message": "no actions:read"})
        batch = await make_driver().list_changes_since(cursor(900))
        assert batch.gap and batch.next_cursor == cursor(900)

    @respx.mock
    async def test_a_rejected_key_is_raised(self) -> None:
        respx.get(ACTIONS).respond(401, json={"id": "unauthorized", "message": "bad"})
        with pytest.raises(ProviderAuthError):
            await make_driver().list_changes_since(cursor(900))


class TestDigitalOceanFullListing:
    @pytest.mark.parametrize("count", [1, PER_PAGE, PER_PAGE + 1, 2 * PER_PAGE + 1])
    @respx.mock
    async def test_n_servers_cost_n_over_the_largest_page_size_requests(self, count: int) -> None:
        last = math.ceil(count / PER_PAGE)
        items = [droplet(id=i + 1, status="active") for i in range(count)]

        def answer(request: httpx.Request) -> httpx.Response:
            number = int(request.url.params["page"])
            size = int(request.url.params["per_page"])
            pages = {"next": f"{BASE}/droplets?page={number + 1}"} if number < last else {}
            body = {
                "droplets": items[(number - 1) * size : number * size],
                "links": {"pages": pages},
                "meta": {"total": count},
            }
            return httpx.Response(200, json=body)

        route = respx.get(f"{BASE}/droplets").mock(side_effect=answer)
        assert len(await make_driver().list_instances()) == count
        assert route.call_count == last
        assert {c.request.url.params["per_page"] for c in route.calls} == {"200"}
