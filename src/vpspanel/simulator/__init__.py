"""A faithful, stateful fake of Linode API v4 and DigitalOcean API v2.

- `create_simulator_app(settings, clock)` builds the ASGI app (see `app.py`).
- `serve(host, port)` runs it with uvicorn (the `vpspanel simulator` command).
- `vpspanel.simulator.testing.SimulatorServer` runs it in a background thread for tests.
"""

from __future__ import annotations

from vpspanel.simulator.app import create_simulator_app
from vpspanel.simulator.clock import Clock, ManualClock, SystemClock
from vpspanel.simulator.settings import SimulatorSettings

__all__ = [
    "Clock",
    "ManualClock",
    "SimulatorSettings",
    "SystemClock",
    "create_simulator_app",
    "serve",
]


def serve(host: str, port: int) -> None:
    """Serve the simulator until interrupted. Access logs are off: they would show tokens
    passed to the control API."""
    import uvicorn

    uvicorn.run(create_simulator_app(), host=host, port=port, access_log=False)
