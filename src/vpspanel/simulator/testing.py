"""Run the simulator on a real port for tests.

    from vpspanel.simulator.testing import SimulatorServer

    with SimulatorServer() as sim:              # instant lifecycles, real clock, free port
        sim.linode_url                          # "http://127.0.0.1:PORT/linode/v4"
        sim.digitalocean_url                    # "http://127.0.0.1:PORT/digitalocean/v2"
        sim.configure(latency_ms=50, durations={"boot": 2})
        sim.inject_fault("digitalocean", "lost_response", method="POST", path="^/droplets$")
        sim.request_count("linode", method="POST", path="/linode/instances")
        sim.instances("linode", token="tok")    # provider-shaped dicts, white-box
        sim.change_instance("linode", 61000001, status="offline")  # "in the console"
        sim.state                               # the live SimulatorState (same process;
                                                # hold `sim.state.lock` while reading it)

It is also an async context manager (`async with SimulatorServer() as sim:`), starting and
stopping uvicorn off the event loop. The helpers are synchronous HTTP calls to the local
control API; they are quick and safe to call from async tests because the server runs on
its own thread and loop.

Defaults: `SimulatorSettings.instant()` (every transition completes on the next read) and
the real clock. Pass `clock=ManualClock()` and call `advance_clock()` to test timing.
Each bearer token is an account; `NAME~anything` is another key of account `NAME` (same
servers and account identity). Tokens starting with `invalid` are rejected, tokens starting
with `readonly` can only read.
"""

from __future__ import annotations

import threading
import time
from types import TracebackType
from typing import Any, Self

import httpx
import uvicorn

from vpspanel.simulator.app import create_simulator_app
from vpspanel.simulator.clock import Clock
from vpspanel.simulator.settings import SimulatorSettings
from vpspanel.simulator.state import SimulatorState

JSON = dict[str, Any]


class SimulatorServer:
    """The simulator served by uvicorn on 127.0.0.1 in a background thread."""

    def __init__(
        self,
        settings: SimulatorSettings | None = None,
        clock: Clock | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        startup_timeout: float = 10.0,
    ) -> None:
        self.app = create_simulator_app(settings or SimulatorSettings.instant(), clock)
        self.state: SimulatorState = self.app.state.simulator
        self._host = host
        self._requested_port = port
        self._startup_timeout = startup_timeout
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._port: int | None = None
        self._client: httpx.Client | None = None

    # lifecycle ----------------------------------------------------------------------
    def start(self) -> Self:
        config = uvicorn.Config(
            self.app,
            host=self._host,
            port=self._requested_port,
            log_level="warning",
            access_log=False,
            lifespan="off",
            timeout_graceful_shutdown=1,
        )
        server = uvicorn.Server(config)
        thread = threading.Thread(target=server.run, name="simulator-server", daemon=True)
        thread.start()
        deadline = time.monotonic() + self._startup_timeout
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the simulator server did not start")
            time.sleep(0.01)
        self._server, self._thread = server, thread
        self._port = server.servers[0].sockets[0].getsockname()[1]
        self._client = httpx.Client(base_url=self.control_url, timeout=10.0)
        return self

    def stop(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(timeout=10)
        self._server = self._thread = None
        self._port = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    async def __aenter__(self) -> Self:
        import asyncio

        return await asyncio.to_thread(self.start)

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        import asyncio

        await asyncio.to_thread(self.stop)

    # addresses ----------------------------------------------------------------------
    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("the simulator server is not running")
        return self._port

    @property
    def base_url(self) -> str:
        return f"http://{self._host}:{self.port}"

    @property
    def linode_url(self) -> str:
        return f"{self.base_url}/linode/v4"

    @property
    def digitalocean_url(self) -> str:
        return f"{self.base_url}/digitalocean/v2"

    @property
    def control_url(self) -> str:
        return f"{self.base_url}/_control"

    # control API helpers --------------------------------------------------------------
    def _control(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        if self._client is None:
            raise RuntimeError("the simulator server is not running")
        response = self._client.request(method, path, **kwargs)
        response.raise_for_status()
        return response

    def reset(self) -> None:
        """Forget accounts, instances, faults, request counts and rate-limit windows."""
        self._control("POST", "/reset")

    def config(self) -> JSON:
        result: JSON = self._control("GET", "/config").json()
        return result

    def configure(self, **changes: Any) -> JSON:
        """Deep-merge into the config, e.g. `configure(durations={"boot": 5},
        rate_limits={"linode": {"create": {"limit": 10, "window_seconds": 1}}})`."""
        result: JSON = self._control("PATCH", "/config", json=changes).json()
        return result

    def inject_fault(
        self,
        provider: str,
        kind: str,
        *,
        method: str | None = None,
        path: str | None = None,
        status: int | None = None,
        times: int = 1,
        delay_seconds: float | None = None,
        write_delay_seconds: float | None = None,
    ) -> str:
        """Queue a fault for requests matching method and `path` (a regex searched in the
        provider-relative path such as `/linode/instances`). Returns the fault id."""
        body = {
            "provider": provider,
            "kind": kind,
            "method": method,
            "path": path,
            "status": status,
            "times": times,
            "delay_seconds": delay_seconds,
            "write_delay_seconds": write_delay_seconds,
        }
        fault_id: str = self._control("POST", "/faults", json=body).json()["id"]
        return fault_id

    def clear_faults(self) -> None:
        self._control("DELETE", "/faults")

    def request_count(
        self, provider: str | None = None, method: str | None = None, path: str | None = None
    ) -> int:
        """Requests received (whatever the answer); `path` is a regex matched in full."""
        params = {
            k: v for k, v in {"provider": provider, "method": method, "path": path}.items() if v
        }
        total: int = self._control("GET", "/requests", params=params).json()["total"]
        return total

    def clear_requests(self) -> None:
        self._control("DELETE", "/requests")

    def instances(self, provider: str, token: str | None = None) -> list[JSON]:
        """Provider-shaped instances of one account (or of all accounts)."""
        headers = {"X-Simulator-Token": token} if token is not None else {}
        result: list[JSON] = self._control("GET", f"/{provider}/instances", headers=headers).json()[
            "instances"
        ]
        return result

    def set_instance_status(self, provider: str, instance_id: int, status: str) -> JSON:
        """Change an instance's status behind the panel's back (ends any transition)."""
        result: JSON = self._control(
            "PATCH", f"/{provider}/instances/{instance_id}", json={"status": status}
        ).json()["instance"]
        return result

    def change_instance(self, provider: str, instance_id: int, **changes: Any) -> JSON:
        """Change an instance "in the provider's console": `status`, `label`, `plan`, `ipv4`,
        `tags` (the whole list); all but `tags` are recorded in the account's feed (Linode
        events, DigitalOcean actions) unless `silent=True`."""
        result: JSON = self._control(
            "PATCH", f"/{provider}/instances/{instance_id}", json=changes
        ).json()["instance"]
        return result

    def delete_instance(self, provider: str, instance_id: int, *, silent: bool = False) -> None:
        """Make an instance vanish behind the panel's back (recorded in the account's feed as a
        deletion unless `silent`)."""
        params = {"silent": "true"} if silent else None
        self._control("DELETE", f"/{provider}/instances/{instance_id}", params=params)

    def advance_clock(self, seconds: float) -> float:
        """Move a `ManualClock` forward; returns the new time."""
        now: float = self._control("POST", "/clock/advance", json={"seconds": seconds}).json()[
            "now"
        ]
        return now
