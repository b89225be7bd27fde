"""Group commit: writes that arrive together share one transaction.

A worker runs many steps side by side, and each writes a checkpoint before its provider call
and its outcome after it. On SQLite every transaction is a turn at the single write lock and
a journal sync; under load the turns, not the statements, are the worker's cost. So writes
submitted while another batch is being written (or in the same event-loop turn) are written
together, in order, in the next transaction. Each caller still gets its own answer only once
its write is committed, so nothing is reported done before it is durable.

A write that raises one of the `isolated` exceptions (it found, before writing anything, that
it must not write: a lease lost) fails alone. Any other failure rolls the whole batch back, and
its writes are then tried one transaction each, so one bad write never costs the others.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

Write = Callable[[AsyncSession], Awaitable[Any]]


class GroupCommit:
    def __init__(
        self,
        sessionmaker: Callable[[], async_sessionmaker[AsyncSession]],
        isolated: tuple[type[Exception], ...] = (),
    ) -> None:
        # A callable, so a test that swaps the state's sessionmaker is followed.
        self._sessionmaker = sessionmaker
        self._isolated = isolated
        self._pending: list[tuple[Write, asyncio.Future[Any]]] = []
        self._flushing: asyncio.Task[None] | None = None
        self.transactions = 0  # for tests and the bench

    async def run(self, write: Write) -> Any:
        """Run `write(session)` in a transaction shared with the writes submitted beside it;
        returns its result once committed, or raises what it raised."""
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._pending.append((write, future))
        if self._flushing is None or self._flushing.done():
            self._flushing = asyncio.create_task(self._flush())
        return await asyncio.shield(future)

    async def _flush(self) -> None:
        while self._pending:
            await asyncio.sleep(0)  # writes submitted in this loop turn join the batch
            batch, self._pending = self._pending, []
            writes = [write for write, _ in batch]
            try:
                answers = await self._write(writes)
            except asyncio.CancelledError:
                # Shutting down: nobody may wait for an answer that will not come.
                for _, future in batch + self._pending:
                    if not future.done():
                        future.set_exception(RuntimeError("the write was cancelled"))
                raise
            except Exception as exc:
                if len(writes) == 1:
                    answers = [(None, exc)]
                else:
                    answers = [await self._write_alone(write) for write in writes]
            for (_, future), (value, error) in zip(batch, answers, strict=True):
                if future.done():
                    continue
                if error is not None:
                    future.set_exception(error)
                else:
                    future.set_result(value)

    async def _write(self, writes: list[Write]) -> list[tuple[Any, BaseException | None]]:
        answers: list[tuple[Any, BaseException | None]] = []
        self.transactions += 1
        async with self._sessionmaker()() as session, session.begin():
            for write in writes:
                try:
                    answers.append((await write(session), None))
                except self._isolated as exc:
                    answers.append((None, exc))
        return answers

    async def _write_alone(self, write: Write) -> tuple[Any, BaseException | None]:
        try:
            return (await self._write([write]))[0]
        except Exception as exc:
            return (None, exc)
