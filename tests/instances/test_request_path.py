"""What reading servers asks of the database: one session, one transaction, and only the
statements whose answers are used (issue 11, item 8). A regression here costs throughput."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import fastapi.dependencies.utils
import fastapi.routing
import pytest
from httpx import AsyncClient

from tests.db_counts import DatabaseUse, counting
from tests.factories import seed_running_servers, signed_in_headers
from vpspanel.instances.schemas import InstanceEnvelope, InstanceList
from vpspanel.state import AppState

SERVERS = 3


async def counted_get(
    state: AppState, client: AsyncClient, path: str, headers: dict[str, str]
) -> tuple[dict[str, object], DatabaseUse]:
    # The first request may record the session's use (at most once a minute): a separate write.
    assert (await client.get(path, headers=headers)).status_code == 200
    with counting(state.engine) as use:
        response = await client.get(path, headers=headers)
    assert response.status_code == 200, response.text
    return response.json(), use


class TestReadingServersCosts:
    async def test_the_list_is_one_session_one_transaction_two_statements(
        self, state: AppState, client: AsyncClient
    ) -> None:
        headers, _, organization = await signed_in_headers(state, client)
        ids = await seed_running_servers(state, organization, SERVERS)
        body, use = await counted_get(state, client, "/api/vps?per_page=50", headers)
        assert [item["id"] for item in body["instances"]] == [str(i) for i in ids]  # type: ignore[index]
        assert body["instances"][0]["plan"]["name"] == "Standard 1GB"  # type: ignore[index]
        assert body["total"] == SERVERS
        # The session with its user and their organizations; the page with plan names, account
        # types and the count.
        assert (use.sessions, use.transactions, len(use.statements)) == (1, 1, 2), use.statements

    async def test_a_page_past_the_end_still_counts_the_servers(
        self, state: AppState, client: AsyncClient
    ) -> None:
        headers, _, organization = await signed_in_headers(state, client)
        ids = await seed_running_servers(state, organization, SERVERS)
        body, _ = await counted_get(state, client, "/api/vps?per_page=2&page=2", headers)
        assert [item["id"] for item in body["instances"]] == [str(ids[2])]  # type: ignore[index]
        assert body["total"] == SERVERS
        body, use = await counted_get(state, client, "/api/vps?per_page=2&page=3", headers)
        assert (body["instances"], body["total"]) == ([], SERVERS)
        # An empty page cannot carry the count: it is read on its own.
        assert len(use.statements) == 3, use.statements

    async def test_me_reads_the_organizations_with_the_session(
        self, state: AppState, client: AsyncClient
    ) -> None:
        headers, _, organization = await signed_in_headers(state, client)
        body, use = await counted_get(state, client, "/api/auth/me", headers)
        assert [item["id"] for item in body["organizations"]] == [str(organization.id)]  # type: ignore[index]
        assert (use.sessions, use.transactions, len(use.statements)) == (1, 1, 1), use.statements

    async def test_one_server_is_one_session_one_transaction_two_statements(
        self, state: AppState, client: AsyncClient
    ) -> None:
        headers, _, organization = await signed_in_headers(state, client)
        ids = await seed_running_servers(state, organization, SERVERS)
        body, use = await counted_get(state, client, f"/api/vps/{ids[1]}", headers)
        assert body["instance"]["label"] == "web1"  # type: ignore[index]
        assert body["instance"]["capabilities"]["rebuild_sets_credentials"] is True  # type: ignore[index]
        # The session with its user and their organizations; the server with its plan and
        # account.
        assert (use.sessions, use.transactions, len(use.statements)) == (1, 1, 2), use.statements

    async def test_a_recorded_use_is_its_own_short_write_and_the_answer_still_reads(
        self, state: AppState, client: AsyncClient
    ) -> None:
        headers, _, organization = await signed_in_headers(state, client)
        ids = await seed_running_servers(state, organization, SERVERS)
        clock = state.clock
        state.clock = lambda: clock() + timedelta(minutes=2)  # the use is due again
        try:
            with counting(state.engine) as use:
                response = await client.get(f"/api/vps/{ids[0]}", headers=headers)
        finally:
            state.clock = clock
        assert response.status_code == 200, response.text
        # The read session ends its transaction before the write (never two connections at
        # once), then reads on in a new one; the UPDATE is the one statement more, and the read
        # session writes nothing.
        assert (use.sessions, use.transactions, len(use.statements)) == (2, 3, 3), use.statements


async def test_the_list_and_one_server_are_exactly_what_their_models_write(
    state: AppState, client: AsyncClient
) -> None:
    """Both answers are written from plain values (`web.answers`): they must be the bytes the
    declared response models would write, field for field and in the same encoding."""
    headers, _, organization = await signed_in_headers(state, client)
    ids = await seed_running_servers(state, organization, SERVERS)
    for path, model in (
        ("/api/vps?per_page=2&page=2", InstanceList),
        (f"/api/vps/{ids[1]}", InstanceEnvelope),
    ):
        response = await client.get(path, headers=headers)
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == "application/json"
        assert (
            response.content
            == model.model_validate_json(response.content).model_dump_json(round_trip=True).encode()
        )
    listed = (await client.get("/api/vps", headers=headers)).json()["instances"][0]
    assert listed["created_at"].endswith("Z")
    # A row recorded without its public region id (before it was) still shows one, from its
    # label, never the provider's `us-east`.
    assert listed["region"] == {"id": "newark-nj", "label": "Newark, NJ"}


async def test_reading_servers_runs_nothing_on_a_worker_thread(
    state: AppState, client: AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """FastAPI runs a plain `def` dependency or endpoint on a thread of its pool: a thread hop
    (two event-loop wake-ups) on every request, for nothing when the function does no I/O."""
    on_threads: list[str] = []

    def recording(original: Callable[..., Any]) -> Callable[..., Any]:
        async def run_in_threadpool(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
            on_threads.append(getattr(func, "__qualname__", repr(func)))
            return await original(func, *args, **kwargs)

        return run_in_threadpool

    for module in (fastapi.dependencies.utils, fastapi.routing):
        monkeypatch.setattr(module, "run_in_threadpool", recording(module.run_in_threadpool))
    headers, _, organization = await signed_in_headers(state, client)
    ids = await seed_running_servers(state, organization, SERVERS)
    for path in ("/api/vps", f"/api/vps/{ids[0]}", "/api/auth/me", "/api/health"):
        assert (await client.get(path, headers=headers)).status_code == 200
    assert on_threads == []
