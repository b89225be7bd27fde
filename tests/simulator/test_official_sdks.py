"""The official SDKs (linode_api4, pydo) against the simulator over real HTTP: they must not
notice the difference."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from azure.core.exceptions import HttpResponseError
from azure.core.pipeline import PipelineRequest
from azure.core.pipeline.policies import SansIOHTTPPolicy
from linode_api4 import ApiError, Instance, LinodeClient  # type: ignore[import-untyped]
from pydo import Client as DigitalOceanClient

from tests.simulator.conftest import SSH_ED25519, STRONG_PASSWORD
from vpspanel.simulator import SimulatorSettings
from vpspanel.simulator.testing import SimulatorServer


@pytest.fixture(scope="module")
def server() -> Iterator[SimulatorServer]:
    settings = SimulatorSettings.instant().patched({"rate_limits": {"enabled": False}})
    with SimulatorServer(settings=settings) as running:
        yield running


@pytest.fixture(autouse=True)
def _clean(server: SimulatorServer) -> None:
    server.reset()


def _linode(server: SimulatorServer, **kwargs: object) -> LinodeClient:
    return LinodeClient("tok-sdk", base_url=server.linode_url, **kwargs)


class TestLinodeSdk:
    def test_catalog_and_profile(self, server: SimulatorServer) -> None:
        client = _linode(server)
        assert "g6-nanode-1" in [t.id for t in client.linode.types()]
        assert len(client.regions()) >= 10
        assert any(i.id == "linode/ubuntu24.04" for i in client.images())
        assert client.profile().restricted is False

    def test_create_act_and_delete(self, server: SimulatorServer) -> None:
        client = _linode(server)
        instance = client.linode.instance_create(
            "g6-nanode-1",
            "us-east",
            image="linode/debian12",
            root_pass=STRONG_PASSWORD,
            label="sdk-1",
            tags=["order-7"],
            authorized_keys=[SSH_ED25519],
        )
        assert isinstance(instance, Instance) and instance.status == "provisioning"
        fresh = client.load(Instance, instance.id)
        assert fresh.status == "running" and fresh.ipv4
        assert fresh.reboot() is True
        assert client.load(Instance, instance.id).status == "running"
        assert fresh.ips.ipv4.public[0].address == fresh.ipv4[0]
        found = client.linode.instances(Instance.label == "sdk-1")
        assert [i.id for i in found] == [instance.id]
        fresh.delete()
        assert client.linode.instances(Instance.label == "sdk-1").total_items == 0

    def test_lazy_pagination(self, server: SimulatorServer) -> None:
        client = _linode(server, page_size=25)
        for n in range(30):
            client.linode.instance_create("g6-nanode-1", "us-east", label=f"page-{n:02d}")
        labels = [i.label for i in client.linode.instances()]
        assert labels == [f"page-{n:02d}" for n in range(30)]
        assert server.request_count("linode", "GET", "/linode/instances") == 2

    def test_validation_errors_surface_as_api_errors(self, server: SimulatorServer) -> None:
        with pytest.raises(ApiError) as caught:
            _linode(server).linode.instance_create(
                "g6-nanode-1", "us-east", image="linode/debian12", root_pass="weakpassword"
            )
        assert caught.value.status == 400
        assert "Password does not meet strength requirement" in str(caught.value)

    def test_sdk_retries_rate_limited_creates(self, server: SimulatorServer) -> None:
        server.configure(
            rate_limits={"enabled": True, "linode": {"create": {"limit": 2, "window_seconds": 1}}}
        )
        client = _linode(server, retry_rate_limit_interval=0.2, retry_max=10)
        for n in range(4):
            client.linode.instance_create("g6-nanode-1", "us-east", label=f"retry-{n}")
        assert len(server.instances("linode", token="tok-sdk")) == 4
        assert server.request_count("linode", "POST", "/linode/instances") > 4


class _PlainHttpBearer(SansIOHTTPPolicy):  # type: ignore[type-arg]
    """azure-core refuses bearer tokens over plain http; the local simulator is http."""

    def on_request(self, request: PipelineRequest) -> None:  # type: ignore[type-arg]
        request.http_request.headers["Authorization"] = "Bearer tok-sdk"


class TestDigitalOceanSdk:
    def _client(self, server: SimulatorServer) -> DigitalOceanClient:
        return DigitalOceanClient(
            token="tok-sdk",
            endpoint=f"{server.base_url}/digitalocean",
            retry_total=0,
            authentication_policy=_PlainHttpBearer(),
        )

    def test_catalog_and_account(self, server: SimulatorServer) -> None:
        client = self._client(server)
        assert client.account.get()["account"]["status"] == "active"
        sizes = client.sizes.list(per_page=200)["sizes"]
        assert any(s["slug"] == "s-1vcpu-1gb" for s in sizes)
        assert client.regions.list()["meta"]["total"] >= 10
        distros = client.images.list(type="distribution", per_page=100)["images"]
        assert any(i["slug"] == "ubuntu-24-04-x64" for i in distros)

    def test_keys_droplets_actions_metrics(self, server: SimulatorServer) -> None:
        client = self._client(server)
        key = client.ssh_keys.create(body={"name": "alice", "public_key": SSH_ED25519})["ssh_key"]
        assert (
            client.ssh_keys.get(ssh_key_identifier=key["fingerprint"])["ssh_key"]["id"] == key["id"]
        )
        created = client.droplets.create(
            body={
                "name": "sdk-1",
                "region": "nyc3",
                "size": "s-1vcpu-1gb",
                "image": "ubuntu-24-04-x64",
                "ssh_keys": [key["fingerprint"]],
                "tags": ["order:7"],
            }
        )
        droplet_id = created["droplet"]["id"]
        assert client.droplets.get(droplet_id=droplet_id)["droplet"]["status"] == "active"
        assert client.droplets.list(tag_name="order:7")["meta"]["total"] == 1
        server.configure(durations={"shutdown": 600})
        action = client.droplet_actions.post(droplet_id=droplet_id, body={"type": "power_off"})
        with pytest.raises(HttpResponseError) as locked:
            client.droplet_actions.post(droplet_id=droplet_id, body={"type": "power_on"})
        assert locked.value.status_code == 422
        assert (
            client.actions.get(action_id=action["action"]["id"])["action"]["status"]
            == "in-progress"
        )
        server.configure(durations={"shutdown": 0})
        cpu = client.monitoring.get_droplet_cpu_metrics(
            host_id=str(droplet_id), start="1767225600", end="1767229200"
        )
        assert cpu["status"] == "success"
        client.droplets.destroy(droplet_id=droplet_id)
        # pydo returns documented error statuses (404 here) as the body instead of raising
        assert client.droplets.get(droplet_id=droplet_id)["id"] == "not_found"

    def test_follows_pagination_links(self, server: SimulatorServer) -> None:
        client = self._client(server)
        for n in range(5):
            client.droplets.create(
                body={"name": f"p-{n}", "size": "s-1vcpu-1gb", "image": "debian-12-x64"}
            )
        page, names = 1, []
        while True:
            body = client.droplets.list(per_page=2, page=page)
            names += [d["name"] for d in body["droplets"]]
            if "next" not in body["links"].get("pages", {}):
                break
            page += 1
        assert names == [f"p-{n}" for n in range(5)]
