from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient

from vpspanel.db.types import utcnow
from vpspanel.state import AppState


@dataclass
class Clock:
    now: datetime

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock(state: AppState, monkeypatch: pytest.MonkeyPatch) -> Clock:
    """The app's clock, moved by hand."""
    fake = Clock(utcnow())
    monkeypatch.setattr(state, "clock", fake)
    return fake


ClientFrom = Callable[[str], AsyncClient]


@pytest.fixture
async def client_from(app: FastAPI) -> AsyncIterator[ClientFrom]:
    """``client_from("198.51.100.7")``: a client whose TCP peer is that address."""
    opened: list[AsyncClient] = []

    def make(address: str) -> AsyncClient:
        transport = ASGITransport(app=app, client=(address, 40000))
        http = AsyncClient(transport=transport, base_url="http://testserver")
        opened.append(http)
        return http

    yield make
    for http in opened:
        await http.aclose()
