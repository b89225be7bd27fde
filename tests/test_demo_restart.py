"""`vpspanel serve --demo` stopped with Ctrl-C and started again (on the same port, then another)
keeps its servers: they still run at the simulator, reboot and show metrics."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

ADMIN_EMAIL = "admin@example.com"
ADMIN_PASSWORD = "demo-admin-password-42"
ROOT_PASS = "Canary-Root-Pass-7731!"
SSH_KEY = (
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIP71BkG4a7ZCR5AUhtgitpPEpM0sdYeoaf+6RD8hjKZf me@laptop"
)
pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class Demo:
    """One `vpspanel serve --demo` process."""

    def __init__(self, data_dir: Path, port: int, log: Path) -> None:
        self.base_url = f"http://127.0.0.1:{port}"
        self.log = log
        environment = {
            key: value for key, value in os.environ.items() if not key.startswith("VPSPANEL_")
        }
        environment |= {"VPSPANEL_DATA_DIR": str(data_dir), "VPSPANEL_LOG_LEVEL": "WARNING"}
        if not (data_dir / "vpspanel.db").exists():
            environment["VPSPANEL_ADMIN_PASSWORD"] = ADMIN_PASSWORD
        self._output = log.open("w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "vpspanel.cli", "serve", "--demo", "--port", str(port)],
            env=environment,
            stdout=self._output,
            stderr=subprocess.STDOUT,
        )
        self.http = httpx.Client(base_url=self.base_url, timeout=10)
        self.headers = self._sign_in()

    def _sign_in(self) -> dict[str, str]:
        deadline = time.monotonic() + 180  # a loaded CI machine starts slowly
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.log.read_text()
            try:
                response = self.http.post(
                    "/api/auth/login", json={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}
                )
                if response.status_code == 200:
                    return {"Authorization": f"Bearer {response.json()['access_token']}"}
            except httpx.TransportError:
                pass
            time.sleep(0.3)
        raise AssertionError("the demo did not start: " + self.log.read_text())

    def get(self, path: str) -> httpx.Response:
        return self.http.get(path, headers=self.headers)

    def post(self, path: str, body: dict[str, Any] | None = None) -> httpx.Response:
        return self.http.post(path, json=body, headers=self.headers)

    def wait_for(self, instance_id: str, status: str, timeout: float = 60) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            instance: dict[str, Any] = self.get(f"/api/vps/{instance_id}").json()["instance"]
            if instance["status"] == status and not instance.get("pending_operation"):
                return instance
            time.sleep(0.5)
        raise AssertionError(f"{instance_id} never became {status}: {instance}")

    def stop(self) -> str:
        """Ctrl-C, as a person would; returns everything it printed."""
        self.http.close()
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=30)
        finally:
            if self.process.poll() is None:
                self.process.kill()
            self._output.close()
        return self.log.read_text()


@pytest.fixture
def demos(tmp_path: Path) -> Iterator[list[Demo]]:
    started: list[Demo] = []
    yield started
    for demo in started:
        if demo.process.poll() is None:
            demo.stop()


def _deploy_one_per_plan(demo: Demo) -> list[str]:
    ids = []
    for plan in demo.get("/api/vps/plans").json()["plans"]:
        region = plan["regions"][0]
        region_id = region["id"] if isinstance(region, dict) else region
        images = demo.get(f"/api/vps/images?plan={plan['id']}").json()["images"]
        image = next(i["id"] for i in images if i["distribution"] == "Ubuntu")
        created = demo.post(
            "/api/vps",
            {
                "label": f"web-{len(ids) + 1}",
                "type": plan["id"],
                "region": region_id,
                "image": image,
                "root_pass": ROOT_PASS,
                "ssh_keys": [SSH_KEY],
            },
        )
        assert created.status_code == 201, created.text
        ids.append(created.json()["instance"]["id"])
    assert len(ids) == 2  # one Linode, one DigitalOcean
    return ids


def _assert_servers_work(demo: Demo, ids: list[str]) -> None:
    for instance_id in ids:
        demo.wait_for(instance_id, "running")
        reboot = demo.post(f"/api/vps/{instance_id}/reboot")
        assert reboot.status_code == 202, reboot.text
        assert demo.wait_for(instance_id, "running")["error"] in (None, "")
        metrics = demo.get(f"/api/vps/{instance_id}/metrics")
        assert metrics.status_code == 200, metrics.text


def test_the_demo_survives_restarts_and_a_port_change(tmp_path: Path, demos: list[Demo]) -> None:
    data_dir = tmp_path / "data"
    first_port, second_port = _free_port(), _free_port()

    demos.append(Demo(data_dir, first_port, tmp_path / "first.log"))
    ids = _deploy_one_per_plan(demos[0])
    for instance_id in ids:
        demos[0].wait_for(instance_id, "running")
    demos[0].stop()
    assert (data_dir / "vpspanel-simulator.json").exists()

    demos.append(Demo(data_dir, first_port, tmp_path / "second.log"))  # Ctrl-C, make run
    _assert_servers_work(demos[1], ids)
    printed = demos[1].stop()
    # The hint names a command that runs without uv on PATH (a newcomer's `make run` installs
    # uv into .tools/, so `uv run …` would not be found).
    hint = re.search(r"Run: (\S+) reset-password --email " + re.escape(ADMIN_EMAIL), printed)
    assert hint is not None, printed
    command = Path(hint.group(1))
    assert not command.is_absolute() or command.exists()
    assert os.access(command, os.X_OK), command
    assert ADMIN_PASSWORD not in printed

    demos.append(Demo(data_dir, second_port, tmp_path / "third.log"))  # another port
    _assert_servers_work(demos[2], ids)
    providers = demos[2].get("/api/admin/providers").json()["providers"]
    assert all(f":{second_port}/_sim/" in p["api_base_url"] for p in providers), providers
