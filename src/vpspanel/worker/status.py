"""`vpspanel status`: what an operator asks first, one line each: is every provider account
working (or backing off, and why), how deep the operations queue is, how old its oldest
unfinished operation is, and how many orphans wait for a decision (a handful of queries,
none per row).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from vpspanel.operations.repository import OperationRepository, OperationStatus
from vpspanel.orphans.repository import OrphanRepository
from vpspanel.provider_accounts import health
from vpspanel.provider_accounts.repository import ProviderAccountRepository


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
    orphans: int  # open ones, waiting for an admin

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
        out.append(f"orphans: {self.orphans} waiting for a decision")
        return out


async def collect_status(session: AsyncSession, now: datetime) -> PanelStatus:
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
        orphans=await OrphanRepository(session).count_open(),
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
