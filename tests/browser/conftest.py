"""The browser suite: a real `vpspanel serve --demo` on a fresh database (SQLite, or PostgreSQL
when VPSPANEL_TEST_DATABASE_URL is set), driven by Debian's Chromium through pytest-playwright.

Without /usr/bin/chromium or a built UI the suite is skipped with a loud reason, unless
VPSPANEL_TEST_REQUIRE_BROWSER=1 (as CI sets it), which turns that into a failure."""

from __future__ import annotations

import asyncio
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import ConsoleMessage, Page, expect

from tests.conftest import (
    TEST_ENCRYPTION_KEY,
    _drop_postgres_database,
    _recreate_postgres_database,
    _test_database_url,
)
from vpspanel.web.ui import STATIC_DIR

# Assertions wait as long as actions do (conftest's `page`): the suite's two passes run side by
# side in CI, and on a loaded machine a page answering in 6 s is slow, not broken. A passing
# assertion returns as soon as it holds.
expect.set_options(timeout=15_000)

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("VPSPANEL_CHROMIUM", "/usr/bin/chromium"))
AXE_SOURCE = ROOT / "frontend" / "node_modules" / "axe-core" / "axe.min.js"
RESULTS = ROOT / "test-results"
ADMIN_EMAIL = "admin@example.com"
ADMIN_PASSWORD = "demo-admin-password-1"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _missing_prerequisite() -> str | None:
    if not CHROMIUM.exists():
        return f"Chromium is not installed at {CHROMIUM} (apt-get install -y chromium)"
    if not (STATIC_DIR / "index.html").is_file():
        return "the web UI is not built (scripts/build-ui)"
    if not AXE_SOURCE.is_file():
        return "frontend/node_modules is missing (cd frontend && npm ci)"
    return None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    reason = _missing_prerequisite()
    if reason is None:
        return
    if os.environ.get("VPSPANEL_TEST_REQUIRE_BROWSER") == "1":
        raise pytest.UsageError(f"The browser suite is required but cannot run: {reason}.")
    message = f"BROWSER SUITE SKIPPED: {reason}."
    sys.stderr.write(f"\n!!! {message} !!!\n")
    for item in items:
        if "tests/browser" in item.nodeid:
            item.add_marker(pytest.mark.skip(reason=message))


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "headless": True,
        "args": CHROMIUM_FLAGS,
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    return {**browser_context_args, "viewport": {"width": 1366, "height": 900}}


@dataclass(frozen=True)
class Panel:
    """A running panel: its base URL and the demo admin's credentials."""

    url: str
    # The panel's own database (for a test that stands in for its worker's sweep).
    database_url: str = ""
    admin_email: str = ADMIN_EMAIL
    admin_password: str = ADMIN_PASSWORD


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def panel(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Panel]:
    data_dir = tmp_path_factory.mktemp("browser-panel")
    database_url = _test_database_url(data_dir).replace("vpspanel_test_", "vpspanel_browser_")
    postgres = database_url.startswith("postgresql")
    if postgres:
        _run_outside_playwright_loop(_recreate_postgres_database(database_url))
    port = _free_port()
    env = {
        **os.environ,
        "VPSPANEL_DATABASE_URL": database_url,
        "VPSPANEL_DATA_DIR": str(data_dir),
        "VPSPANEL_ENCRYPTION_KEYS": TEST_ENCRYPTION_KEY,
        "VPSPANEL_ADMIN_PASSWORD": ADMIN_PASSWORD,
        "VPSPANEL_ENV": "development",
        # Waiting for the demo admin polls sign-in; those misses must not lock the account.
        "VPSPANEL_LOGIN_ATTEMPTS_PER_ACCOUNT": "100000",
        "VPSPANEL_LOGIN_ATTEMPTS_PER_ADDRESS": "100000",
        "VPSPANEL_LOGIN_ATTEMPTS_PER_ACCOUNT_PER_MINUTE": "100000",
    }
    log = (data_dir / "serve.log").open("w")
    command = [sys.executable, "-c", "from vpspanel.cli import app; app()", "serve", "--demo"]
    process = subprocess.Popen(
        [*command, "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=ROOT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_seeded(url, process, data_dir / "serve.log")
        yield Panel(url=url, database_url=database_url)
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()
        if postgres:
            _run_outside_playwright_loop(_drop_postgres_database(database_url))


def _run_outside_playwright_loop(coroutine: Coroutine[Any, Any, None]) -> None:
    """Playwright's sync API keeps an event loop running in this thread, where asyncio.run
    refuses to start; a worker thread has none."""
    with ThreadPoolExecutor(max_workers=1) as worker:
        worker.submit(asyncio.run, coroutine).result()


def _wait_until_seeded(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    """Until the demo admin can sign in (the demo seeds in the background after start-up)."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"vpspanel serve exited:\n{log.read_text()[-3000:]}")
        try:
            answer = httpx.post(
                f"{url}/api/auth/login",
                json={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD},
                timeout=5,
            )
            if answer.status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"vpspanel serve did not become ready:\n{log.read_text()[-3000:]}")


# Chromium logs every 4xx/5xx answer as "Failed to load resource"; the app handles those (a 401
# leads to /login, a 404 to "not found"), so only other console errors fail a test.
HANDLED_RESOURCE_ERROR = re.compile(
    r"^Failed to load resource: the server responded with a status of [45]\d\d"
)


@pytest.fixture
def page(page: Page) -> Iterator[Page]:
    """pytest-playwright's page, failing the test on any console error or uncaught exception."""
    problems: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error" and not HANDLED_RESOURCE_ERROR.match(message.text):
            problems.append(f"console error: {message.text}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: problems.append(f"uncaught: {error}"))
    page.set_default_timeout(15_000)
    yield page
    assert not problems, "\n".join(problems)


def _axe_violations(page: Page) -> list[dict[str, Any]]:
    if not page.evaluate("() => typeof window.axe === 'object'"):
        # Evaluated through the DevTools protocol, so the page's CSP (no inline script) allows it.
        page.evaluate("(source) => { (0, eval)(source); }", AXE_SOURCE.read_text())
    violations: list[dict[str, Any]] = page.evaluate(
        "async () => (await window.axe.run(document, {resultTypes: ['violations']})).violations"
    )
    return [v for v in violations if v.get("impact") in ("serious", "critical")]


# Spinners and skeletons animate forever; only the animations that end are waited for.
FINITE_ANIMATIONS_FINISHED = """() => Promise.all(document.getAnimations()
    .filter((animation) => animation.effect?.getComputedTiming().endTime !== Infinity)
    .map((animation) => animation.finished.catch(() => undefined)))"""


def _nodes_found_again(
    earlier: list[dict[str, Any]], later: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """`later`'s violations cut down to the elements `earlier` flagged for the same rule."""
    flagged = {(v["id"], tuple(node["target"])) for v in earlier for node in v["nodes"]}
    kept = []
    for violation in later:
        nodes = [n for n in violation["nodes"] if (violation["id"], tuple(n["target"])) in flagged]
        if nodes:
            kept.append({**violation, "nodes": nodes})
    return kept


def settled_axe_violations(page: Page, *, runs: int = 3) -> list[dict[str, Any]]:
    """Serious and critical axe violations that outlast anything moving on the page.

    axe runs once the finite animations and transitions are over (the theme switch starts colour
    transitions). Something can start moving during a run, such as a toast whose time runs out
    fading away, which axe then measures half-transparent; so a run that finds violations is
    repeated, settled again, up to `runs` times, and only the elements flagged by every run are
    reported. A real violation stays put and is flagged each time."""
    page.evaluate(FINITE_ANIMATIONS_FINISHED)
    violations = _axe_violations(page)
    for _ in range(runs - 1):
        if not violations:
            break
        page.evaluate(FINITE_ANIMATIONS_FINISHED)
        violations = _nodes_found_again(violations, _axe_violations(page))
    return violations


PHONE_WIDTH = 390


def _too_wide(page: Page, theme: str) -> list[str]:
    """A page wider than a phone's screen scrolls sideways: every part of it must fit."""
    width = page.evaluate("() => document.documentElement.scrollWidth")
    if width > PHONE_WIDTH:
        return [f"[{theme}] the page is {width} px wide at a {PHONE_WIDTH} px viewport"]
    return []


def check_page(page: Page, name: str, *, narrow: bool = True) -> None:
    """axe with zero serious/critical violations in light and dark, and screenshots of both at
    1366 px (and 390 px wide when `narrow`, where the page must not be wider than the screen)
    into test-results/. On a page already at a phone's width, axe and the screenshots are taken
    at that width alone."""
    RESULTS.mkdir(exist_ok=True)
    original = page.viewport_size or {"width": 1366, "height": 900}
    phone = original["width"] <= PHONE_WIDTH
    failures: list[str] = []
    for theme in ("light", "dark"):
        page.evaluate(
            "(dark) => document.documentElement.classList.toggle('dark', dark)", theme == "dark"
        )
        for violation in settled_axe_violations(page):
            targets = [", ".join(node["target"]) for node in violation["nodes"][:3]]
            failures.append(
                f"[{theme}] {violation['id']} ({violation['impact']}): {violation['help']}"
                f" at {targets}"
            )
        shot = RESULTS / f"{name}-{theme}-{original['width']}.png"
        page.screenshot(path=str(shot), full_page=True)
        if phone:
            failures.extend(_too_wide(page, theme))
        elif narrow:
            page.set_viewport_size({"width": PHONE_WIDTH, "height": 844})
            page.screenshot(path=str(RESULTS / f"{name}-{theme}-390.png"), full_page=True)
            failures.extend(_too_wide(page, theme))
            page.set_viewport_size(original)
    page.evaluate("() => document.documentElement.classList.remove('dark')")
    assert not failures, "\n".join(failures)
