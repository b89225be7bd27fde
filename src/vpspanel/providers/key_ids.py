"""What we learned about an account's SSH keys: fingerprint -> the provider's key id.

Kept in process memory, keyed by account (base URL + a hash of its API key), shared by every
driver instance of the process. A key id is not secret, costs one look-up to learn again,
and is only a hint: a create that the provider refuses because a key id is unknown (the key
was deleted at the provider) forgets the account's ids and looks them up once more. So a
restart or a second worker process costs one look-up per key, and no table is needed to
keep something the provider itself is the authority on.

Concurrent creates that need the same unknown key share one look-up (single flight).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable


class KeyIdCache:
    def __init__(self) -> None:
        self._ids: dict[tuple[str, str], int] = {}
        self._pending: dict[tuple[str, str], asyncio.Future[int]] = {}
        self._lock = threading.Lock()

    async def key_id(
        self, account: str, fingerprint: str, look_up: Callable[[], Awaitable[int]]
    ) -> int:
        """The cached id, or `look_up()`'s answer (one look-up at a time per key)."""
        slot = (account, fingerprint)
        loop = asyncio.get_running_loop()
        with self._lock:
            known = self._ids.get(slot)
            if known is not None:
                return known
            pending = self._pending.get(slot)
            # A look-up of another event loop (another test, another thread) cannot be awaited.
            mine = pending is None or pending.done() or pending.get_loop() is not loop
            if mine:
                pending = loop.create_future()
                self._pending[slot] = pending
        assert pending is not None
        if not mine:
            return await asyncio.shield(pending)
        try:
            key_id = await look_up()
        except BaseException as exc:
            with self._lock:
                self._pending.pop(slot, None)
            if not pending.done():
                pending.set_exception(exc)
                pending.exception()  # retrieved: waiters get it; nobody else must
            raise
        with self._lock:
            self._ids[slot] = key_id
            self._pending.pop(slot, None)
        pending.set_result(key_id)
        return key_id

    def forget(self, account: str) -> None:
        """The provider no longer knows an id we kept: learn the account's keys again."""
        with self._lock:
            for slot in [slot for slot in self._ids if slot[0] == account]:
                del self._ids[slot]

    def clear(self) -> None:
        """Forget every account (tests that reuse a token against a fresh fake)."""
        with self._lock:
            self._ids.clear()


DEFAULT_KEY_IDS = KeyIdCache()
