"""Deploy and rebuild resolve the plan and its images before their write transaction starts:
with a cold image cache, the provider is asked while no write transaction is open anywhere
(on SQLite a write transaction holds the database's only write lock)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy import delete, event

from tests.factories import running_instance, signed_in_headers
from tests.instances.support import create_offer, deploy_body, pick_image, rebuild_body
from vpspanel.db.engine import READ_ONLY_OPTION
from vpspanel.provider_accounts.models import ServiceProvider, UpstreamCatalogCache
from vpspanel.simulator.testing import SimulatorServer
from vpspanel.state import AppState
from vpspanel.worker.runner import Worker


class WriteTransactions:
    """The engine's write transactions open right now (read-only sessions are not counted)."""

    def __init__(self) -> None:
        self.open: set[int] = set()

    def on_begin(self, connection: Any) -> None:
        if not connection.get_execution_options().get(READ_ONLY_OPTION, False):
            self.open.add(id(connection))

    def on_end(self, connection: Any) -> None:
        self.open.discard(id(connection))


class SpyProvider:
    """A driver whose every call records whether a write transaction was open meanwhile."""

    def __init__(self, inner: Any, writes: WriteTransactions, calls: list[tuple[str, int]]):
        self._inner = inner
        self._writes = writes
        self._calls = calls

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._inner, name)
        if not asyncio.iscoroutinefunction(attribute):
            return attribute

        async def call(*args: Any, **kwargs: Any) -> Any:
            self._calls.append((name, len(self._writes.open)))
            return await attribute(*args, **kwargs)

        return call


@pytest.fixture
def provider_calls(fast_state: AppState) -> Iterator[Callable[[], list[tuple[str, int]]]]:
    """Start spying: returns (provider method, write transactions open) per call made since."""
    writes = WriteTransactions()
    calls: list[tuple[str, int]] = []
    engine = fast_state.engine.sync_engine
    listeners: list[tuple[str, Callable[[Any], None]]] = [
        ("begin", writes.on_begin),
        ("commit", writes.on_end),
        ("rollback", writes.on_end),
    ]
    real = fast_state.providers.for_account
    spying = False

    def for_account(account: ServiceProvider) -> Any:
        provider = real(account)
        return SpyProvider(provider, writes, calls) if spying else provider

    fast_state.providers.for_account = for_account  # type: ignore[method-assign]

    def start() -> list[tuple[str, int]]:
        nonlocal spying
        if not spying:
            spying = True
            for name, listener in listeners:
                event.listen(engine, name, listener)
        return calls

    yield start
    fast_state.providers.for_account = real  # type: ignore[method-assign]
    if spying:
        for name, listener in listeners:
            event.remove(engine, name, listener)


async def empty_image_cache(state: AppState) -> None:
    async with state.sessionmaker() as session, session.begin():
        await session.execute(delete(UpstreamCatalogCache))


@pytest.mark.parametrize("idempotency_key", [None, "deploy-1"])
async def test_a_deploy_asks_for_images_with_no_write_transaction_open(
    idempotency_key: str | None,
    fast_state: AppState,
    client: AsyncClient,
    sim: SimulatorServer,
    provider_calls: Callable[[], list[tuple[str, int]]],
) -> None:
    offer = await create_offer(fast_state, sim, "linode")
    headers, _, _ = await signed_in_headers(fast_state, client)
    image = await pick_image(client, headers, offer.small.id, offer.setup.image_distribution)
    await empty_image_cache(fast_state)
    if idempotency_key is not None:
        headers = {**headers, "Idempotency-Key": idempotency_key}

    calls = provider_calls()
    created = await client.post("/api/vps", json=deploy_body(offer, image), headers=headers)

    assert created.status_code == 201, created.text
    assert calls == [("list_images", 0)]


async def test_a_rebuild_asks_for_images_with_no_write_transaction_open(
    fast_state: AppState,
    client: AsyncClient,
    sim: SimulatorServer,
    worker: Worker,
    provider_calls: Callable[[], list[tuple[str, int]]],
) -> None:
    offer = await create_offer(fast_state, sim, "linode")
    headers, _, _ = await signed_in_headers(fast_state, client)
    server = await running_instance(client, headers, offer, worker)
    image = await pick_image(client, headers, offer.small.id, offer.setup.image_distribution)
    await empty_image_cache(fast_state)

    calls = provider_calls()
    rebuilt = await client.post(
        f"/api/vps/{server['id']}/rebuild",
        json=rebuild_body("linode", image),
        headers=headers,
    )

    assert rebuilt.status_code == 202, rebuilt.text
    assert calls == [("list_images", 0)]
