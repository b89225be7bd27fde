"""Orphan servers: tagged servers no instance owns are listed for admins, lost creates are
adopted, untagged servers are never touched."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from httpx import AsyncClient
from sqlalchemy import select

from tests.db_counts import counting
from tests.factories import signed_in_headers
from tests.instances.support import (
    ROOT_PASS,
    Offer,
    create_offer,
    deploy_body,
    pick_image,
    provider_for,
    servers_at_provider,
)
from vpspanel.auth.models import UserRole
from vpspanel.instances.models import InstanceEvent, VpsInstance
from vpspanel.operations.models import Operation
from vpspanel.orphans.models import OrphanServer
from vpspanel.orphans.service import ADOPTED_EVENT, reconcile_orphans
from vpspanel.providers.base import identity_tag
from vpspanel.providers.types import CreateInstanceSpec, InstanceStatus, ProviderInstance
from vpspanel.simulator.testing import SimulatorServer
from vpspanel.state import AppState
from vpspanel.worker.reconcile import reconcile

ORPHANS = "/api/admin/orphans"


async def tagged_server(
    state: AppState, offer: Offer, label: str, instance_id: uuid.UUID | None = None
) -> ProviderInstance:
    """A server created at the provider carrying our identity tag (for `instance_id`)."""
    return await provider_for(state, offer.account).create_instance(
        CreateInstanceSpec(
            instance_id=instance_id or uuid.uuid4(),
            label=label,
            plan_id=offer.setup.small,
            region_id=offer.setup.region,
            image_id="linode/ubuntu22.04" if offer.setup.type == "linode" else "ubuntu-22-04-x64",
            root_pass=ROOT_PASS,
        )
    )


def untagged_server(sim: SimulatorServer, offer: Offer, label: str) -> str:
    """A server someone made in the provider's console, without our tag; returns its id."""
    if offer.setup.type == "linode":
        response = httpx.post(
            f"{sim.linode_url}/linode/instances",
            headers={"Authorization": f"Bearer {offer.token}"},
            json={"type": offer.setup.small, "region": offer.setup.region, "label": label},
        )
        assert response.status_code == 200, response.text
        return str(response.json()["id"])
    response = httpx.post(
        f"{sim.digitalocean_url}/droplets",
        headers={"Authorization": f"Bearer {offer.token}"},
        json={
            "name": label,
            "size": offer.setup.small,
            "region": offer.setup.region,
            "image": "ubuntu-22-04-x64",
        },
    )
    assert response.status_code == 202, response.text
    return str(response.json()["droplet"]["id"])


async def sweep(state: AppState, offer: Offer, *, complete: bool = True) -> int:
    """What the worker's sweep does for one account: list everything, then reconcile."""
    listed = await servers_at_provider(state, offer.account)
    async with state.sessionmaker() as session, session.begin():
        return (
            await reconcile_orphans(session, state, offer.account, listed, complete=complete)
        ).open


async def admin_headers(state: AppState, client: AsyncClient) -> dict[str, str]:
    headers, _, _ = await signed_in_headers(state, client, role=UserRole.ADMIN)
    return headers


async def open_orphans(client: AsyncClient, headers: dict[str, str], **params: Any) -> Any:
    response = await client.get(ORPHANS, headers=headers, params=params)
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.parametrize("provider_type", ["linode", "digitalocean"])
async def test_a_tagged_server_without_an_instance_is_listed_and_untagged_ones_never(
    provider_type: str, fast_state: AppState, client: AsyncClient, sim: SimulatorServer
) -> None:
    offer = await create_offer(fast_state, sim, provider_type)
    stray_instance_id = uuid.uuid4()
    stray = await tagged_server(fast_state, offer, "stray-1", stray_instance_id)
    console_id = untagged_server(sim, offer, "made-by-hand")
    sim.clear_requests()

    assert await sweep(fast_state, offer) == 1

    body = await open_orphans(client, await admin_headers(fast_state, client))
    assert body["total"] == 1 and body["page"] == 1 and body["per_page"] == 50
    (orphan,) = body["orphans"]
    assert orphan["provider_account_id"] == str(offer.account.id)
    assert orphan["provider_account_name"] == offer.account.name
    assert orphan["provider_server_id"] == stray.id
    assert orphan["label"] == stray.label
    assert orphan["tag"] == identity_tag(stray_instance_id)
    assert orphan["state"] == "open"
    assert orphan["created_at_provider"] is not None
    assert orphan["first_seen_at"] == orphan["last_seen_at"]
    # Nothing was written at the provider: both servers are there as they were.
    assert sim.request_count(method="POST") + sim.request_count(method="DELETE") == 0
    listed = {server["id"] for server in sim.instances(provider_type, token=offer.token)}
    assert {int(stray.id), int(console_id)} == listed


async def test_a_second_sweep_with_nothing_changed_writes_nothing(
    fast_state: AppState, sim: SimulatorServer
) -> None:
    offer = await create_offer(fast_state, sim, "linode")
    for n in range(5):
        await tagged_server(fast_state, offer, f"stray-{n}")
    untagged_server(sim, offer, "made-by-hand")
    assert await sweep(fast_state, offer) == 5
    listed = await servers_at_provider(fast_state, offer.account)

    with counting(fast_state.engine) as use:
        async with fast_state.sessionmaker() as session, session.begin():
            tally = await reconcile_orphans(
                session, fast_state, offer.account, listed, complete=True
            )
            assert tally.open == 5

    # Two reads (the instances the tags name; the account's orphans), whatever the count.
    assert len(use.statements) == 2, use.statements
    assert all(statement.lstrip().upper().startswith("SELECT") for statement in use.statements)


async def fail_create_as_lost(state: AppState, instance_id: str, *, sent: bool) -> None:
    """Leave the instance as a create whose last request went unanswered (`sent`) or was
    refused, and whose operation then gave up: failed, never bound to a server."""
    async with state.sessionmaker() as session, session.begin():
        instance = await session.get(VpsInstance, uuid.UUID(instance_id))
        assert instance is not None
        instance.status = "failed"
        instance.error = "The cloud provider is not responding. Please try again shortly."
        create = await session.scalar(select(Operation).where(Operation.instance_id == instance.id))
        assert create is not None and create.type == "create"
        create.status = "failed"
        create.result = {"sent": sent, "retries": 4}


async def deploy_without_worker(client: AsyncClient, headers: dict[str, str], offer: Offer) -> str:
    image = await pick_image(client, headers, offer.small.id, offer.setup.image_distribution)
    created = await client.post("/api/vps", json=deploy_body(offer, image), headers=headers)
    assert created.status_code == 201, created.text
    instance_id: str = created.json()["instance"]["id"]
    return instance_id


@pytest.mark.parametrize("provider_type", ["linode", "digitalocean"])
async def test_a_lost_create_that_landed_late_is_adopted(
    provider_type: str, fast_state: AppState, client: AsyncClient, sim: SimulatorServer
) -> None:
    offer = await create_offer(fast_state, sim, provider_type)
    headers, _, _ = await signed_in_headers(fast_state, client)
    instance_id = await deploy_without_worker(client, headers, offer)
    await fail_create_as_lost(fast_state, instance_id, sent=True)
    landed = await tagged_server(fast_state, offer, "web-1", uuid.UUID(instance_id))

    assert await sweep(fast_state, offer) == 0

    seen = (await client.get(f"/api/vps/{instance_id}", headers=headers)).json()["instance"]
    # The server's own state, as listed (it may have finished booting since it was made).
    assert seen["status"] in ("provisioning", "running")
    now_listed = await provider_for(fast_state, offer.account).get_instance(landed.id)
    assert now_listed is not None and now_listed.ipv4 is not None
    assert seen["ip_address"] == now_listed.ipv4
    assert seen["error"] is None
    events = (await client.get(f"/api/vps/{instance_id}/events", headers=headers)).json()
    adopted = [event for event in events["events"] if event["type"] == ADOPTED_EVENT]
    assert len(adopted) == 1 and "found" in adopted[0]["message"]
    assert "vpspanel" not in adopted[0]["message"] and provider_type not in adopted[0]["message"]
    async with fast_state.sessionmaker() as session:
        instance = await session.get(VpsInstance, uuid.UUID(instance_id))
        assert instance is not None and instance.provider_instance_id == landed.id
    assert (await open_orphans(client, await admin_headers(fast_state, client)))["total"] == 0
    # A later sweep sees an owned server: nothing more happens.
    assert await sweep(fast_state, offer) == 0
    async with fast_state.sessionmaker() as session:
        count = len(
            (
                await session.scalars(
                    select(InstanceEvent).where(InstanceEvent.type == ADOPTED_EVENT)
                )
            ).all()
        )
    assert count == 1


async def test_a_create_refused_for_sure_is_not_adopted_but_listed(
    fast_state: AppState, client: AsyncClient, sim: SimulatorServer
) -> None:
    offer = await create_offer(fast_state, sim, "digitalocean")
    headers, _, _ = await signed_in_headers(fast_state, client)
    instance_id = await deploy_without_worker(client, headers, offer)
    await fail_create_as_lost(fast_state, instance_id, sent=False)
    landed = await tagged_server(fast_state, offer, "web-1", uuid.UUID(instance_id))

    assert await sweep(fast_state, offer) == 1

    seen = (await client.get(f"/api/vps/{instance_id}", headers=headers)).json()["instance"]
    assert seen["status"] == "failed"
    (orphan,) = (await open_orphans(client, await admin_headers(fast_state, client)))["orphans"]
    assert orphan["provider_server_id"] == landed.id


async def test_a_duplicate_of_a_live_server_is_an_orphan_and_the_original_is_not(
    fast_state: AppState, client: AsyncClient, sim: SimulatorServer
) -> None:
    offer = await create_offer(fast_state, sim, "digitalocean")
    headers, _, _ = await signed_in_headers(fast_state, client)
    instance_id = await deploy_without_worker(client, headers, offer)
    original = await tagged_server(fast_state, offer, "web-1", uuid.UUID(instance_id))
    async with fast_state.sessionmaker() as session, session.begin():
        instance = await session.get(VpsInstance, uuid.UUID(instance_id))
        assert instance is not None
        instance.provider_instance_id = original.id
        instance.status = "running"
    duplicate = await tagged_server(fast_state, offer, "web-1", uuid.UUID(instance_id))

    assert await sweep(fast_state, offer) == 1

    (orphan,) = (await open_orphans(client, await admin_headers(fast_state, client)))["orphans"]
    assert orphan["provider_server_id"] == duplicate.id


async def test_a_server_of_a_deleted_or_foreign_instance_is_an_orphan(
    fast_state: AppState, client: AsyncClient, sim: SimulatorServer
) -> None:
    offer = await create_offer(fast_state, sim, "linode")
    other = await create_offer(fast_state, sim, "linode")
    headers, _, _ = await signed_in_headers(fast_state, client)
    deleted_id = await deploy_without_worker(client, headers, offer)
    foreign_id = await deploy_without_worker(client, headers, other)
    async with fast_state.sessionmaker() as session, session.begin():
        deleted = await session.get(VpsInstance, uuid.UUID(deleted_id))
        assert deleted is not None
        deleted.status = "deleted"
    await tagged_server(fast_state, offer, "old-1", uuid.UUID(deleted_id))
    await tagged_server(fast_state, offer, "theirs-1", uuid.UUID(foreign_id))

    assert await sweep(fast_state, offer) == 2


async def test_ignore_hides_from_the_open_list_but_keeps_it(
    fast_state: AppState, client: AsyncClient, sim: SimulatorServer
) -> None:
    offer = await create_offer(fast_state, sim, "linode")
    await tagged_server(fast_state, offer, "stray-1")
    await sweep(fast_state, offer)
    headers = await admin_headers(fast_state, client)
    (orphan,) = (await open_orphans(client, headers))["orphans"]

    ignored = await client.post(f"{ORPHANS}/{orphan['id']}/ignore", headers=headers)
    assert ignored.status_code == 200, ignored.text
    assert ignored.json()["orphan"]["state"] == "ignored"
    again = await client.post(f"{ORPHANS}/{orphan['id']}/ignore", headers=headers)
    assert again.status_code == 200 and again.json()["orphan"]["state"] == "ignored"

    assert (await open_orphans(client, headers))["total"] == 0
    kept = await open_orphans(client, headers, state="ignored")
    assert [row["id"] for row in kept["orphans"]] == [orphan["id"]]
    # A sweep keeps it ignored, and it no longer counts as open.
    assert await sweep(fast_state, offer) == 0
    assert (await open_orphans(client, headers, state="ignored"))["total"] == 1

    reopened = await client.post(f"{ORPHANS}/{orphan['id']}/unignore", headers=headers)
    assert reopened.status_code == 200 and reopened.json()["orphan"]["state"] == "open"
    assert (await open_orphans(client, headers))["total"] == 1


@pytest.mark.parametrize("provider_type", ["linode", "digitalocean"])
async def test_delete_deletes_at_the_provider_once_and_records_it(
    provider_type: str, fast_state: AppState, client: AsyncClient, sim: SimulatorServer
) -> None:
    offer = await create_offer(fast_state, sim, provider_type)
    stray = await tagged_server(fast_state, offer, "stray-1")
    untagged_server(sim, offer, "made-by-hand")
    await sweep(fast_state, offer)
    headers, admin, _ = await signed_in_headers(fast_state, client, role=UserRole.ADMIN)
    (orphan,) = (await open_orphans(client, headers))["orphans"]
    sim.clear_requests()

    deleted = await client.post(f"{ORPHANS}/{orphan['id']}/delete", headers=headers)
    assert deleted.status_code == 200, deleted.text
    assert deleted.json()["orphan"]["state"] == "deleted"
    again = await client.post(f"{ORPHANS}/{orphan['id']}/delete", headers=headers)
    assert again.status_code == 200 and again.json()["orphan"]["state"] == "deleted"

    assert sim.request_count(method="DELETE") == 1
    remaining = [server["id"] for server in sim.instances(provider_type, token=offer.token)]
    assert int(stray.id) not in remaining and len(remaining) == 1
    async with fast_state.sessionmaker() as session:
        row = await session.get(OrphanServer, uuid.UUID(orphan["id"]))
        assert row is not None and row.decided_by == admin.id
    assert (await open_orphans(client, headers))["total"] == 0
    assert (await open_orphans(client, headers, state="deleted"))["total"] == 1


async def test_a_server_already_gone_at_the_provider_counts_as_deleted(
    fast_state: AppState, client: AsyncClient, sim: SimulatorServer
) -> None:
    offer = await create_offer(fast_state, sim, "linode")
    stray = await tagged_server(fast_state, offer, "stray-1")
    await sweep(fast_state, offer)
    sim.delete_instance("linode", int(stray.id), silent=True)
    headers = await admin_headers(fast_state, client)
    (orphan,) = (await open_orphans(client, headers))["orphans"]

    sim.clear_requests()
    deleted = await client.post(f"{ORPHANS}/{orphan['id']}/delete", headers=headers)

    assert deleted.status_code == 200, deleted.text
    assert deleted.json()["orphan"]["state"] == "deleted"
    assert sim.request_count(method="DELETE") == 0


def retag(sim: SimulatorServer, offer: Offer, server_id: str, tags: list[str]) -> None:
    """Someone changes the server's tags at the provider, after the sweep recorded it."""
    if offer.setup.type == "linode":
        response = httpx.put(
            f"{sim.linode_url}/linode/instances/{server_id}",
            headers={"Authorization": f"Bearer {offer.token}"},
            json={"tags": tags},
        )
        assert response.status_code == 200, response.text
    else:
        sim.change_instance("digitalocean", int(server_id), tags=tags)


@pytest.mark.parametrize("provider_type", ["linode", "digitalocean"])
async def test_a_server_retagged_since_the_sweep_is_never_deleted(
    provider_type: str, fast_state: AppState, client: AsyncClient, sim: SimulatorServer
) -> None:
    offer = await create_offer(fast_state, sim, provider_type)
    stray = await tagged_server(fast_state, offer, "stray-1")
    await sweep(fast_state, offer)
    headers = await admin_headers(fast_state, client)
    (orphan,) = (await open_orphans(client, headers))["orphans"]
    retag(sim, offer, stray.id, ["customer-prod-db"])
    sim.clear_requests()

    refused = await client.post(f"{ORPHANS}/{orphan['id']}/delete", headers=headers)

    assert refused.status_code == 409, refused.text
    assert refused.json()["error"] == "orphan_changed"
    assert sim.request_count(method="DELETE") == 0
    assert int(stray.id) in [s["id"] for s in sim.instances(provider_type, token=offer.token)]
    assert (await open_orphans(client, headers, state="gone"))["total"] == 1
    again = await client.post(f"{ORPHANS}/{orphan['id']}/delete", headers=headers)
    assert again.status_code == 200 and again.json()["orphan"]["state"] == "gone"
    assert sim.request_count(method="DELETE") == 0


@pytest.mark.parametrize("provider_type", ["linode", "digitalocean"])
async def test_a_server_whose_tag_now_names_a_live_instance_is_not_deleted(
    provider_type: str, fast_state: AppState, client: AsyncClient, sim: SimulatorServer
) -> None:
    offer = await create_offer(fast_state, sim, provider_type)
    stray = await tagged_server(fast_state, offer, "stray-1")
    await sweep(fast_state, offer)
    headers = await admin_headers(fast_state, client)
    (orphan,) = (await open_orphans(client, headers))["orphans"]
    user_headers, _, _ = await signed_in_headers(fast_state, client)
    live_id = await deploy_without_worker(client, user_headers, offer)  # still looking by tag
    retag(sim, offer, stray.id, [identity_tag(uuid.UUID(live_id))])
    sim.clear_requests()

    refused = await client.post(f"{ORPHANS}/{orphan['id']}/delete", headers=headers)

    assert refused.status_code == 409, refused.text
    assert refused.json()["error"] == "orphan_changed"
    assert sim.request_count(method="DELETE") == 0
    assert int(stray.id) in [s["id"] for s in sim.instances(provider_type, token=offer.token)]
    assert (await open_orphans(client, headers, state="adopted"))["total"] == 1


async def test_a_provider_failure_on_delete_is_answered_and_can_be_retried(
    fast_state: AppState, client: AsyncClient, sim: SimulatorServer
) -> None:
    offer = await create_offer(fast_state, sim, "linode")
    stray = await tagged_server(fast_state, offer, "stray-1")
    await sweep(fast_state, offer)
    headers = await admin_headers(fast_state, client)
    (orphan,) = (await open_orphans(client, headers))["orphans"]
    sim.inject_fault("linode", "server_error", method="DELETE", status=500, times=20)

    failed = await client.post(f"{ORPHANS}/{orphan['id']}/delete", headers=headers)

    assert failed.status_code == 503, failed.text
    assert failed.json()["error"] == "provider_unavailable"
    assert ROOT_PASS not in failed.text and offer.token not in failed.text
    # A 5xx may have been carried out: the orphan shows the delete under way.
    assert (await open_orphans(client, headers, state="deleting"))["total"] == 1
    (waiting,) = (await open_orphans(client, headers))["orphans"]
    assert waiting["state"] == "deleting"  # still shown by default: it needs another try
    assert int(stray.id) in [s["id"] for s in sim.instances("linode", token=offer.token)]
    sim.clear_faults()
    retried = await client.post(f"{ORPHANS}/{orphan['id']}/delete", headers=headers)
    assert retried.status_code == 200 and retried.json()["orphan"]["state"] == "deleted"
    assert sim.instances("linode", token=offer.token) == []


async def test_a_complete_listing_resolves_vanished_orphans_and_a_partial_one_does_not(
    fast_state: AppState, client: AsyncClient, sim: SimulatorServer
) -> None:
    offer = await create_offer(fast_state, sim, "digitalocean")
    stray = await tagged_server(fast_state, offer, "stray-1")
    kept = await tagged_server(fast_state, offer, "stray-2")
    assert await sweep(fast_state, offer) == 2
    sim.delete_instance("digitalocean", int(stray.id), silent=True)

    assert await sweep(fast_state, offer, complete=False) == 2
    assert await sweep(fast_state, offer, complete=True) == 1

    headers = await admin_headers(fast_state, client)
    (still,) = (await open_orphans(client, headers))["orphans"]
    assert still["provider_server_id"] == kept.id
    (gone,) = (await open_orphans(client, headers, state="gone"))["orphans"]
    assert gone["provider_server_id"] == stray.id


async def test_non_admins_get_403_and_bad_ids_name_the_field(
    fast_state: AppState, client: AsyncClient, sim: SimulatorServer
) -> None:
    offer = await create_offer(fast_state, sim, "linode")
    await tagged_server(fast_state, offer, "stray-1")
    await sweep(fast_state, offer)
    admin = await admin_headers(fast_state, client)
    (orphan,) = (await open_orphans(client, admin))["orphans"]
    customer, _, _ = await signed_in_headers(fast_state, client)
    for method, path in [
        ("GET", ORPHANS),
        *[("POST", f"{ORPHANS}/{orphan['id']}/{action}") for action in ("delete", "ignore")],
        ("POST", f"{ORPHANS}/{orphan['id']}/unignore"),
    ]:
        response = await client.request(method, path, headers=customer)
        assert response.status_code == 403, (method, path, response.text)
    assert len(sim.instances("linode", token=offer.token)) == 1

    unknown = await client.post(f"{ORPHANS}/{uuid.uuid4()}/delete", headers=admin)
    assert unknown.status_code == 404 and unknown.json()["error"] == "not_found"
    malformed = await client.post(f"{ORPHANS}/not-an-id/ignore", headers=admin)
    assert malformed.status_code == 422
    assert [field["field"] for field in malformed.json()["fields"]] == ["orphan_id"]
    bad_state = await client.get(ORPHANS, headers=admin, params={"state": "lost"})
    assert bad_state.status_code == 422
    assert [field["field"] for field in bad_state.json()["fields"]] == ["state"]


async def test_a_thousand_tagged_servers_cost_two_reads_and_one_batched_insert(
    fast_state: AppState, sim: SimulatorServer
) -> None:
    offer = await create_offer(fast_state, sim, "linode")
    listed = [
        ProviderInstance(
            id=str(70_000_000 + n),
            label=f"stray-{n}",
            status=InstanceStatus.RUNNING,
            raw_status="running",
            ipv4=None,
            ipv6=None,
            region_id="us-east",
            plan_id="g6-nanode-1",
            image_id=None,
            # Every other one carries our tag; the rest were made by hand.
            tags=["vpspanel", identity_tag(uuid.uuid4())] if n % 2 else [],
            created_at=None,
        )
        for n in range(2_000)
    ]

    async def run() -> tuple[int, list[str]]:
        with counting(fast_state.engine) as use:
            async with fast_state.sessionmaker() as session, session.begin():
                found = await reconcile_orphans(
                    session, fast_state, offer.account, listed, complete=True
                )
        return found.open, use.statements

    first, first_statements = await run()
    again, second_statements = await run()

    assert first == again == 1_000
    writes = [s for s in first_statements if not s.lstrip().upper().startswith("SELECT")]
    assert len(first_statements) - len(writes) == 2
    assert 1 <= len(writes) <= 3, writes  # one INSERT, in as few batches as the driver needs
    assert len(second_statements) == 2


async def test_servers_on_their_way_out_are_not_new_orphans(
    fast_state: AppState, client: AsyncClient, sim: SimulatorServer
) -> None:
    offer = await create_offer(fast_state, sim, "linode")
    headers, _, _ = await signed_in_headers(fast_state, client)
    just_deleted_id = await deploy_without_worker(client, headers, offer)
    just_deleted = await tagged_server(fast_state, offer, "gone-1", uuid.UUID(just_deleted_id))
    async with fast_state.sessionmaker() as session, session.begin():
        instance = await session.get(VpsInstance, uuid.UUID(just_deleted_id))
        assert instance is not None
        # Our delete finished (the provider answered 404) after the listing was taken.
        instance.provider_instance_id = just_deleted.id
        instance.status = "deleted"
        instance.deleted_at = fast_state.clock()
    being_deleted = await tagged_server(fast_state, offer, "going-1")
    sim.set_instance_status("linode", int(being_deleted.id), "deleting")
    listed = await servers_at_provider(fast_state, offer.account)
    assert {server.id for server in listed} == {just_deleted.id, being_deleted.id}

    async with fast_state.sessionmaker() as session, session.begin():
        tally = await reconcile_orphans(session, fast_state, offer.account, listed, complete=True)
        assert tally.open == 0

    async with fast_state.sessionmaker() as session:
        assert (await session.scalars(select(OrphanServer))).all() == []


@pytest.mark.parametrize("provider_type", ["linode", "digitalocean"])
async def test_the_workers_sweep_adopts_a_lost_create_and_lists_a_stranger(
    provider_type: str, fast_state: AppState, client: AsyncClient, sim: SimulatorServer
) -> None:
    """Through the worker's own sweep (`worker.reconcile`), not a direct call: the server of
    a lost create is adopted (not merely matched by its tag), a tagged server nobody owns is
    listed for admins, and an untagged one is left alone."""
    offer = await create_offer(fast_state, sim, provider_type)
    headers, _, _ = await signed_in_headers(fast_state, client)
    instance_id = await deploy_without_worker(client, headers, offer)
    await fail_create_as_lost(fast_state, instance_id, sent=True)
    landed = await tagged_server(fast_state, offer, "web-1", uuid.UUID(instance_id))
    stranger = await tagged_server(fast_state, offer, "nobody-owns-me")
    untagged_server(sim, offer, "made-in-the-console")

    report = await reconcile(fast_state)

    assert report.adopted == 1 and report.untracked == 1
    async with fast_state.sessionmaker() as session:
        instance = await session.get(VpsInstance, uuid.UUID(instance_id))
        assert instance is not None and instance.provider_instance_id == landed.id
        assert instance.status != InstanceStatus.FAILED.value
    events = (await client.get(f"/api/vps/{instance_id}/events", headers=headers)).json()
    assert [event["type"] for event in events["events"]].count(ADOPTED_EVENT) == 1
    listed = await open_orphans(client, await admin_headers(fast_state, client))
    assert [item["provider_server_id"] for item in listed["orphans"]] == [stranger.id]

    again = await reconcile(fast_state)
    assert again.adopted == 0 and again.untracked == 1 and again.changed == 0
