"""Dependencies shared by every router: the app state and the request's database session.

The request owns the transaction: the session commits when the endpoint returns without an error
(before the response is sent), and rolls back otherwise. Services and repositories never commit.
GET requests get a read session; others a write session (see db/engine.py for why on SQLite).
A busy or unreachable database is answered 503 by the app's error handlers.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from vpspanel.state import AppState


def get_state(request: Request) -> AppState:
    state: AppState = request.app.state.vpspanel
    return state


StateDep = Annotated[AppState, Depends(get_state)]


READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


async def get_session(request: Request, state: StateDep) -> AsyncIterator[AsyncSession]:
    reads_only = request.method in READ_METHODS
    maker = state.read_sessionmaker if reads_only else state.sessionmaker
    async with maker() as session:
        try:
            yield session
            await session.commit()
        except BaseException:
            await session.rollback()
            raise


SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]
