"""Provider account health: an account that keeps failing is left alone for a while.

A key the provider rejects (401/403) or a provider that is down or unreachable fails every
request of the account the same way. Background work (status polls, feeds, sweeps, catalog
refreshes) then stops asking it, for a backoff that doubles with each failure in a row
(`BACKOFF_BASE`, at most `BACKOFF_MAX`), instead of spending its time and budget on answers
it already knows; other accounts are not affected. Customers' operations keep their own
retries. The state lives on the account row (`status_*` columns), so every worker and the
admin provider list see the same thing: `status.ok` false, the reason (`status.error`), since
when, and when background work will try again. The first success (or a passing connection
test) clears it.
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from vpspanel.provider_accounts.models import ServiceProvider
from vpspanel.provider_accounts.repository import ProviderAccountRepository
from vpspanel.provider_errors import admin_text
from vpspanel.providers import errors as perr

BACKOFF_BASE = timedelta(seconds=30)
BACKOFF_MAX = timedelta(minutes=15)
REASON_MAX_LENGTH = 500

# `scheme://user:password@host`: the userinfo of a URL is dropped from any reason we keep.
_URL_USERINFO = re.compile(r"(?P<scheme>[a-zA-Z][a-zA-Z0-9+.\-]*://)[^/\s@]*@")


def is_account_failure(exc: perr.ProviderError) -> bool:
    """True for failures that say the account as a whole cannot be used now (its key refused,
    the provider down or unreachable), not something about one request or one server."""
    return isinstance(exc, (perr.ProviderAuthError, perr.ProviderUnavailable))


def safe_reason(text: str) -> str:
    """`text` fit to keep and show an admin: a URL's userinfo dropped (the transport already
    scrubs the key), at most REASON_MAX_LENGTH characters."""
    return _URL_USERINFO.sub(r"\g<scheme>", text)[:REASON_MAX_LENGTH]


def backoff(failures: int) -> timedelta:
    """How long background work leaves an account alone after `failures` failures in a row
    (1 -> 30 s, 2 -> 60 s, ... at most 15 minutes)."""
    doubled: timedelta = BACKOFF_BASE * 2 ** min(max(failures - 1, 0), 16)
    return min(doubled, BACKOFF_MAX)


def backing_off(account: ServiceProvider, now: datetime) -> bool:
    """True while background work should leave `account` alone."""
    return account.status_next_attempt_at is not None and now < account.status_next_attempt_at


def mark_failed(account: ServiceProvider, reason: str, now: datetime) -> None:
    """Record one more failure in a row on the (locked) account row and set its backoff;
    `reason` is kept as `safe_reason` makes it."""
    if account.status_ok is not False or account.status_since is None:
        account.status_since = now
    account.status_ok = False
    account.status_error = safe_reason(reason)
    account.status_checked_at = now
    account.status_failures = (account.status_failures or 0) + 1
    account.status_next_attempt_at = now + backoff(account.status_failures)


def mark_ok(account: ServiceProvider, now: datetime) -> None:
    """The account answered: clear any failure streak and backoff."""
    if account.status_ok is not True or account.status_since is None:
        account.status_since = now
    account.status_ok = True
    account.status_error = None
    account.status_checked_at = now
    account.status_failures = 0
    account.status_next_attempt_at = None


async def record_failure(
    session: AsyncSession, account_id: uuid.UUID, exc: perr.ProviderError, now: datetime
) -> datetime | None:
    """Count `exc` against the account if it is an account failure (`is_account_failure`);
    returns when background work may try the account again, or None when it was not counted
    (or the account is gone). The caller commits."""
    if not is_account_failure(exc):
        return None
    account = await ProviderAccountRepository(session).get(account_id, for_update=True)
    if account is None:
        return None
    mark_failed(account, admin_text(exc), now)
    return account.status_next_attempt_at


async def record_success(session: AsyncSession, account_id: uuid.UUID, now: datetime) -> None:
    """The account answered: clear its failure streak, if it had one (no write otherwise).
    The caller commits."""
    account = await ProviderAccountRepository(session).get(account_id, for_update=True)
    if account is not None and (account.status_ok is not True or account.status_failures):
        mark_ok(account, now)
