"""`vpspanel status` reads (the CLI's own test is in tests/test_cli.py): an account backing
off with its reason, queue depth, the oldest unfinished operation's age, and the open
orphans."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from tests.factories import create_committed_user, seed_running_servers
from vpspanel.operations.repository import OperationRepository
from vpspanel.orphans.models import OrphanServer, OrphanState
from vpspanel.provider_accounts import health
from vpspanel.provider_accounts.models import ServiceProvider
from vpspanel.state import AppState
from vpspanel.worker.status import collect_status


def orphan(account: ServiceProvider, server_id: str, state: OrphanState) -> OrphanServer:
    now = account.created_at
    return OrphanServer(
        provider_account_id=account.id,
        provider_server_id=server_id,
        label=f"server-{server_id}",
        tag="vpspanel:00000000-0000-0000-0000-000000000000",
        first_seen_at=now,
        last_seen_at=now,
        state=state.value,
        state_changed_at=now,
    )


class TestCollectStatus:
    async def test_a_failing_account_the_queue_and_the_oldest_operation(
        self, state: AppState
    ) -> None:
        _, organization = await create_committed_user(state)
        instance_ids = await seed_running_servers(state, organization, 2)
        now = state.clock()
        async with state.sessionmaker() as session, session.begin():
            (account,) = (await session.scalars(select(ServiceProvider))).all()
            account.name = "Linode main"
            health.mark_failed(account, "The provider rejected the API key.", now)
            operations = OperationRepository(session)
            operations.add(instance_id=instance_ids[0], type="reboot", now=now - timedelta(hours=3))
            operations.add(instance_id=instance_ids[1], type="shutdown", now=now)
            # Three wait for a decision; ignored and deleted ones do not count.
            for server_id in ("1", "2", "3"):
                session.add(orphan(account, server_id, OrphanState.OPEN))
            session.add(orphan(account, "4", OrphanState.IGNORED))
            session.add(orphan(account, "5", OrphanState.DELETED))
        async with state.read_sessionmaker() as session:
            status = await collect_status(session, now)
        lines = status.lines()
        assert lines[0] == (
            "account Linode main (linode): backing off until "
            f"{now + timedelta(seconds=30):%Y-%m-%d %H:%M:%S} UTC: "
            "The provider rejected the API key."
        )
        assert lines[1:] == [
            "queue: 2 queued, 0 running",
            "oldest unfinished operation: 3h00m old",
            "orphans: 3 waiting for a decision",
        ]

    async def test_an_account_past_its_backoff_is_failing_not_backing_off(
        self, state: AppState
    ) -> None:
        _, organization = await create_committed_user(state)
        await seed_running_servers(state, organization, 1)
        now = state.clock()
        async with state.sessionmaker() as session, session.begin():
            (account,) = (await session.scalars(select(ServiceProvider))).all()
            health.mark_failed(account, "down", now - timedelta(hours=1))
        async with state.read_sessionmaker() as session:
            status = await collect_status(session, now)
        assert status.lines()[0].endswith(": failing: down")
        assert status.lines()[-1] == "orphans: 0 waiting for a decision"
