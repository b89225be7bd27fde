"""Dependencies shared by every router: the app state and the request's database session.

The request owns the transaction: the session commits when the endpoint returns without an error
(before the response is sent), and rolls back otherwise. Services and repositories never commit.
GET requests get a read session; others a write session (see db/engine.py for why on SQLite).
A busy or unreachable database is answered 503 by the app's error handlers.

What the dependencies read before the endpoint runs (who is calling, in which organization) is
read through `reading`: in the request's own session when the request only reads and its
endpoint answers from that session (one session, one transaction for the whole request), in a
short read session of its own otherwise.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from vpspanel.state import AppState


async def get_state(request: Request) -> AppState:
    # async: FastAPI runs a plain `def` dependency on a worker thread, a thread hop per request.
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


def _endpoint_takes_session(request: Request) -> bool:
    """Whether the matched endpoint itself takes `SessionDep` (one of its own parameters)."""
    dependant = getattr(request.scope.get("route"), "dependant", None)
    return dependant is not None and any(
        dependency.call is get_session for dependency in dependant.dependencies
    )


@asynccontextmanager
async def reading(
    request: Request, state: AppState, session: AsyncSession
) -> AsyncIterator[AsyncSession]:
    """The session a dependency reads in before the endpoint runs; `session` is the request's.

    A request that only reads, to an endpoint that answers from the request's session, reads
    everything there: one session, one transaction. Any other request reads in a short read
    session closed on leaving, so that a write request takes SQLite's write lock only when its
    endpoint touches the database, and an endpoint that opens sessions of its own (or calls a
    provider) holds no pooled connection while it does: nothing may hold one connection while
    it waits for another (db/engine.py)."""
    if request.method in READ_METHODS and _endpoint_takes_session(request):
        yield session
        return
    async with state.read_sessionmaker() as read:
        yield read
