"""`vpspanel status`: what an operator asks first, one line each: is every provider account
working (or backing off, and why), how deep the operations queue is, how old its oldest
unfinished operation is, and how many orphans wait for a decision.

The orphans count reads through `OrphanCounter` (the `orphans` table belongs to another
change): `count_orphans_table` counts its rows when the table exists and answers None ("n/a")
when it does not.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import inspect, text
from sqlalchemy.ext.asyncio import AsyncSession

from vpspanel.operations.repository import OperationRepository, OperationStatus
from vpspanel.provider_accounts import health
from vpspanel.provider_accounts.repository import ProviderAccountRepository

# session -> how many orphans are open, or None when this installation has no orphans table.
OrphanCounter = Callable[[AsyncSession], Awaitable[int | None]]


@dataclass(frozen=True)
class AccountLine:
    name: str
    type: str
    active: bool
    ok: bool | None  # None: never checked
    backing_off: bool
    reason: str | None
    next_attempt_at: datetime | None


@dataclass(frozen=True)
class PanelStatus:
    accounts: list[AccountLine]
    queued: int
    running: int
    oldest_unfinished_age_s: float | None  # None: nothing unfinished
    orphans: int | None  # None: not known here

    def lines(self) -> list[str]:
        """The report, one line each (accounts first)."""
        out = [_account_line(account) for account in self.accounts] or ["accounts: none"]
        out.append(f"queue: {self.queued} queued, {self.running} running")
        age = self.oldest_unfinished_age_s
        out.append(
            "oldest unfinished operation: none"
            if age is None
            else f"oldest unfinished operation: {_duration(age)} old"
        )
        out.append(f"orphans: {'n/a' if self.orphans is None else self.orphans}")
        return out


async def count_orphans_table(session: AsyncSession) -> int | None:
    """Rows of the `orphans` table, or None when the table does not exist (yet)."""
    connection = await session.connection()
    exists = await connection.run_sync(lambda sync: inspect(sync).has_table("orphans"))
    if not exists:
        return None
    count: int = (await session.execute(text("SELECT count(*) FROM orphans"))).scalar_one()
    return count


async def collect_status(
    session: AsyncSession, now: datetime, *, count_orphans: OrphanCounter = count_orphans_table
) -> PanelStatus:
    """Read everything `vpspanel status` prints (a handful of queries, none per row)."""
    accounts = [
        AccountLine(
            name=account.name,
            type=account.type,
            active=account.active,
            ok=account.status_ok,
            backing_off=health.backing_off(account, now),
            reason=account.status_error,
            next_attempt_at=account.status_next_attempt_at,
        )
        for account in await ProviderAccountRepository(session).list_all()
    ]
    counts, oldest = await OperationRepository(session).unfinished_summary()
    return PanelStatus(
        accounts=accounts,
        queued=counts[OperationStatus.QUEUED.value],
        running=counts[OperationStatus.RUNNING.value],
        oldest_unfinished_age_s=(now - oldest).total_seconds() if oldest is not None else None,
        orphans=await count_orphans(session),
    )


def _account_line(account: AccountLine) -> str:
    where = f"account {account.name} ({account.type}{'' if account.active else ', inactive'})"
    if account.ok is None:
        return f"{where}: not checked yet"
    if account.ok:
        return f"{where}: ok"
    state = "backing off" if account.backing_off else "failing"
    until = (
        f" until {account.next_attempt_at:%Y-%m-%d %H:%M:%S} UTC"
        if account.backing_off and account.next_attempt_at is not None
        else ""
    )
    return f"{where}: {state}{until}: {account.reason or 'no reason recorded'}"


def _duration(seconds: float) -> str:
    seconds = max(int(seconds), 0)
    if seconds < 120:
        return f"{seconds}s"
    if seconds < 2 * 3600:
        return f"{seconds // 60}m"
    if seconds < 2 * 86400:
        return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"
    return f"{seconds // 86400}d{seconds % 86400 // 3600:02d}h"
