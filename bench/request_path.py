"""The request path: how much does a customer's read cost next to the health check?

10,000 servers of one organization are seeded (direct inserts) into a fresh database, `vpspanel
serve --no-worker` is started in another process, and a load generator (wrk when it is on the
PATH, `apt-get install wrk`; else httpx clients in this process, which on a fast server run out
of CPU before the server does and then flatter every ratio; 16 connections, a fixed duration per
route, the routes taking turns) runs against the health route
(the baseline: one connection, `SELECT 1`), `GET /api/vps?per_page=50`, `GET /api/vps/{id}` and
`GET /api/auth/me`,
signed in with a session token. It prints requests per second and the ratio to health in the
same run (the ratio is what counts: the machine may be busy), then the database sessions,
transactions and statements one request of each route costs (counted in-process with SQLAlchemy
events on an app over the same database).

Run from the repository root:

    uv run python -m bench.request_path                 # SQLite in a temporary directory
    uv run python -m bench.request_path --seconds 5
    uv run python -m bench.request_path --database-url postgresql://postgres@127.0.0.1:5432/bench

A PostgreSQL database given by URL is emptied (its schema dropped) before seeding.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import httpx
from sqlalchemy import text
from tests.db_counts import DatabaseUse, counting
from tests.factories import DEFAULT_PASSWORD, create_committed_user, seed_running_servers

from vpspanel.app import create_app
from vpspanel.config import Settings
from vpspanel.db.engine import is_postgres_url
from vpspanel.db.migrate import upgrade_engine
from vpspanel.state import AppState

SERVERS = 10_000
CONNECTIONS = 16
ROUNDS = 5
# 32 bytes, base64url: a fixed key for a throwaway database.
ENCRYPTION_KEY = base64.urlsafe_b64encode(b"bench request path key 32 bytes!").decode()


@dataclass
class Seeded:
    email: str
    instance_id: uuid.UUID


async def seed(state: AppState) -> Seeded:
    """One customer whose organization has SERVERS servers on one plan of one account."""
    await upgrade_engine(state.engine)
    user, organization = await create_committed_user(state)
    ids = await seed_running_servers(state, organization, SERVERS)
    async with state.engine.begin() as connection:
        # Statistics, as a live database has them: without them PostgreSQL's planner takes the
        # organization for a handful of rows and joins all 10,000 before taking a page.
        await connection.execute(text("ANALYZE"))
    return Seeded(email=user.email, instance_id=ids[0])


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def start_server(environment: dict[str, str], port: int, log_path: Path) -> subprocess.Popen[bytes]:
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "vpspanel"),
            "serve",
            "--no-worker",
            "--port",
            str(port),
        ],
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=log_path.open("wb"),
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=1).status_code == 200:
                return server
        except httpx.TransportError:
            pass
        if server.poll() is not None:
            raise RuntimeError(f"vpspanel serve exited with {server.returncode}")
        time.sleep(0.2)
    server.terminate()
    raise RuntimeError("vpspanel serve did not answer within 60 s")


WRK = shutil.which("wrk")


async def load(base_url: str, path: str, headers: dict[str, str], seconds: float) -> float:
    """Requests per second of CONNECTIONS clients asking `path` back to back for `seconds`
    (after a half-second warm-up); every answer must be 200. With `wrk` on the PATH, wrk asks
    (written in C, one thread: it never runs out of CPU before the server does); else clients
    of httpx in this process, which can: on a fast server the health route's rate is then the
    client's, and every ratio to it too high."""
    if WRK:  # wrk counts whole seconds
        await wrk(base_url + path, headers, 1)
        return await wrk(base_url + path, headers, max(1, round(seconds)))
    limits = httpx.Limits(max_connections=CONNECTIONS, max_keepalive_connections=CONNECTIONS)
    async with httpx.AsyncClient(
        base_url=base_url, headers=headers, limits=limits, timeout=60
    ) as client:

        async def client_loop(until: float) -> int:
            done = 0
            while time.monotonic() < until:
                response = await client.get(path)
                if response.status_code != 200:
                    raise RuntimeError(f"{path}: {response.status_code} {response.text[:200]}")
                done += 1
            return done

        warm_until = time.monotonic() + 0.5
        await asyncio.gather(*(client_loop(warm_until) for _ in range(CONNECTIONS)))
        started = time.monotonic()
        counts = await asyncio.gather(*(client_loop(started + seconds) for _ in range(CONNECTIONS)))
        return sum(counts) / (time.monotonic() - started)


async def wrk(url: str, headers: dict[str, str], seconds: int) -> float:
    assert WRK is not None
    header_options = [
        option for name, value in headers.items() for option in ("-H", f"{name}: {value}")
    ]
    process = await asyncio.create_subprocess_exec(
        WRK,
        "-t1",
        f"-c{CONNECTIONS}",
        f"-d{seconds}s",
        *header_options,
        url,
        stdout=asyncio.subprocess.PIPE,
    )
    output = (await process.communicate())[0].decode()
    if process.returncode != 0 or "Non-2xx" in output or "Socket errors" in output:
        raise RuntimeError(f"{url}: wrk reported\n{output}")
    match = re.search(r"Requests/sec:\s+([0-9.]+)", output)
    if match is None:
        raise RuntimeError(f"{url}: no rate in wrk's output\n{output}")
    return float(match.group(1))


async def count_one_request(settings: Settings, path: str, headers: dict[str, str]) -> DatabaseUse:
    """Sessions, transactions and statements of one request of `path` (the second one: the
    first may record the session's use, which happens at most once a minute)."""
    state = AppState.from_settings(settings)
    try:
        app = create_app(settings, state)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://bench", headers=headers
        ) as client:
            assert (await client.get(path)).status_code == 200
            with counting(state.engine) as use:
                assert (await client.get(path)).status_code == 200
        return use
    finally:
        await state.close()


async def empty_postgres(url: str) -> None:
    state = AppState.from_settings(Settings(database_url=url, encryption_keys=[ENCRYPTION_KEY]))
    async with state.engine.begin() as connection:
        await connection.execute(text("DROP SCHEMA public CASCADE"))
        await connection.execute(text("CREATE SCHEMA public"))
    await state.close()


async def run(database_url: str, seconds: float) -> None:
    if is_postgres_url(database_url):
        await empty_postgres(database_url)
    settings = Settings(
        database_url=database_url, encryption_keys=[ENCRYPTION_KEY], log_level="WARNING"
    )
    state = AppState.from_settings(settings)
    started = time.monotonic()
    seeded = await seed(state)
    await state.close()
    print(f"seeded {SERVERS} servers in {time.monotonic() - started:.1f} s ({database_url})")

    port = free_port()
    environment = {
        **os.environ,
        "VPSPANEL_DATABASE_URL": database_url,
        "VPSPANEL_ENCRYPTION_KEYS": ENCRYPTION_KEY,
        "VPSPANEL_LOG_LEVEL": "WARNING",
    }
    log_path = Path(tempfile.gettempdir()) / f"bench-request-path-{port}.log"
    server = start_server(environment, port, log_path)
    print(f"server log: {log_path}")
    base_url = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient(base_url=base_url) as client:
            login = await client.post(
                "/api/auth/login", json={"email": seeded.email, "password": DEFAULT_PASSWORD}
            )
        login.raise_for_status()
        headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
        routes = {
            "health": ("/api/health", {}),
            "list": ("/api/vps?per_page=50", headers),
            "detail": (f"/api/vps/{seeded.instance_id}", headers),
            "me": ("/api/auth/me", headers),
        }
        # Routes take turns in ROUNDS slices, so that the machine's other load changing during
        # the run weighs on every route alike.
        served = dict.fromkeys(routes, 0.0)
        for _ in range(ROUNDS):
            for name, (path, route_headers) in routes.items():
                served[name] += await load(base_url, path, route_headers, seconds / ROUNDS)
        rates = {name: total / ROUNDS for name, total in served.items()}
    finally:
        server.terminate()
        server.wait(timeout=30)

    generator = f"wrk ({WRK})" if WRK else "httpx in the bench's process (no wrk on the PATH)"
    print(f"{CONNECTIONS} connections from {generator}, {seconds:g} s per route in {ROUNDS} turns")
    print(f"{'route':<8} {'req/s':>8} {'x health':>9}   database use of one request")
    for name, (path, route_headers) in routes.items():
        use = await count_one_request(settings, path, route_headers)
        ratio = rates[name] / rates["health"]
        print(f"{name:<8} {rates[name]:8.0f} {ratio:9.2f}   {use.line()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="PostgreSQL to use (emptied first)")
    parser.add_argument("--seconds", type=float, default=10.0, help="load per route, seconds")
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        url = arguments.database_url or f"sqlite:///{Path(directory) / 'bench.db'}"
        asyncio.run(run(url, arguments.seconds))


if __name__ == "__main__":
    main()
