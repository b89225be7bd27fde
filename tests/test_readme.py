"""The README documents every CLI command, every simulator control route and every fault kind.

When this fails after you added a command, a control route or a fault: document it in README.md
(the "Command line" or "The simulator" section), then run this test again."""

from __future__ import annotations

import json
import re
import typing
from pathlib import Path

import httpx
from starlette.routing import Route

from vpspanel.cli import app as cli_app
from vpspanel.simulator import create_simulator_app
from vpspanel.simulator.app import FaultRequest

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def _command_names() -> list[str]:
    return [
        command.name or (command.callback.__name__.replace("_", "-") if command.callback else "")
        for command in cli_app.registered_commands
    ]


def test_every_cli_command_is_documented() -> None:
    missing = [name for name in _command_names() if f"uv run vpspanel {name}" not in README]
    assert not missing, (
        f"README.md does not show `uv run vpspanel {missing[0]}`: document each of {missing} "
        "in its 'Command line' section"
    )


def test_every_simulator_control_route_is_documented() -> None:
    routes = [
        f"{method} {route.path.replace('{id:int}', '{id}')}"
        for route in create_simulator_app().routes
        if isinstance(route, Route) and route.path.startswith("/_control")
        for method in sorted((route.methods or set()) - {"HEAD"})
    ]
    assert len(routes) >= 10
    missing = [route for route in routes if f"`{route}`" not in README]
    assert not missing, (
        f"README.md's simulator control table lacks {missing}: add a row per route "
        "('The simulator' section)"
    )


def test_every_fault_kind_is_documented() -> None:
    kinds = typing.get_args(FaultRequest.model_fields["kind"].annotation)
    missing = [kind for kind in kinds if f"| `{kind}` |" not in README]
    assert not missing, (
        f"README.md's fault table lacks {missing}: add a row saying what each fault does "
        "('The simulator' section)"
    )


def test_the_cli_is_shown_with_uv_run() -> None:
    for line in README.splitlines():
        stripped = line.strip()
        if stripped.startswith("vpspanel ") and not stripped.startswith("vpspanel is"):
            raise AssertionError(f"README.md shows the CLI without `uv run`: {line!r}")


# The API prefix of each simulated cloud, as a client sends its requests.
_API_PREFIX = {"linode": "/linode/v4", "digitalocean": "/digitalocean/v2"}
# The path each README fault example is meant to hit (the create of each cloud).
_CREATE_PATH = {"linode": "/linode/instances", "digitalocean": "/droplets"}


async def test_the_fault_examples_hit_the_request_they_name() -> None:
    """Each curl example of the README's fault section, sent to the simulator, is used up by the
    provider request it names; a `path` with the API version prefix would never match."""
    bodies = [json.loads(body) for body in re.findall(r"-d '(\{[^']*\})'", README)]
    faults = [body for body in bodies if "kind" in body]
    assert {body["provider"] for body in faults} == {"linode", "digitalocean"}, (
        "README.md's simulator section should show a fault example for each provider"
    )
    app = create_simulator_app()
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://sim"
    ) as sim:
        for body in faults:
            provider = body["provider"]
            assert (await sim.post("/_control/faults", json=body)).status_code in (200, 201)
            await sim.request(
                body["method"],
                _API_PREFIX[provider] + _CREATE_PATH[provider],
                headers={"Authorization": "Bearer readme-example"},
                json={},
            )
            armed = (await sim.get("/_control/faults")).json()["faults"]
            assert all(fault["times"] == 0 for fault in armed), (
                f"README.md's {provider} fault example did not match "
                f"{_API_PREFIX[provider]}{_CREATE_PATH[provider]}: {body['path']!r}"
            )
