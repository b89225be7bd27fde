"""Orphans: servers carrying our identity tag that no instance of ours owns.

The sweep hands each account's listing to `reconcile_orphans` inside its write transaction.
A tagged server is owned when the instance its tag names is of this account, not failed or
deleted, and bound to this server (or not yet bound to any: its create or cancelled create is
still looking for it by tag). Every other tagged server is an orphan, except one that is the
lost create of a failed instance: that one is adopted (see `create_outcome_unknown`). Servers
without our tag are never looked at.

Admins decide what happens to an orphan: delete it at the provider, or ignore it. Nothing is
ever deleted automatically.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NamedTuple

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from vpspanel import provider_errors
from vpspanel.auth.models import User
from vpspanel.errors import Conflict, NotFound
from vpspanel.operations.models import Operation
from vpspanel.orphans.models import PRESENT_STATES, OrphanServer, OrphanState
from vpspanel.orphans.repository import ClaimedBy, OrphanRepository, OrphanRow
from vpspanel.orphans.schemas import OrphanList, OrphanOut
from vpspanel.provider_accounts.models import ServiceProvider
from vpspanel.providers import errors as perr
from vpspanel.providers.base import identity_tag, instance_id_from_tags
from vpspanel.providers.types import InstanceStatus, ProviderInstance
from vpspanel.state import AppState

log = structlog.get_logger(__name__)

ORPHAN_NOT_FOUND = "Orphan server not found."
# last_seen_at is refreshed at most this often: a sweep that finds nothing new writes nothing.
LAST_SEEN_RESOLUTION = timedelta(minutes=30)
# How long a provider may go on listing a server after answering 404 for it (listings are
# eventually consistent, and a sweep's listing is older than its transaction).
LISTING_LAG = timedelta(minutes=10)
ADOPTED_EVENT = "adopted"
ADOPTED_MESSAGE = (
    "The server was found at the cloud after all and is attached to this entry again; it "
    "shows the server's current state."
)
# Instances whose server is theirs by tag no longer: the tag names a record that gave it up.
_RELEASED = frozenset({InstanceStatus.FAILED.value, InstanceStatus.DELETED.value})


def create_outcome_unknown(create: Operation | None) -> bool:
    """Whether this create failed after a request that left without a known answer: the
    marker is the create's checkpoint `result["sent"]`, set before the request leaves and
    cleared only when the provider's answer proves nothing was made (`instances/tasks.py`,
    the same test as `OperationType.may_still_land`). Such a create may land at the provider
    long after the operation gave up: a server carrying its tag is that create's server."""
    return (
        create is not None
        and create.type == "create"
        and create.status == "failed"
        and bool((create.result or {}).get("sent"))
    )


@dataclass(frozen=True)
class _Tagged:
    server: ProviderInstance
    instance_id: uuid.UUID


def _creation_order(one: _Tagged) -> tuple[bool, float]:
    created = one.server.created_at
    return (created is None, created.timestamp() if created is not None else 0.0)


def _is_orphan(server: ProviderInstance, account: ServiceProvider, claim: ClaimedBy | None) -> bool:
    if claim is None:
        return True
    instance = claim.instance
    if instance.provider_id != account.id or instance.status in _RELEASED:
        return True
    # A live instance bound to another server: this one is a duplicate nobody owns.
    return instance.provider_instance_id not in (None, server.id)


def _going_away(server: ProviderInstance, claim: ClaimedBy | None, now: datetime) -> bool:
    """A server on its way out, not worth a new orphan: the provider says it is being deleted,
    or our own delete of it finished so recently that the listing may predate it."""
    if server.status is InstanceStatus.DELETING:
        return True
    if claim is None or claim.instance.provider_instance_id != server.id:
        return False
    deleted_at = claim.instance.deleted_at
    return deleted_at is not None and now - deleted_at < LISTING_LAG


def _adoptable(account: ServiceProvider, claim: ClaimedBy | None) -> bool:
    return (
        claim is not None
        and claim.instance.provider_id == account.id
        and claim.instance.status == InstanceStatus.FAILED.value
        and claim.instance.provider_instance_id is None
        and create_outcome_unknown(claim.create)
    )


@dataclass(frozen=True)
class OrphanTally:
    """What one listing left: the account's `open` orphans, and how many lost creates it
    `adopted`."""

    open: int
    adopted: int


async def reconcile_orphans(
    session: AsyncSession,
    state: AppState,
    account: ServiceProvider,
    listed: Sequence[ProviderInstance],
    *,
    complete: bool,
) -> OrphanTally:
    """Bring the account's orphans in line with one listing of its servers.

    `listed`: every server the listing returned, tagged or not (untagged ones are skipped).
    `complete`: True only when the listing read every page; then orphans no longer listed are
    resolved (`open`/`ignored` become `gone`, `deleting` becomes `deleted`). A partial listing
    only adds and refreshes.

    Runs inside the caller's transaction and never commits; makes no provider call. Costs two
    queries (the instance rows the tags name, with their create operations; the account's
    orphan rows), plus one locked read per adoption."""
    now = state.clock()
    repository = OrphanRepository(session)
    tagged: list[_Tagged] = []
    for server in listed:
        instance_id = instance_id_from_tags(server.tags)
        if instance_id is not None:
            tagged.append(_Tagged(server, instance_id))
    claims = await repository.instances_named({one.instance_id for one in tagged})
    adoptions = 0
    orphans = await repository.of_account(account.id, [one.server.id for one in tagged])

    # The oldest server carrying a lost create's tag is that create's: once adopted, the
    # instance (the same object, refreshed under its lock) is bound, and later copies are not.
    for one in sorted(tagged, key=_creation_order):
        claim = claims.get(one.instance_id)
        known = orphans.get(one.server.id)
        adopted = _adoptable(account, claim) and await _adopt(repository, one, now)
        adoptions += adopted
        if adopted or not _is_orphan(one.server, account, claim):
            _settle(known, OrphanState.ADOPTED, now)
        elif known is not None or not _going_away(one.server, claim, now):
            orphans[one.server.id] = _record(repository, known, one, account, now)

    if complete:
        seen = {one.server.id for one in tagged}
        for server_id, orphan in orphans.items():
            if server_id in seen:
                continue
            if orphan.state == OrphanState.DELETING.value:
                _settle(orphan, OrphanState.DELETED, now)
            else:
                _settle(orphan, OrphanState.GONE, now)
    still_open = sum(1 for orphan in orphans.values() if orphan.state == OrphanState.OPEN.value)
    return OrphanTally(open=still_open, adopted=adoptions)


async def _adopt(repository: OrphanRepository, one: _Tagged, now: datetime) -> bool:
    """Attach the server to the failed instance whose lost create made it; False when the
    row changed since it was read (it is then judged as it is at the next sweep)."""
    instance = await repository.lock_instance(one.instance_id)
    if (
        instance is None
        or instance.status != InstanceStatus.FAILED.value
        or instance.provider_instance_id is not None
    ):
        return False
    server = one.server
    instance.provider_instance_id = server.id
    instance.status = server.status.value
    instance.provider_status = server.raw_status[:32] or None
    instance.ip_address = server.ipv4
    instance.ipv6 = server.ipv6
    instance.error = None
    instance.progress = None
    instance.updated_at = now
    repository.add_event(instance, type=ADOPTED_EVENT, message=ADOPTED_MESSAGE)
    log.info(
        "orphan_adopted",
        instance_id=str(instance.id),
        account_id=str(instance.provider_id),
        provider_server_id=server.id,
    )
    return True


def _settle(orphan: OrphanServer | None, state: OrphanState, now: datetime) -> None:
    """Move an orphan still at the provider to a final state (no-op for one already final)."""
    if orphan is None or orphan.state not in PRESENT_STATES:
        return
    orphan.state = state.value
    orphan.state_changed_at = now


def _record(
    repository: OrphanRepository,
    orphan: OrphanServer | None,
    one: _Tagged,
    account: ServiceProvider,
    now: datetime,
) -> OrphanServer:
    server = one.server
    label = server.label[:255]
    if orphan is None:
        log.warning(
            "orphan_found", account_id=str(account.id), provider_server_id=server.id, label=label
        )
        return repository.add(
            OrphanServer(
                id=uuid.uuid4(),
                provider_account_id=account.id,
                provider_server_id=server.id,
                label=label,
                created_at_provider=server.created_at,
                tag=identity_tag(one.instance_id),
                first_seen_at=now,
                last_seen_at=now,
                state=OrphanState.OPEN.value,
                state_changed_at=now,
            )
        )
    if orphan.state in (OrphanState.GONE.value, OrphanState.ADOPTED.value):
        # Listed again after it vanished, or after its instance gave it up: a decision is due.
        orphan.state = OrphanState.OPEN.value
        orphan.state_changed_at = now
        orphan.last_seen_at = now
    elif now - orphan.last_seen_at >= LAST_SEEN_RESOLUTION:
        orphan.last_seen_at = now
    if orphan.label != label:
        orphan.label = label
    tag = identity_tag(one.instance_id)
    if orphan.tag != tag:  # retagged with another of our ids: a delete checks this one
        orphan.tag = tag
    return orphan


# -- the admin API ---------------------------------------------------------------------------


def _out(row: OrphanRow) -> OrphanOut:
    orphan = row.orphan
    return OrphanOut(
        id=orphan.id,
        provider_account_id=orphan.provider_account_id,
        provider_account_name=row.account_name,
        provider_server_id=orphan.provider_server_id,
        label=orphan.label,
        created_at_provider=orphan.created_at_provider,
        tag=orphan.tag,
        first_seen_at=orphan.first_seen_at,
        last_seen_at=orphan.last_seen_at,
        state=OrphanState(orphan.state),
        state_changed_at=orphan.state_changed_at,
    )


async def list_page(
    session: AsyncSession, *, state: OrphanState | None, page: int, per_page: int
) -> OrphanList:
    rows, total = await OrphanRepository(session).page(state=state, page=page, per_page=per_page)
    return OrphanList(
        orphans=[_out(row) for row in rows], total=total, page=page, per_page=per_page
    )


def _not_at_provider(orphan: OrphanServer) -> Conflict:
    return Conflict(
        f"This server is {orphan.state}: there is nothing to decide about it any more.",
        code="orphan_resolved",
    )


async def _decide(state: AppState, admin: User, orphan_id: uuid.UUID, *, ignore: bool) -> OrphanOut:
    async with state.sessionmaker() as session, session.begin():
        row = await OrphanRepository(session).get(orphan_id, for_update=True)
        if row is None:
            raise NotFound(ORPHAN_NOT_FOUND)
        orphan = row.orphan
        wanted, other = (
            (OrphanState.IGNORED, OrphanState.OPEN)
            if ignore
            else (OrphanState.OPEN, OrphanState.IGNORED)
        )
        if orphan.state == other.value:
            orphan.state = wanted.value
            orphan.state_changed_at = state.clock()
            orphan.decided_by = admin.id
            log.info(
                "orphan_ignored" if ignore else "orphan_unignored",
                admin_id=str(admin.id),
                orphan_id=str(orphan.id),
                provider_server_id=orphan.provider_server_id,
            )
        elif orphan.state != wanted.value:
            raise _not_at_provider(orphan)
        return _out(row)


async def ignore(state: AppState, admin: User, orphan_id: uuid.UUID) -> OrphanOut:
    """Hide an open orphan from the open list (kept, and still refreshed by sweeps). Idempotent.
    Raises NotFound (404), Conflict (409 `orphan_resolved`) unless open or ignored."""
    return await _decide(state, admin, orphan_id, ignore=True)


async def unignore(state: AppState, admin: User, orphan_id: uuid.UUID) -> OrphanOut:
    """Put an ignored orphan back on the open list. Idempotent. Raises NotFound (404),
    Conflict (409 `orphan_resolved`) unless open or ignored."""
    return await _decide(state, admin, orphan_id, ignore=False)


ORPHAN_CHANGED = "orphan_changed"


class _Decision(NamedTuple):
    """What the admin asked about, read before the provider is asked about it."""

    account: ServiceProvider
    server_id: str
    tag: str


def _decidable(row: OrphanRow | None) -> OrphanOut | None:
    """None when the orphan may be deleted; its answer as it is when already deleted or gone.
    Raises NotFound, Conflict (`orphan_resolved`) for an adopted one."""
    if row is None:
        raise NotFound(ORPHAN_NOT_FOUND)
    if row.orphan.state in (OrphanState.DELETED.value, OrphanState.GONE.value):
        return _out(row)
    if row.orphan.state == OrphanState.ADOPTED.value:
        raise _not_at_provider(row.orphan)
    return None


def _changed(orphan: OrphanServer, why: str) -> Conflict:
    return Conflict(
        f"Server {orphan.provider_server_id} changed at the provider since it was listed: {why} "
        "It was not deleted.",
        code=ORPHAN_CHANGED,
    )


async def delete(state: AppState, admin: User, orphan_id: uuid.UUID) -> OrphanOut:
    """Delete the orphan's server at the provider and record who did: the row becomes
    `deleted` with `decided_by` (and an `orphan_deleted` log line). Idempotent: a deleted or
    gone orphan answers as it is without a provider call.

    The server is read again at the provider first, as it is now, not as the sweep saw it:
    one the provider no longer has (404) counts as deleted, without a delete call. One that
    no longer carries the identity tag recorded on the orphan (someone retagged it, or took
    our tag off) is never touched: the orphan becomes `gone` (a server still tagged by us is
    listed anew by the next sweep) and the answer is 409 `orphan_changed`. One whose tag now
    names a live instance of ours is that instance's server: the orphan becomes `adopted`, and
    the answer is 409 `orphan_changed` too.
    (Providers offer no conditional delete: a retag in the instant between the read and the
    delete cannot be seen.)

    No transaction is open during the provider calls: the row is marked `deleting` first,
    so a delete interrupted midway shows, and asking again sends it again (harmless).
    Raises NotFound (404), Conflict (409 `orphan_resolved`) for an adopted server, Conflict
    (409 `orphan_changed`) as above, and the provider's failure as an API error
    (`provider_errors.admin_error`: 503 unreachable, 502 failed, 409 busy); a refused delete
    puts the orphan back in its previous state."""
    async with state.sessionmaker() as session, session.begin():
        repository = OrphanRepository(session)
        row = await repository.get(orphan_id, for_update=True)
        settled = _decidable(row)
        if settled is not None:
            return settled
        assert row is not None
        account = await repository.account(row.orphan.provider_account_id)
        if account is None:  # the foreign key cascades: gone with its row
            raise NotFound(ORPHAN_NOT_FOUND)
        decision = _Decision(account, row.orphan.provider_server_id, row.orphan.tag)
    provider = state.providers.for_account(account)
    try:
        server = await provider.get_instance(decision.server_id)
    except perr.ProviderError as exc:
        _log_failure(admin, orphan_id, decision.server_id, exc)
        raise provider_errors.admin_error(exc) from exc
    if server is None:
        log.info(
            "orphan_already_gone",
            admin_id=str(admin.id),
            orphan_id=str(orphan_id),
            provider_server_id=decision.server_id,
        )
        return await _set_state(
            state, orphan_id, OrphanState.DELETED, only_from=PRESENT_STATES, decided_by=admin
        )
    before = await _mark_deleting(state, admin, orphan_id, decision, server)
    if isinstance(before, OrphanOut):
        return before
    try:
        await provider.delete_instance(decision.server_id)
    except perr.ProviderNotFound:
        pass  # already gone: what was asked for
    except perr.ProviderError as exc:
        _log_failure(admin, orphan_id, decision.server_id, exc)
        may_have_happened = isinstance(exc, perr.ProviderUnavailable) and exc.may_have_succeeded
        if not may_have_happened:
            await _set_state(state, orphan_id, before, only_from=(OrphanState.DELETING,))
        raise provider_errors.admin_error(exc) from exc
    log.info(
        "orphan_deleted",
        admin_id=str(admin.id),
        orphan_id=str(orphan_id),
        account_id=str(account.id),
        provider_server_id=decision.server_id,
    )
    return await _set_state(
        state, orphan_id, OrphanState.DELETED, only_from=(OrphanState.DELETING,)
    )


async def _mark_deleting(
    state: AppState,
    admin: User,
    orphan_id: uuid.UUID,
    decision: _Decision,
    server: ProviderInstance,
) -> OrphanState | OrphanOut:
    """Mark the orphan `deleting` if the server as just read is still an orphan of ours;
    returns the state it was in before (to go back to if the provider refuses), or the
    answer as it is when a sweep settled it meanwhile. Raises Conflict (`orphan_changed`)
    after recording what the server has become."""
    instance_id = instance_id_from_tags(server.tags)
    async with state.sessionmaker() as session, session.begin():
        repository = OrphanRepository(session)
        row = await repository.get(orphan_id, for_update=True)
        settled = _decidable(row)
        if settled is not None:
            return settled
        assert row is not None
        orphan = row.orphan
        now = state.clock()
        claims = await repository.instances_named({instance_id} if instance_id else set())
        if instance_id is None:
            _settle(orphan, OrphanState.GONE, now)
            conflict = _changed(orphan, "it no longer carries this panel's tag.")
        elif not _is_orphan(server, decision.account, claims.get(instance_id)):
            _settle(orphan, OrphanState.ADOPTED, now)
            conflict = _changed(orphan, "its tag now names a server of this panel.")
        elif identity_tag(instance_id) != decision.tag:
            # Still an orphan, but not the one decided on: the next sweep lists it anew.
            _settle(orphan, OrphanState.GONE, now)
            conflict = _changed(orphan, "it carries another tag than the one it was found with.")
        else:
            before = OrphanState(orphan.state)
            orphan.state = OrphanState.DELETING.value
            orphan.state_changed_at = now
            orphan.decided_by = admin.id
            return before
    log.warning(
        "orphan_delete_refused_changed",
        admin_id=str(admin.id),
        orphan_id=str(orphan_id),
        provider_server_id=decision.server_id,
    )
    raise conflict


def _log_failure(
    admin: User, orphan_id: uuid.UUID, server_id: str, exc: perr.ProviderError
) -> None:
    log.warning(
        "orphan_delete_failed",
        admin_id=str(admin.id),
        orphan_id=str(orphan_id),
        provider_server_id=server_id,
        provider_error=provider_errors.provider_error_text(exc),
    )


async def _set_state(
    state: AppState,
    orphan_id: uuid.UUID,
    new: OrphanState,
    *,
    only_from: Sequence[OrphanState],
    decided_by: User | None = None,
) -> OrphanOut:
    """Move the orphan to `new` if it is still in one of `only_from` (a sweep may have settled
    it meanwhile), recording `decided_by` if given; answers the row as it is then."""
    async with state.sessionmaker() as session, session.begin():
        row = await OrphanRepository(session).get(orphan_id, for_update=True)
        if row is None:
            raise NotFound(ORPHAN_NOT_FOUND)
        if row.orphan.state in only_from:
            row.orphan.state = new.value
            row.orphan.state_changed_at = state.clock()
            if decided_by is not None:
                row.orphan.decided_by = decided_by.id
        return _out(row)
