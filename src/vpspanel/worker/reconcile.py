"""Periodic reconciliation: what the providers say vs. what we recorded.

One list call per active provider account. A server that changed behind our back (powered off
in the provider's console, IP changed) is updated, unless an operation of ours is running on
it. A server carrying our tag that no live instance claims is reported (never deleted
automatically: a person decides).

The listing is taken with no transaction open, so it may be older than our records: an
operation that finished meanwhile (a shutdown) knows better. Each instance row is therefore
locked, and left alone when it has an unfinished operation or changed after the listing began.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession

from vpspanel.instances.models import VpsInstance
from vpspanel.instances.repository import InstanceRepository
from vpspanel.operations.repository import OperationRepository
from vpspanel.provider_accounts.repository import ProviderAccountRepository
from vpspanel.providers.base import instance_id_from_tags
from vpspanel.providers.errors import ProviderError
from vpspanel.providers.types import InstanceStatus
from vpspanel.state import AppState

logger = logging.getLogger(__name__)


@dataclass
class ReconcileReport:
    updated: int = 0
    untracked: list[str] = field(default_factory=list)  # "<account id>/<provider instance id>"
    unreachable_accounts: int = 0


async def reconcile(state: AppState) -> ReconcileReport:
    report = ReconcileReport()
    async with state.sessionmaker() as session:
        accounts = list(await ProviderAccountRepository(session).list_active())
    for account in accounts:
        listed_at = state.clock()
        try:
            servers = await state.providers.for_account(account).list_instances(tagged_only=True)
        except ProviderError as exc:
            report.unreachable_accounts += 1
            logger.warning("reconcile: account %s unreachable (%s)", account.id, type(exc).__name__)
            continue
        async with state.sessionmaker() as session, session.begin():
            instances = InstanceRepository(session)
            operations = OperationRepository(session)
            for server in servers:
                our_id = instance_id_from_tags(server.tags)
                instance = await instances.get(our_id, for_update=True) if our_id else None
                if (
                    instance is None
                    or instance.provider_id != account.id
                    or instance.status == InstanceStatus.DELETED
                ):
                    report.untracked.append(f"{account.id}/{server.id}")
                    logger.warning("reconcile: untracked server %s/%s", account.id, server.id)
                    continue
                if (
                    server.status.is_transitional
                    or instance.updated_at > listed_at
                    or await operations.has_unfinished(instance.id)
                ):
                    continue
                if instance.provider_instance_id is None:
                    instance.provider_instance_id = server.id
                provider_status = server.raw_status[:32] or None
                observed = (server.status.value, server.ipv4, server.ipv6, provider_status)
                recorded = (
                    instance.status,
                    instance.ip_address,
                    instance.ipv6,
                    instance.provider_status,
                )
                if recorded == observed:
                    continue
                status_changed = instance.status != server.status.value
                (
                    instance.status,
                    instance.ip_address,
                    instance.ipv6,
                    instance.provider_status,
                ) = observed
                instance.updated_at = state.clock()
                report.updated += 1
                if status_changed:
                    # An error belongs to the operation that failed; once the server is
                    # seen in another state it no longer describes the server.
                    instance.error = None
                    _note_status_change(session, instance, server.raw_status)
    return report


def _note_status_change(session: AsyncSession, instance: VpsInstance, raw_status: str) -> None:
    if instance.status == InstanceStatus.DELETED:
        instance.deleted_at = instance.updated_at
    elif instance.status == InstanceStatus.UNKNOWN:
        # Admins are alerted by the log (and see provider_status); the customer reads why no
        # action is offered.
        logger.warning(
            "reconcile: instance %s reports provider status %r, which we do not know",
            instance.id,
            raw_status,
        )
        InstanceRepository(session).add_event(
            instance,
            type="status_unknown",
            status="failed",
            message="The cloud provider reported a state we do not recognise; our team has "
            "been alerted.",
        )
