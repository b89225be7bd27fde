"""A deploy while the simulated clouds refuse every create: the customer sees the failure and
its reason on the server's page; the admin sees the failed server and why on /admin#instances,
and deletes a tagged server nobody owns from the same page."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect
from pydantic import SecretStr

from tests.browser.conftest import Panel, _run_outside_playwright_loop, check_page
from tests.browser.test_auth import sign_in
from tests.browser.test_customer import choose, register, white_label_of
from tests.browser.white_label import assert_page_is_white_label, watch_responses
from tests.conftest import TEST_ENCRYPTION_KEY
from vpspanel import provider_errors
from vpspanel.config import Environment, Settings
from vpspanel.orphans.service import reconcile_orphans
from vpspanel.provider_accounts.repository import ProviderAccountRepository
from vpspanel.state import AppState

REFUSED = provider_errors.CREATE_REFUSED
CREATE_PATHS = {"linode": r"linode/instances$", "digitalocean": r"droplets$"}


@pytest.fixture
def creates_fail(panel: Panel) -> Iterator[None]:
    """Both simulated clouds refuse creates (a 400: not retried) until the test ends."""
    control = f"{panel.url}/_sim/_control/faults"
    for provider, path in CREATE_PATHS.items():
        answer = httpx.post(
            control,
            json={
                "provider": provider,
                "kind": "server_error",
                "method": "POST",
                "path": path,
                "status": 400,
                "times": 10,
            },
            timeout=10,
        )
        assert answer.status_code in (200, 201), answer.text
    yield
    httpx.delete(control, timeout=10)


@pytest.mark.usefixtures("creates_fail")
def test_a_failed_deploy_shows_its_reason_to_customer_and_admin(page: Page, panel: Panel) -> None:
    white_label = white_label_of(panel)
    leaks = watch_responses(page, white_label)
    register(page, panel, "Gale")
    regions = page.get_by_role("radiogroup", name="Region")
    regions.locator("label").first.click()
    expect(regions.get_by_role("radio", checked=True)).to_have_count(1)
    choose(page, re.compile("Standard 1GB"))
    page.get_by_role("radiogroup", name="Image").get_by_role("radio").first.check()
    page.get_by_role("button", name="Generate").click()
    label = f"doomed-{uuid.uuid4().hex[:4]}"
    page.get_by_label("Hostname").fill(label)
    page.get_by_role("button", name="Deploy", exact=True).click()

    expect(page).to_have_url(re.compile(r"/vps/[0-9a-f-]{36}$"))
    header = page.locator("header")
    expect(page.get_by_role("heading", name=label)).to_be_visible()
    expect(header.get_by_text("Failed").first).to_be_visible(timeout=90_000)
    expect(page.get_by_text(REFUSED).first).to_be_visible()
    assert_page_is_white_label(page, white_label)
    check_page(page, "failed-deploy-customer")
    page.get_by_role("tab", name="Activity").click()
    expect(page.get_by_role("list", name="Activity")).to_be_visible()
    assert_page_is_white_label(page, white_label)
    assert not leaks, "\n".join(leaks)

    page.context.clear_cookies()
    sign_in(page, panel, panel.admin_email, panel.admin_password)
    expect(page).to_have_url(re.compile(r"/vps"))
    page.goto(f"{panel.url}/admin#instances")
    page.get_by_label("Status").select_option("failed")
    row = page.get_by_role("row").filter(has=page.get_by_role("rowheader", name=re.compile(label)))
    expect(row).to_contain_text("Failed")
    expect(row).to_contain_text(REFUSED)
    check_page(page, "admin-instances-failed")

    row.get_by_role("button", name=f"Details for {label}").click()
    details = page.get_by_role("dialog", name=label)
    expect(details).to_contain_text("Provider said:")
    expect(details).to_contain_text("failed")
    check_page(page, "admin-instance-details", narrow=True)


DEMO_LINODE = ("linode/v4", "demo-linode-account")


def _linode_server(panel: Panel, label: str, tags: list[str]) -> int:
    """A server made at the simulated Linode account of the demo, as if by hand."""
    path, token = DEMO_LINODE
    answer = httpx.post(
        f"{panel.url}/_sim/{path}/linode/instances",
        headers={"Authorization": f"Bearer {token}"},
        json={"type": "g6-nanode-1", "region": "us-east", "label": label, "tags": tags},
        timeout=10,
    )
    assert answer.status_code == 200, answer.text
    server_id: int = answer.json()["id"]
    return server_id


def _linode_server_ids(panel: Panel) -> set[int]:
    answer = httpx.get(
        f"{panel.url}/_sim/_control/linode/instances",
        headers={"X-Simulator-Token": DEMO_LINODE[1]},
        timeout=10,
    )
    return {server["id"] for server in answer.json()["instances"]}


async def _sweep_orphans(panel: Panel, data_dir: Path) -> None:
    """What the panel's worker sweep does with each account's complete listing."""
    state = AppState.from_settings(
        Settings(
            env=Environment.TEST,
            database_url=panel.database_url,
            data_dir=data_dir,
            encryption_keys=[SecretStr(TEST_ENCRYPTION_KEY)],
        )
    )
    try:
        async with state.read_sessionmaker() as session:
            accounts = list(await ProviderAccountRepository(session).list_active())
        for account in accounts:
            listed = await state.providers.for_account(account).list_instances(tagged_only=False)
            async with state.sessionmaker() as session, session.begin():
                await reconcile_orphans(session, state, account, listed, complete=True)
    finally:
        await state.close()


def test_an_admin_deletes_a_tagged_server_nobody_owns(
    page: Page, panel: Panel, tmp_path: Path
) -> None:
    stray = f"stray-{uuid.uuid4().hex[:4]}"
    stray_id = _linode_server(panel, stray, ["vpspanel", f"vpspanel:{uuid.uuid4()}"])
    kept = f"kept-{uuid.uuid4().hex[:4]}"
    _linode_server(panel, kept, ["vpspanel", f"vpspanel:{uuid.uuid4()}"])
    by_hand_id = _linode_server(panel, f"by-hand-{uuid.uuid4().hex[:4]}", [])
    _run_outside_playwright_loop(_sweep_orphans(panel, tmp_path))

    sign_in(page, panel, panel.admin_email, panel.admin_password)
    expect(page).to_have_url(re.compile(r"/vps"))
    page.goto(f"{panel.url}/admin#instances")
    section = page.get_by_role("region", name="Servers at the provider without an owner")
    row = section.get_by_role("row").filter(
        has=page.get_by_role("rowheader", name=re.compile(stray))
    )
    expect(row).to_contain_text("Primary Linode Account")
    expect(row).to_contain_text(str(stray_id))
    expect(section).not_to_contain_text("by-hand-")
    check_page(page, "admin-orphans")

    # One kept on purpose is ignored: it leaves the list, and "Show ignored" finds it again.
    section.get_by_role("row").filter(
        has=page.get_by_role("rowheader", name=re.compile(kept))
    ).get_by_role("button", name=f"Ignore {kept}").click()
    expect(page.get_by_text(f"{kept} is ignored.")).to_be_visible()
    expect(section.get_by_role("rowheader", name=re.compile(kept))).to_have_count(0)

    row.get_by_role("button", name=f"Delete {stray}").click()
    dialog = page.get_by_role("alertdialog", name=f"Delete {stray}?")
    expect(dialog).to_contain_text(f"Server {stray_id} in Primary Linode Account")
    check_page(page, "admin-orphan-delete", narrow=False)
    dialog.get_by_role("button", name="Delete server").click()
    expect(page.get_by_text(f"{stray} was deleted at the provider.")).to_be_visible()
    expect(section.get_by_text("Every tagged server has an owner.")).to_be_visible()
    check_page(page, "admin-orphans-none")

    section.get_by_role("button", name="Show ignored").click()
    ignored = section.get_by_role("table", name="Ignored servers at the provider without an owner")
    expect(ignored.get_by_role("rowheader", name=re.compile(kept))).to_be_visible()
    check_page(page, "admin-orphans-ignored")
    ignored.get_by_role("button", name=f"Un-ignore {kept}").click()
    expect(section.get_by_text("No server is ignored.")).to_be_visible()
    section.get_by_role("button", name="Show ignored").click()
    expect(section.get_by_role("rowheader", name=re.compile(kept))).to_be_visible()

    # The provider takes a little while to delete a server, as real clouds do.
    deadline = time.monotonic() + 60
    while stray_id in (remaining := _linode_server_ids(panel)) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert stray_id not in remaining and by_hand_id in remaining
