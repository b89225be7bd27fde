"""`SimulatorServer`: the simulator on a real port, driven over real HTTP."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.simulator.conftest import STRONG_PASSWORD
from vpspanel.simulator import ManualClock, SimulatorSettings
from vpspanel.simulator.testing import SimulatorServer

AUTH = {"Authorization": "Bearer tok-server"}
LINODE = {
    "type": "g6-nanode-1",
    "region": "us-east",
    "image": "linode/debian12",
    "root_pass": STRONG_PASSWORD,
    "label": "over-http",
}
DROPLET = {"name": "over-http", "size": "s-1vcpu-1gb", "image": "ubuntu-24-04-x64"}


@pytest.fixture(scope="module")
def server() -> Iterator[SimulatorServer]:
    with SimulatorServer() as running:
        yield running


@pytest.fixture(autouse=True)
def _clean(server: SimulatorServer) -> None:
    server.reset()


class TestSimulatorServer:
    def test_urls(self, server: SimulatorServer) -> None:
        assert server.base_url == f"http://127.0.0.1:{server.port}"
        assert server.linode_url == f"{server.base_url}/linode/v4"
        assert server.digitalocean_url == f"{server.base_url}/digitalocean/v2"

    def test_linode_create_and_white_box_view(self, server: SimulatorServer) -> None:
        with httpx.Client(base_url=server.linode_url, headers=AUTH) as client:
            created = client.post("/linode/instances", json=LINODE)
            assert created.status_code == 200
            assert (
                client.get(f"/linode/instances/{created.json()['id']}").json()["status"]
                == "running"
            )
        [listed] = server.instances("linode", token="tok-server")
        assert listed["label"] == "over-http"
        assert server.instances("linode", token="someone-else") == []
        assert server.state.all_instances("linode")[0].name == "over-http"
        assert server.request_count("linode", method="POST", path="/linode/instances") == 1
        assert server.request_count("linode") == 2

    def test_lost_response_over_http(self, server: SimulatorServer) -> None:
        server.inject_fault("digitalocean", "lost_response", method="POST", path="^/droplets$")
        with httpx.Client(base_url=server.digitalocean_url, headers=AUTH) as client:
            response = client.post("/droplets", json=DROPLET)
            assert response.status_code == 502
            assert client.get("/droplets").json()["meta"]["total"] == 1

    def test_timeout_fault_makes_a_client_time_out(self, server: SimulatorServer) -> None:
        server.inject_fault("linode", "timeout", delay_seconds=2)
        with (
            httpx.Client(base_url=server.linode_url, timeout=0.3) as client,
            pytest.raises(httpx.ReadTimeout),
        ):
            client.get("/regions")

    def test_out_of_band_changes(self, server: SimulatorServer) -> None:
        with httpx.Client(base_url=server.digitalocean_url, headers=AUTH) as client:
            droplet = client.post("/droplets", json=DROPLET).json()["droplet"]
            assert (
                server.set_instance_status("digitalocean", droplet["id"], "off")["status"] == "off"
            )
            assert client.get(f"/droplets/{droplet['id']}").json()["droplet"]["status"] == "off"
            server.delete_instance("digitalocean", droplet["id"])
            assert client.get(f"/droplets/{droplet['id']}").status_code == 404

    def test_configure_and_faults(self, server: SimulatorServer) -> None:
        config = server.configure(
            rate_limits={"linode": {"create": {"limit": 1, "window_seconds": 30}}}
        )
        assert config["rate_limits"]["linode"]["create"]["limit"] == 1
        assert server.config()["rate_limits"]["linode"]["create"]["limit"] == 1
        with httpx.Client(base_url=server.linode_url, headers=AUTH) as client:
            assert client.post("/linode/instances", json=LINODE).status_code == 200
            limited = client.post("/linode/instances", json={**LINODE, "label": "second"})
            assert limited.status_code == 429 and int(limited.headers["Retry-After"]) == 30
        server.configure(rate_limits={"linode": {"create": {"limit": 10, "window_seconds": 30}}})
        server.inject_fault("linode", "server_error", status=503, times=3)
        server.clear_faults()
        server.clear_requests()
        assert server.request_count() == 0


async def test_async_context_manager_and_manual_clock() -> None:
    clock = ManualClock()
    settings = SimulatorSettings().patched({"durations": {"provision": 30, "boot": 10}})
    server = SimulatorServer(settings=settings, clock=clock)
    async with server, httpx.AsyncClient(base_url=server.linode_url, headers=AUTH) as client:
        created = (await client.post("/linode/instances", json=LINODE)).json()
        server.advance_clock(30)
        got = (await client.get(f"/linode/instances/{created['id']}")).json()
        assert got["status"] == "booting"
        server.advance_clock(10)
        got = (await client.get(f"/linode/instances/{created['id']}")).json()
        assert got["status"] == "running"
    with pytest.raises(RuntimeError):
        _ = server.base_url


def test_serve_runs_the_simulator_until_stopped() -> None:
    """`vpspanel simulator` calls `serve(host, port)`; run it as a child process."""
    import socket
    import subprocess
    import sys
    import time

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    child = subprocess.Popen(
        [sys.executable, "-c", f"from vpspanel.simulator import serve; serve('127.0.0.1', {port})"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/linode/v4/regions", timeout=1)
                break
            except httpx.TransportError:
                assert child.poll() is None, child.stderr.read() if child.stderr else ""
                assert time.monotonic() < deadline, "serve() did not come up"
                time.sleep(0.05)
        assert response.status_code == 200 and response.json()["results"] >= 10
    finally:
        child.terminate()
        child.wait(timeout=10)
