"""What the worker tells operators (issue 12): ended operations counted by type and outcome
with their durations, claims and finishes logged at INFO as structured events, and a
provider account that keeps failing shown as such (with its backoff) on the admin provider
list while the other accounts carry on."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from httpx import AsyncClient
from prometheus_client import REGISTRY

from tests.factories import running_instance, signed_in_headers
from tests.fixtures.clients import bearer_headers
from tests.instances.support import create_offer, deploy_body, pick_image
from vpspanel.auth.models import UserRole
from vpspanel.provider_accounts import health
from vpspanel.provider_accounts.repository import ProviderAccountRepository
from vpspanel.providers import errors as perr
from vpspanel.simulator.testing import SimulatorServer
from vpspanel.state import AppState
from vpspanel.worker.runner import Worker


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


class TestOperationMetrics:
    async def test_an_ended_operation_is_counted_with_its_duration(
        self, fast_state: AppState, client: AsyncClient, sim: SimulatorServer, worker: Worker
    ) -> None:
        labels = {"type": "create", "outcome": "succeeded"}
        ended = sample("vpspanel_operations_total", **labels)
        timed = sample("vpspanel_operation_seconds_count", **labels)
        offer = await create_offer(fast_state, sim, "linode")
        headers, _, _ = await signed_in_headers(fast_state, client)
        await running_instance(client, headers, offer, worker)
        assert sample("vpspanel_operations_total", **labels) == ended + 1
        assert sample("vpspanel_operation_seconds_count", **labels) == timed + 1


class TestWorkerLogs:
    async def test_claims_and_finishes_are_logged_at_info_with_their_facts(
        self,
        fast_state: AppState,
        client: AsyncClient,
        sim: SimulatorServer,
        worker: Worker,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        offer = await create_offer(fast_state, sim, "digitalocean")
        headers, _, _ = await signed_in_headers(fast_state, client)
        instance = await running_instance(client, headers, offer, worker)
        events = [
            json.loads(line)
            for line in capsys.readouterr().err.splitlines()
            if line.startswith("{") and '"operation_' in line
        ]
        claimed = [e for e in events if e["event"] == "operation_claimed"]
        finished = [e for e in events if e["event"] == "operation_finished"]
        assert claimed and claimed[0]["level"] == "info"
        assert claimed[0]["type"] == "create"
        assert claimed[0]["account"] == str(offer.account.id)
        (done,) = finished
        assert done["level"] == "info"
        assert done["outcome"] == "succeeded"
        assert done["operation_id"] == claimed[0]["operation_id"]
        assert done["account"] == str(offer.account.id)
        assert done["duration_s"] >= 0
        assert instance["id"]


class TestAccountHealth:
    async def test_a_failing_account_backs_off_and_shows_why_while_others_carry_on(
        self, fast_state: AppState, client: AsyncClient, sim: SimulatorServer, worker: Worker
    ) -> None:
        down = await create_offer(fast_state, sim, "linode")
        healthy = await create_offer(fast_state, sim, "digitalocean")
        headers, _, _ = await signed_in_headers(fast_state, client)
        running = await running_instance(client, headers, healthy, worker)
        image = await pick_image(client, headers, down.small.id, down.setup.image_distribution)
        sim.inject_fault("linode", "server_error", status=503, times=1000)
        created = await client.post(
            "/api/vps", json=deploy_body(down, image, label="down"), headers=headers
        )
        assert created.status_code == 201, created.text
        assert await worker.run_once()  # the create's step meets the outage
        # The healthy account's server is still served (a reboot goes through).
        reboot = await client.post(f"/api/vps/{running['id']}/reboot", headers=headers)
        assert reboot.status_code == 202, reboot.text

        admin = await bearer_headers(fast_state, UserRole.ADMIN)
        listed = await client.get("/api/admin/providers", headers=admin)
        assert listed.status_code == 200, listed.text
        by_id = {p["id"]: p["status"] for p in listed.json()["providers"]}
        failing = by_id[str(down.account.id)]
        assert failing["ok"] is False
        assert "answered 503" in failing["error"]
        assert failing["failures"] >= 1
        assert failing["since"] is not None and failing["next_attempt_at"] is not None
        assert down.token not in listed.text
        assert by_id[str(healthy.account.id)]["ok"] is not False

        sim.clear_faults()
        async with fast_state.sessionmaker() as session:
            account = await ProviderAccountRepository(session).get(down.account.id)
            assert account is not None
            assert health.backing_off(account, fast_state.clock())
        # Once the account answers again (the next step succeeds), the streak is cleared.
        while await worker.run_once():
            pass
        detail = await client.get(f"/api/admin/providers/{down.account.id}", headers=admin)
        status = detail.json()["provider"]["status"]
        assert status["ok"] is True and status["failures"] == 0
        assert status["next_attempt_at"] is None


class TestBackoff:
    def test_the_backoff_doubles_and_is_capped(self) -> None:
        assert health.backoff(1) == timedelta(seconds=30)
        assert health.backoff(2) == timedelta(seconds=60)
        assert health.backoff(5) == timedelta(minutes=8)
        assert health.backoff(6) == timedelta(minutes=15)
        assert health.backoff(500) == timedelta(minutes=15)

    def test_only_whole_account_failures_count(self) -> None:
        assert health.is_account_failure(perr.ProviderAuthError("bad key", status_code=401))
        assert health.is_account_failure(
            perr.ProviderUnavailable("down", may_have_succeeded=False, status_code=503)
        )
        assert not health.is_account_failure(perr.ProviderNotFound("gone", status_code=404))
        assert not health.is_account_failure(
            perr.ProviderRateLimited("slow down", retry_after_s=5.0)
        )

    def test_a_reason_never_keeps_url_credentials(self) -> None:
        reason = health.safe_reason(
            "could not connect to https://user:s3cret@api.example.test/v4 (ConnectError)"
        )
        assert "s3cret" not in reason and "user:" not in reason
        assert "https://api.example.test/v4" in reason
