"""Hostnames and root passwords (issue 8, item 18): fully qualified names are accepted and
reach both clouds; guessable passwords are refused before anything is accepted, saying why."""

from __future__ import annotations

import pytest
from httpx import AsyncClient

from tests.factories import running_instance, signed_in_headers
from tests.instances.support import (
    STRONG_PASS,
    create_offer,
    deploy_body,
    pick_image,
    servers_at_provider,
)
from vpspanel.instances import validation
from vpspanel.simulator.testing import SimulatorServer
from vpspanel.state import AppState
from vpspanel.worker.runner import Worker

LONG_FQDN = ".".join(["a" * 63, "b" * 63, "c" * 63, "example.com"])  # 203 characters


@pytest.mark.parametrize(
    "label", ["web1", "web1.example.com", "db-2.eu.example.org", LONG_FQDN, "a" * 63]
)
def test_dot_separated_hostnames_are_accepted(label: str) -> None:
    assert validation.label_problem(label) is None


@pytest.mark.parametrize(
    "label",
    [
        "web1..example.com",
        ".web1",
        "web1.",
        "web1.-bad.com",
        "web1.bad-.com",
        "web1." + "a" * 64 + ".com",
        ".".join(["a" * 63] * 4) + ".com",  # 260 characters
        "web_1.example.com",
        "1web.example.com",
        "wéb1.example.com",
    ],
)
def test_malformed_hostnames_are_refused(label: str) -> None:
    assert validation.label_problem(label) is not None


@pytest.mark.parametrize(
    "password", ["Password123!", "Qwerty123456!", "P@ssw0rd2024!", "Welcome2024!!"]
)
def test_guessable_passwords_with_three_classes_are_refused_saying_why(password: str) -> None:
    problem = validation.root_pass_problem(password)
    assert problem is not None
    assert "too easy to guess" in problem
    assert password not in problem


@pytest.mark.parametrize("password", [STRONG_PASS, "xK9#mP2$vL7q", "Tr0ub4dor&3-horse"])
def test_strong_passwords_are_accepted(password: str) -> None:
    assert validation.root_pass_problem(password) is None


@pytest.mark.parametrize("provider_type", ["linode", "digitalocean"])
async def test_a_fully_qualified_name_is_deployed_on_both_clouds(
    provider_type: str,
    fast_state: AppState,
    client: AsyncClient,
    sim: SimulatorServer,
    worker: Worker,
) -> None:
    offer = await create_offer(fast_state, sim, provider_type)
    headers, _, _ = await signed_in_headers(fast_state, client)
    running = await running_instance(client, headers, offer, worker, label=LONG_FQDN)
    assert running["label"] == LONG_FQDN
    (server,) = await servers_at_provider(fast_state, offer.account)
    if provider_type == "digitalocean":
        assert server.label == LONG_FQDN  # the droplet name is the hostname
    else:
        assert len(server.label) <= 64 and server.label.startswith("a" * 40)


async def test_a_guessable_password_is_refused_before_anything_is_accepted(
    fast_state: AppState, client: AsyncClient, sim: SimulatorServer
) -> None:
    offer = await create_offer(fast_state, sim, "linode")
    headers, _, _ = await signed_in_headers(fast_state, client)
    image = await pick_image(client, headers, offer.small.id, "Ubuntu")
    body = deploy_body(offer, image, root_pass="Welcome2024!!")
    response = await client.post("/api/vps", json=body, headers=headers)
    assert response.status_code == 422, response.text
    (field,) = response.json()["fields"]
    assert field["field"] == "root_pass"
    assert "too easy to guess" in field["message"]
    assert sim.request_count("linode", "POST") == 0
