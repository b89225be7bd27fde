from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from httpx import ASGITransport, AsyncClient
from pydantic import SecretStr
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from tests.conftest import TEST_ENCRYPTION_KEY
from vpspanel.app import create_app
from vpspanel.auth.models import User
from vpspanel.config import Environment, Settings
from vpspanel.provider_errors import customer_error
from vpspanel.providers.errors import ProviderValidationError
from vpspanel.state import AppState


class TestOperationsEndpoints:
    async def test_metrics_are_prometheus_text(self, client: AsyncClient) -> None:
        await client.get("/api/health")
        response = await client.get("/metrics")
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/plain")
        assert "vpspanel_http_requests_total" in response.text

    async def test_health_is_503_when_the_database_is_unreachable(self, tmp_path: Path) -> None:
        settings = Settings(
            env=Environment.TEST,
            database_url="postgresql://nobody@127.0.0.1:1/none",
            data_dir=tmp_path,
            encryption_keys=[SecretStr(TEST_ENCRYPTION_KEY)],
        )
        state = AppState.from_settings(settings)
        try:
            app = create_app(state=state)
            async with AsyncClient(transport=ASGITransport(app=app), base_url="http://t") as http:
                response = await http.get("/api/health")
        finally:
            await state.close()
        assert response.status_code == 503
        assert response.json()["database"] == "unavailable"

    async def test_health_answers_while_a_write_is_under_way(
        self, state: AppState, client: AsyncClient
    ) -> None:
        # A health check only reads: on SQLite it must not queue for the write lock behind the
        # worker's transactions (a load balancer would take the panel for dead).
        async with state.sessionmaker() as writing, writing.begin():
            await writing.execute(update(User).values(active=True))
            response = await asyncio.wait_for(client.get("/api/health"), timeout=2)
        assert response.status_code == 200

    async def test_every_response_carries_a_request_id(self, client: AsyncClient) -> None:
        response = await client.get("/api/health", headers={"X-Request-Id": "abc123"})
        assert response.headers["X-Request-Id"] == "abc123"
        generated = await client.get("/api/health")
        assert len(generated.headers["X-Request-Id"]) == 32

    async def test_unknown_api_paths_use_the_error_shape(self, client: AsyncClient) -> None:
        response = await client.get("/api/no-such-thing")
        assert response.status_code == 404
        assert response.json()["error"] == "not_found"
        wrong_method = await client.delete("/api/health")
        assert wrong_method.status_code == 405
        assert wrong_method.json()["error"] == "method_not_allowed"


class TestOpenApiDocument:
    async def test_every_operation_declares_its_error_responses(self, client: AsyncClient) -> None:
        document = (await client.get("/openapi.json")).json()
        for path, operations in document["paths"].items():
            for method, operation in operations.items():
                declared = set(operation["responses"])
                assert {"401", "404", "422"} <= declared, f"{method.upper()} {path}"
        assert "ErrorBody" in document["components"]["schemas"]

    async def test_docs_page_is_served(self, client: AsyncClient) -> None:
        response = await client.get("/docs")
        assert response.status_code == 200


class TestLogsCarryNoSecrets:
    async def test_tokens_and_passwords_stay_out_of_the_logs(
        self, client: AsyncClient, state: AppState, capfd: pytest.CaptureFixture[str]
    ) -> None:
        password = "canary-password-93f1c2"
        email = "logcheck@example.com"
        await client.post(
            "/api/auth/register", json={"email": email, "password": password, "name": "Log"}
        )
        login = await client.post("/api/auth/login", json={"email": email, "password": password})
        token = login.json()["access_token"]
        await client.get("/api/auth/me", headers={"Authorization": f"Bearer {token}"})
        out, err = capfd.readouterr()
        logs = out + err
        assert '"route": "/api/auth/login"' in logs  # the requests were logged
        assert password not in logs and token not in logs


class TestCommandLine:
    async def test_create_admin_then_sign_in_as_that_admin(
        self, state: AppState, client: AsyncClient, tmp_path: Path
    ) -> None:
        env = {
            **os.environ,
            "VPSPANEL_DATABASE_URL": state.settings.database_url,
            "VPSPANEL_ENCRYPTION_KEYS": TEST_ENCRYPTION_KEY,
            "VPSPANEL_DATA_DIR": str(tmp_path),
        }
        command = [
            sys.executable,
            "-m",
            "vpspanel.cli",
            "create-admin",
            "--email",
            "Boss@Example.com",
            "--password",
            "admin password 1",
            "--name",
            "Boss",
        ]

        def run(args: list[str]) -> subprocess.CompletedProcess[str]:
            return subprocess.run(
                args, env=env, capture_output=True, text=True, timeout=120, check=False
            )

        created = run(command)
        assert created.returncode == 0, created.stderr
        again = run(command)
        assert again.returncode == 1 and "already exists" in again.stderr
        assert run([*command[:-4], "--password", "short"]).returncode == 2

        response = await client.post(
            "/api/auth/login", json={"email": "boss@example.com", "password": "admin password 1"}
        )
        assert response.status_code == 200, response.text
        assert response.json()["user"]["role"] == "admin"
        me = await client.get(
            "/api/auth/me",
            headers={"Authorization": f"Bearer {response.json()['access_token']}"},
        )
        assert json.loads(me.text)["user"]["name"] == "Boss"


class TestInputTheDatabaseCannotTake:
    @pytest.mark.parametrize(
        ("path", "body", "field"),
        [
            ("/api/auth/login", {"email": "a\u0000@example.com", "password": "x"}, "email"),
            (
                "/api/auth/register",
                {"email": "nul@example.com", "password": "long enough password", "name": "A\u0000"},
                "name",
            ),
            ("/api/vps", {"label": "web", "ssh_keys": ["ok", "k\u0000"]}, "ssh_keys[1]"),
        ],
    )
    async def test_nul_characters_are_refused_before_the_database_naming_the_field(
        self, client: AsyncClient, path: str, body: dict[str, object], field: str
    ) -> None:
        response = await client.post(path, json=body)
        assert response.status_code == 422
        assert response.json()["error"] == "validation_error"
        assert [f["field"] for f in response.json()["fields"]] == [field]

    async def test_nul_in_a_query_string_is_refused_naming_the_parameter(
        self, client: AsyncClient
    ) -> None:
        response = await client.get("/api/health?x=%00")
        assert response.status_code == 422
        assert [f["field"] for f in response.json()["fields"]] == ["x"]

    async def test_a_long_name_still_gets_a_default_organization(self, client: AsyncClient) -> None:
        response = await client.post(
            "/api/auth/register",
            json={
                "email": "long@example.com",
                "password": "violet stapler orbit",
                "name": "N" * 100,
            },
        )
        assert response.status_code == 201, response.text
        assert len(response.json()["organization"]["name"]) == 100

    async def test_concurrent_registrations_of_one_email_make_one_account(
        self, client: AsyncClient
    ) -> None:
        body = {"email": "race@example.com", "password": "long enough password", "name": "R"}
        responses = await asyncio.gather(
            *[client.post("/api/auth/register", json=body) for _ in range(5)]
        )
        statuses = sorted(response.status_code for response in responses)
        assert statuses == [201, 409, 409, 409, 409]
        assert all(
            response.json()["error"] == "email_taken"
            for response in responses
            if response.status_code == 409
        )

    async def test_database_errors_do_not_carry_the_values(self, state: AppState) -> None:
        canary = "$argon2id$canary-hash-value"
        async with state.sessionmaker() as session:
            for _ in range(2):
                session.add(User(email="dup@example.com", name="A", password_hash=canary))
                try:
                    await session.flush()
                except IntegrityError as exc:
                    caught = exc
            await session.rollback()
        assert "dup@example.com" not in str(caught)
        assert canary not in str(caught)


def test_provider_rejections_reach_customers_without_the_providers_words() -> None:
    error = customer_error(ProviderValidationError("plan_id", "Invalid Linode type"))
    body = error.body()
    assert error.status_code == 422
    assert body["fields"][0]["field"] == "plan_id"
    assert "Linode" not in str(body)
