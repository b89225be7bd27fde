from __future__ import annotations

import io
import logging
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import structlog
from httpx import AsyncClient
from sqlalchemy import func, select

from tests.factories import create_committed_user
from tests.provider_accounts.support import base_url, connect, error_of, new_token
from vpspanel.instances.models import VpsInstance
from vpspanel.provider_accounts.models import ServiceProvider, UpstreamCatalogCache
from vpspanel.providers.types import CreateOptions
from vpspanel.security.secrets import provider_key_context
from vpspanel.simulator.testing import SimulatorServer
from vpspanel.state import AppState

ID = "00000000-0000-0000-0000-000000000001"
ROUTES = [
    ("GET", "/api/admin/providers"),
    ("POST", "/api/admin/providers"),
    ("GET", f"/api/admin/providers/{ID}"),
    ("PATCH", f"/api/admin/providers/{ID}"),
    ("POST", f"/api/admin/providers/{ID}/api-key"),
    ("POST", f"/api/admin/providers/{ID}/test"),
    ("DELETE", f"/api/admin/providers/{ID}"),
]


async def count_accounts(state: AppState) -> int:
    async with state.sessionmaker() as db:
        return int(await db.scalar(select(func.count()).select_from(ServiceProvider)) or 0)


class TestAccess:
    @pytest.mark.parametrize(("method", "path"), ROUTES)
    async def test_anonymous_is_401(self, client: AsyncClient, method: str, path: str) -> None:
        response = await client.request(method, path, json={})
        assert response.status_code == 401

    @pytest.mark.parametrize(("method", "path"), ROUTES)
    async def test_customer_is_403(
        self, client: AsyncClient, customer: dict[str, str], method: str, path: str
    ) -> None:
        response = await client.request(method, path, json={}, headers=customer)
        assert response.status_code == 403

    @pytest.mark.parametrize(("method", "path"), ROUTES[2:])
    async def test_admin_gets_404_for_unknown_account(
        self,
        client: AsyncClient,
        admin: dict[str, str],
        sim: SimulatorServer,
        method: str,
        path: str,
    ) -> None:
        body = {"api_key": new_token()} if path.endswith("api-key") else {}
        response = await client.request(method, path, json=body, headers=admin)
        assert response.status_code == 404


class TestConnect:
    @pytest.mark.parametrize("provider_type", ["linode", "digitalocean"])
    async def test_connects_with_a_verified_key_and_shows_only_a_hint(
        self,
        client: AsyncClient,
        admin: dict[str, str],
        sim: SimulatorServer,
        state: AppState,
        provider_type: str,
    ) -> None:
        token = new_token()
        provider = await connect(client, admin, sim, provider_type, token=token)
        assert provider["type"] == provider_type
        assert provider["api_key_hint"] == "…" + token[-4:]
        assert provider["status"]["ok"] is True
        assert provider["active"] is True
        assert provider["key_expiring_soon"] is False
        async with state.sessionmaker() as db:
            row = await db.get(ServiceProvider, uuid.UUID(provider["id"]))
            assert row is not None
            assert token not in row.api_key_encrypted
            # Bound to this row: decrypts with its id as context.
            assert (
                state.secret_box.decrypt(
                    row.api_key_encrypted, context=provider_key_context(row.id)
                )
                == token
            )
        listed = (await client.get("/api/admin/providers", headers=admin)).json()["providers"]
        assert [p["id"] for p in listed] == [provider["id"]]

    async def test_rejected_key_is_422_and_nothing_is_saved(
        self, client: AsyncClient, admin: dict[str, str], sim: SimulatorServer, state: AppState
    ) -> None:
        response = await client.post(
            "/api/admin/providers",
            json={
                "name": "Bad",
                "type": "linode",
                "api_key": new_token("invalid"),
                "api_base_url": sim.linode_url,
            },
            headers=admin,
        )
        assert response.status_code == 422
        assert error_of(response) == "invalid_credentials"
        assert response.json()["fields"][0]["field"] == "api_key"
        assert await count_accounts(state) == 0

    @pytest.mark.parametrize(
        ("provider_type", "missing"),
        [("linode", "linodes:read_write"), ("digitalocean", "tag:create")],
    )
    async def test_read_only_key_is_refused_naming_the_missing_permission(
        self,
        client: AsyncClient,
        admin: dict[str, str],
        sim: SimulatorServer,
        state: AppState,
        provider_type: str,
        missing: str,
    ) -> None:
        response = await client.post(
            "/api/admin/providers",
            json={
                "name": "RO",
                "type": provider_type,
                "api_key": new_token("readonly"),
                "api_base_url": sim.linode_url
                if provider_type == "linode"
                else sim.digitalocean_url,
            },
            headers=admin,
        )
        assert response.status_code == 422
        body = response.json()
        assert body["error"] == "insufficient_permissions"
        assert body["fields"][0]["field"] == "api_key"
        assert missing in body["detail"]
        assert await count_accounts(state) == 0

    async def test_unreachable_url_is_422_on_api_base_url_and_nothing_is_saved(
        self, client: AsyncClient, admin: dict[str, str], state: AppState, closed_port_url: str
    ) -> None:
        response = await client.post(
            "/api/admin/providers",
            json={
                "name": "Down",
                "type": "linode",
                "api_key": new_token(),
                "api_base_url": closed_port_url,
            },
            headers=admin,
        )
        assert response.status_code == 422
        assert error_of(response) == "invalid_api_base_url"
        assert response.json()["fields"][0]["field"] == "api_base_url"
        assert await count_accounts(state) == 0

    async def test_several_accounts_of_one_type_are_fine(
        self, client: AsyncClient, admin: dict[str, str], sim: SimulatorServer
    ) -> None:
        await connect(client, admin, sim, "linode", name="One")
        await connect(client, admin, sim, "linode", name="Two")
        listed = (await client.get("/api/admin/providers", headers=admin)).json()["providers"]
        assert sorted(p["name"] for p in listed) == ["One", "Two"]


class TestConfiguration:
    async def test_unknown_key_is_422_naming_it(
        self, client: AsyncClient, admin: dict[str, str], sim: SimulatorServer, state: AppState
    ) -> None:
        response = await client.post(
            "/api/admin/providers",
            json={
                "name": "X",
                "type": "linode",
                "api_key": new_token(),
                "api_base_url": sim.linode_url,
                "configuration": {"backups": True},
            },
            headers=admin,
        )
        assert response.status_code == 422
        assert response.json()["fields"][0]["field"] == "configuration.backups"
        assert await count_accounts(state) == 0

    async def test_wrong_type_is_422(
        self, client: AsyncClient, admin: dict[str, str], sim: SimulatorServer
    ) -> None:
        provider = await connect(client, admin, sim, "linode")
        response = await client.patch(
            f"/api/admin/providers/{provider['id']}",
            json={"configuration": {"default": "yes"}},
            headers=admin,
        )
        assert response.status_code == 422
        assert response.json()["fields"][0]["field"] == "configuration.default"

    @pytest.mark.parametrize(
        ("provider_type", "flag"),
        [
            ("digitalocean", "private_ip_enabled"),
            ("linode", "ipv6_enabled"),
            ("linode", "vpc_enabled"),
        ],
    )
    async def test_flag_of_the_other_provider_type_is_refused(
        self,
        client: AsyncClient,
        admin: dict[str, str],
        sim: SimulatorServer,
        provider_type: str,
        flag: str,
    ) -> None:
        provider = await connect(client, admin, sim, provider_type)
        response = await client.patch(
            f"/api/admin/providers/{provider['id']}",
            json={"configuration": {flag: True}},
            headers=admin,
        )
        assert response.status_code == 422
        assert response.json()["fields"][0]["field"] == f"configuration.{flag}"

    async def test_allowed_regions_must_be_real_regions(
        self, client: AsyncClient, admin: dict[str, str], sim: SimulatorServer, state: AppState
    ) -> None:
        response = await client.post(
            "/api/admin/providers",
            json={
                "name": "X",
                "type": "digitalocean",
                "api_key": new_token(),
                "api_base_url": sim.digitalocean_url,
                "configuration": {"allowed_regions": ["nyc3", "atlantis1"]},
            },
            headers=admin,
        )
        assert response.status_code == 422
        assert response.json()["error"] == "region_not_available"
        assert "atlantis1" in response.json()["detail"]
        assert await count_accounts(state) == 0

    async def test_flags_become_create_options(
        self, client: AsyncClient, admin: dict[str, str], sim: SimulatorServer, state: AppState
    ) -> None:
        linode = await connect(
            client,
            admin,
            sim,
            "linode",
            configuration={
                "allowed_regions": ["us-east"],
                "backup_enabled": True,
                "private_ip_enabled": True,
            },
        )
        assert linode["configuration"]["allowed_regions"] == ["us-east"]
        do = await connect(
            client,
            admin,
            sim,
            "digitalocean",
            configuration={"ipv6_enabled": True, "vpc_enabled": True},
        )
        async with state.sessionmaker() as db:
            linode_row = await db.get(ServiceProvider, uuid.UUID(linode["id"]))
            do_row = await db.get(ServiceProvider, uuid.UUID(do["id"]))
            assert linode_row is not None and do_row is not None
            assert linode_row.create_options() == CreateOptions(backups=True, private_ip=True)
            assert do_row.create_options() == CreateOptions(ipv6=True, private_ip=True)

    async def test_only_one_default_per_type(
        self, client: AsyncClient, admin: dict[str, str], sim: SimulatorServer
    ) -> None:
        await connect(client, admin, sim, "linode", configuration={"default": True})
        second = await connect(client, admin, sim, "linode")
        response = await client.patch(
            f"/api/admin/providers/{second['id']}",
            json={"configuration": {"default": True}},
            headers=admin,
        )
        assert response.status_code == 409
        assert error_of(response) == "default_provider_exists"
        # Another type may have its own default.
        await connect(client, admin, sim, "digitalocean", configuration={"default": True})


class TestKeyRotation:
    async def test_rotation_checks_the_new_key_then_stores_it_and_clears_the_cache(
        self, client: AsyncClient, admin: dict[str, str], sim: SimulatorServer, state: AppState
    ) -> None:
        token = new_token()
        provider = await connect(client, admin, sim, "linode", token=token)
        regions = await client.get(
            f"/api/admin/upstream/regions?providerId={provider['id']}", headers=admin
        )
        assert regions.status_code == 200
        path = f"/api/admin/providers/{provider['id']}/api-key"

        refused = await client.post(path, json={"api_key": new_token("invalid")}, headers=admin)
        assert refused.status_code == 422
        assert error_of(refused) == "invalid_credentials"

        new_key = token + "~rotated"
        expires = (datetime.now(UTC) + timedelta(days=3)).isoformat()
        rotated = await client.post(
            path, json={"api_key": new_key, "expires_at": expires}, headers=admin
        )
        assert rotated.status_code == 200, rotated.text
        body = rotated.json()["provider"]
        assert body["api_key_hint"] == "…" + new_key[-4:]
        assert body["key_rotated_at"] is not None
        assert body["key_expiring_soon"] is True
        async with state.sessionmaker() as db:
            cached = await db.scalar(
                select(func.count())
                .select_from(UpstreamCatalogCache)
                .where(UpstreamCatalogCache.provider_id == uuid.UUID(provider["id"]))
            )
            assert cached == 0
            row = await db.get(ServiceProvider, uuid.UUID(provider["id"]))
            assert row is not None
            assert (
                state.secret_box.decrypt(
                    row.api_key_encrypted, context=provider_key_context(row.id)
                )
                == new_key
            )


class TestTest:
    async def test_reports_latency_account_and_permissions_and_stores_status(
        self, client: AsyncClient, admin: dict[str, str], sim: SimulatorServer
    ) -> None:
        provider = await connect(client, admin, sim, "linode")
        response = await client.post(f"/api/admin/providers/{provider['id']}/test", headers=admin)
        assert response.status_code == 200
        body = response.json()
        assert body["ok"] is True
        assert isinstance(body["latency_ms"], int)
        assert body["permissions"]["read"] is True
        assert body["permissions"]["scopes"] == ["*"]  # the simulator's full-access token
        assert body["permissions"]["missing"] == []
        assert body["account"]["id"]
        assert body["error"] is None

    async def test_unreachable_provider_is_recorded_as_failed_status(
        self,
        client: AsyncClient,
        admin: dict[str, str],
        sim: SimulatorServer,
        state: AppState,
        closed_port_url: str,
    ) -> None:
        provider = await connect(client, admin, sim, "linode")
        # The provider went away after connecting (PATCH would refuse an unreachable URL).
        async with state.sessionmaker() as db, db.begin():
            row = await db.get(ServiceProvider, uuid.UUID(provider["id"]))
            assert row is not None
            row.api_base_url = closed_port_url
        response = await client.post(f"/api/admin/providers/{provider['id']}/test", headers=admin)
        body = response.json()
        assert body["ok"] is False and body["error"]
        stored = (await client.get(f"/api/admin/providers/{provider['id']}", headers=admin)).json()[
            "provider"
        ]["status"]
        assert stored["ok"] is False
        assert stored["checked_at"] is not None
        assert stored["error"] == body["error"]


class TestDeactivateAndDelete:
    async def test_delete_with_live_instances_is_409_then_204_once_deleted(
        self, client: AsyncClient, admin: dict[str, str], sim: SimulatorServer, state: AppState
    ) -> None:
        provider = await connect(client, admin, sim, "linode")
        _, organization = await create_committed_user(state)
        async with state.sessionmaker() as db, db.begin():
            instance = VpsInstance(
                organization_id=organization.id,
                provider_id=uuid.UUID(provider["id"]),
                provider_instance_id="1",
                label="web-1",
                status="running",
                region="us-east",
                image="linode/debian12",
            )
            db.add(instance)
        path = f"/api/admin/providers/{provider['id']}"
        in_use = await client.delete(path, headers=admin)
        assert in_use.status_code == 409
        assert error_of(in_use) == "provider_in_use"

        async with state.sessionmaker() as db, db.begin():
            row = await db.get(VpsInstance, instance.id)
            assert row is not None
            row.status = "deleted"
        assert (await client.delete(path, headers=admin)).status_code == 204
        assert (await client.get(path, headers=admin)).status_code == 404

    async def test_deactivate(
        self, client: AsyncClient, admin: dict[str, str], sim: SimulatorServer
    ) -> None:
        provider = await connect(client, admin, sim, "digitalocean")
        response = await client.patch(
            f"/api/admin/providers/{provider['id']}", json={"active": False}, headers=admin
        )
        assert response.json()["provider"]["active"] is False


class TestSecrecy:
    async def test_key_canary_never_appears_in_responses_or_logs(
        self,
        client: AsyncClient,
        admin: dict[str, str],
        sim: SimulatorServer,
        closed_port_url: str,
    ) -> None:
        canary = "canary-" + uuid.uuid4().hex
        logs = io.StringIO()
        # The app's JSON log lines (structlog) and the stdlib loggers of the provider layer.
        structlog.configure(logger_factory=structlog.PrintLoggerFactory(file=logs))
        handler = logging.StreamHandler(logs)
        root = logging.getLogger()
        previous_level = root.level
        root.addHandler(handler)
        root.setLevel(logging.DEBUG)
        seen: list[str] = []

        def record(response: object) -> None:
            seen.append(str(getattr(response, "text", "")))
            seen.append(str(dict(getattr(response, "headers", {}))))

        base = {"name": "Canary", "type": "linode", "api_base_url": sim.linode_url}
        created = await client.post(
            "/api/admin/providers", json={**base, "api_key": canary}, headers=admin
        )
        record(created)
        provider_id = created.json()["provider"]["id"]
        for response in [
            await client.post(
                "/api/admin/providers", json={**base, "api_key": "invalid" + canary}, headers=admin
            ),
            await client.post(
                "/api/admin/providers", json={**base, "api_key": "readonly" + canary}, headers=admin
            ),
            await client.post(
                "/api/admin/providers",
                json={**base, "api_key": canary, "api_base_url": closed_port_url},
                headers=admin,
            ),
            await client.post(
                "/api/admin/providers",
                json={**base, "api_key": canary, "configuration": {"nope": 1}},
                headers=admin,
            ),
            await client.get("/api/admin/providers", headers=admin),
            await client.get(f"/api/admin/providers/{provider_id}", headers=admin),
            await client.post(f"/api/admin/providers/{provider_id}/test", headers=admin),
            await client.post(
                f"/api/admin/providers/{provider_id}/api-key",
                json={"api_key": "invalid" + canary},
                headers=admin,
            ),
            await client.post(
                f"/api/admin/providers/{provider_id}/api-key",
                json={"api_key": canary + "-2"},
                headers=admin,
            ),
            await client.get(f"/api/admin/upstream/images?providerId={provider_id}", headers=admin),
        ]:
            record(response)
        root.removeHandler(handler)
        root.setLevel(previous_level)
        logged = logs.getvalue()
        assert "provider_account_created" in logged  # the capture does see the app's logs
        assert "unhandled_error" not in logged
        for text in [*seen, logged]:
            assert canary not in text
            assert canary[-20:] not in text


@pytest.mark.parametrize("provider_type", ["linode", "digitalocean"])
async def test_base_url_defaults_to_none_when_not_given(
    client: AsyncClient, admin: dict[str, str], sim: SimulatorServer, provider_type: str
) -> None:
    provider = await connect(client, admin, sim, provider_type)
    assert provider["api_base_url"] == base_url(sim, provider_type)
