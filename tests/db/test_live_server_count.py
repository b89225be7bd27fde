"""`organizations.live_server_count` is kept equal to the count of the organization's live (not
deleted) servers by the database itself (migration 0019), whatever writes the rows."""

from __future__ import annotations

import random
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import delete, func, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection

from tests.factories import create_committed_user, seed_running_servers
from vpspanel.db.engine import create_engine
from vpspanel.db.migrate import upgrade_engine
from vpspanel.db.types import utcnow
from vpspanel.instances.models import VpsInstance
from vpspanel.organizations.models import Organization
from vpspanel.provider_accounts.models import ServiceProvider
from vpspanel.state import AppState

instances = VpsInstance.__table__
organizations = Organization.__table__


async def counts(connection: AsyncConnection) -> tuple[dict[uuid.UUID, int], dict[uuid.UUID, int]]:
    """(kept count, real count) per organization."""
    kept = dict(
        (
            await connection.execute(select(organizations.c.id, organizations.c.live_server_count))
        ).all()
    )
    real = dict.fromkeys(kept, 0)
    real.update(
        (
            await connection.execute(
                select(instances.c.organization_id, func.count())
                .where(instances.c.deleted_at.is_(None))
                .group_by(instances.c.organization_id)
            )
        ).all()
    )
    return kept, real


@pytest.mark.parametrize("seed", range(4))
async def test_the_kept_count_follows_every_kind_of_write(state: AppState, seed: int) -> None:
    """Random inserts (live or deleted), deletions and restorations, moves between
    organizations, row deletions, single and bulk, and updates of other columns: after each,
    every organization's kept count equals a real count."""
    _, first = await create_committed_user(state)
    _, second = await create_committed_user(state)
    template_id = (await seed_running_servers(state, first, 1))[0]
    organization_ids = [first.id, second.id]
    async with state.engine.connect() as connection:
        template = dict(
            (await connection.execute(select(instances).where(instances.c.id == template_id)))
            .mappings()
            .one()
        )
    chooser = random.Random(seed)
    made = 1

    def new_row(deleted: bool) -> dict[str, object]:
        nonlocal made
        made += 1
        return {
            **template,
            "id": uuid.uuid4(),
            "organization_id": chooser.choice(organization_ids),
            "provider_instance_id": f"p{made}",
            "deleted_at": utcnow() - timedelta(minutes=1) if deleted else None,
        }

    for _ in range(60):
        async with state.engine.begin() as connection:
            ids = list((await connection.scalars(select(instances.c.id))).all())
            one = instances.c.id == chooser.choice(ids) if ids else instances.c.id.is_(None)
            kind = chooser.randrange(9)
            if kind == 0:
                await connection.execute(insert(instances), [new_row(chooser.random() < 0.3)])
            elif kind == 1:
                rows = [new_row(chooser.random() < 0.3) for _ in range(chooser.randint(2, 5))]
                await connection.execute(insert(instances), rows)
            elif kind == 2:
                await connection.execute(update(instances).where(one).values(deleted_at=utcnow()))
            elif kind == 3:
                await connection.execute(update(instances).where(one).values(deleted_at=None))
            elif kind == 4:
                await connection.execute(
                    update(instances)
                    .where(one)
                    .values(organization_id=chooser.choice(organization_ids))
                )
            elif kind == 5:
                await connection.execute(delete(instances).where(one))
            elif kind == 6:
                # Every server of one organization deleted at once, as a sweep might.
                await connection.execute(
                    update(instances)
                    .where(instances.c.organization_id == chooser.choice(organization_ids))
                    .values(deleted_at=utcnow(), status="deleted")
                )
            elif kind == 7:
                await connection.execute(
                    update(instances).where(one).values(status="stopped", progress=None)
                )
            else:
                await connection.execute(
                    delete(instances).where(
                        instances.c.organization_id == chooser.choice(organization_ids)
                    )
                )
        async with state.engine.connect() as connection:
            kept, real = await counts(connection)
        assert kept == real, f"after a write of kind {kind}"


async def test_a_rolled_back_write_leaves_the_count_as_it_was(state: AppState) -> None:
    _, organization = await create_committed_user(state)
    await seed_running_servers(state, organization, 3)
    async with state.engine.connect() as connection:
        transaction = await connection.begin()
        await connection.execute(
            update(instances)
            .where(instances.c.organization_id == organization.id)
            .values(deleted_at=utcnow())
        )
        assert (await counts(connection))[0][organization.id] == 0
        await transaction.rollback()
        assert (await counts(connection))[0][organization.id] == 3


async def test_the_migration_counts_the_servers_already_there(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'counted.db'}")
    busy, idle, account = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    now = utcnow()
    try:
        await upgrade_engine(engine, "0018")
        async with engine.begin() as connection:
            for organization_id in (busy, idle):
                await connection.execute(
                    text(
                        "INSERT INTO organizations (id, name, created_at, updated_at)"
                        " VALUES (:id, 'Org', :now, :now)"
                    ),
                    {"id": organization_id.hex, "now": now.replace(tzinfo=None)},
                )
            await connection.execute(
                insert(ServiceProvider.__table__).values(
                    id=account,
                    name="Account",
                    type="linode",
                    api_key_encrypted="never-decrypted",
                    api_key_hint="…0000",
                    api_base_url="http://127.0.0.1:9/",
                    configuration={},
                    active=True,
                )
            )
            await connection.execute(
                insert(instances),
                [
                    {
                        "id": uuid.uuid4(),
                        "organization_id": busy,
                        "provider_id": account,
                        "provider_instance_id": str(n),
                        "label": f"web{n}",
                        "status": "deleted" if n < 2 else "running",
                        "region": "us-east",
                        "image": "linode/debian12",
                        "configuration": {},
                        "deleted_at": now if n < 2 else None,
                    }
                    for n in range(5)
                ],
            )
        await upgrade_engine(engine)
        async with engine.connect() as connection:
            kept = dict(
                (
                    await connection.execute(
                        select(organizations.c.id, organizations.c.live_server_count)
                    )
                ).all()
            )
    finally:
        await engine.dispose()
    assert kept == {busy: 3, idle: 0}
