"""A customer's whole day in a real browser: deploy on each provider, watch it reach running,
reboot, resize, delete; a second customer cannot open the first one's server; no page shows the
provider behind it (white-label)."""

from __future__ import annotations

import re
import uuid
from typing import Any

import httpx
import pytest
from playwright.sync_api import Locator, Page, expect

from tests.browser.conftest import Panel, check_page
from tests.browser.white_label import (
    WhiteLabel,
    assert_page_is_white_label,
    read_white_label,
    watch_responses,
)

LARGER_PLANS = {"linode": "g6-standard-2", "digitalocean": "s-2vcpu-2gb"}


def register(page: Page, panel: Panel, name: str) -> str:
    email = f"{name.lower()}-{uuid.uuid4().hex[:8]}@example.com"
    page.goto(f"{panel.url}/register")
    page.get_by_label("Name").fill(name)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill("correct horse battery")
    page.get_by_role("button", name="Create account").click()
    expect(page).to_have_url(re.compile(r"/vps$"))
    return email


def choose(page: Page, name: str | re.Pattern[str], within: Locator | None = None) -> None:
    """Picks a card-style radio by clicking its label: the input itself is visually hidden under
    the card's text, which a click on the input would hit."""
    radio = page.get_by_role("radio", name=name)
    label = (within or page.locator("body")).locator("label", has=radio).first
    label.click()
    expect(label.get_by_role("radio")).to_be_checked()


def admin_client(panel: Panel) -> httpx.Client:
    client = httpx.Client(base_url=panel.url, timeout=30)
    credentials = {"email": panel.admin_email, "password": panel.admin_password}
    client.post("/api/auth/login", json=credentials)
    client.headers["X-CSRF-Token"] = client.cookies["vpspanel_csrf"]
    return client


def one_region_per_provider(panel: Panel) -> dict[str, dict[str, Any]]:
    """provider type -> {"region": label, "region_id", "provider_id"} from the admin API, and a
    larger plan on each provider in that region so resize has somewhere to go."""
    admin = admin_client(panel)
    try:
        plans = admin.get("/api/admin/plans").json()["plans"]
        chosen: dict[str, dict[str, Any]] = {}
        for plan in plans:
            provider = plan["provider"]
            if provider["type"] in chosen or not plan["active"]:
                continue
            region = plan["regions"][0]
            chosen[provider["type"]] = {"region": region["label"], "region_id": region["id"]}
            answer = admin.post(
                "/api/admin/plans",
                json={
                    "provider_id": provider["id"],
                    "provider_plan_id": LARGER_PLANS[provider["type"]],
                    "name": f"Bigger {provider['type'][:2].upper()} {uuid.uuid4().hex[:4]}",
                    "markup_price": "3.00",
                    "regions": [region["id"]],
                },
            )
            assert answer.status_code == 201, answer.text
        return chosen
    finally:
        admin.close()


def wait_for_status(page: Page, status: str, timeout: float = 90_000) -> None:
    badge = page.locator("header").get_by_text(status, exact=False).first
    expect(badge).to_be_visible(timeout=timeout)


def white_label_of(panel: Panel) -> WhiteLabel:
    """The upstream ids and prices to look for (after the test's plans are made)."""
    admin = admin_client(panel)
    try:
        return read_white_label(admin)
    finally:
        admin.close()


def deploy(page: Page, region: str, hostname: str, *, check_form: str | None = None) -> None:
    """Fills the deploy form (Standard 1GB, the first image, a generated password) and deploys;
    ends on the new server's page."""
    choose(page, region)
    choose(page, re.compile("Standard 1GB"))
    page.get_by_role("radiogroup", name="Image").get_by_role("radio").first.check()
    page.get_by_role("button", name="Generate").click()
    page.get_by_label("Hostname").fill(hostname)
    if check_form:
        check_page(page, check_form)
    page.get_by_role("button", name="Deploy", exact=True).click()
    expect(page).to_have_url(re.compile(r"/vps/[0-9a-f-]{36}$"))
    expect(page.get_by_role("heading", name=hostname)).to_be_visible()


def reboot(page: Page, label: str) -> None:
    page.get_by_role("button", name=f"Reboot {label}").click()
    page.get_by_role("alertdialog").get_by_role("button", name="Reboot").click()
    # The reboot is under way (the badge leaves Running), then done.
    expect(page.locator("header").get_by_text("Rebooting").first).to_be_visible()
    wait_for_status(page, "Running")


def open_resize(page: Page, label: str) -> Locator:
    page.get_by_role("button", name=f"Actions for {label}").click()
    page.get_by_role("menuitem", name="Resize").click()
    dialog = page.get_by_role("dialog", name=f"Resize {label}")
    expect(dialog).to_be_visible()
    return dialog


def plan_shown(page: Page) -> Locator:
    return page.locator("dt", has_text="Plan").locator("xpath=following-sibling::dd[1]")


def test_customer_deploys_reboots_resizes_and_deletes_on_each_provider(
    page: Page, panel: Panel
) -> None:
    targets = one_region_per_provider(panel)
    assert set(targets) == {"linode", "digitalocean"}
    white_label = white_label_of(panel)
    leaks = watch_responses(page, white_label)
    register(page, panel, "Dana")
    expect(page.get_by_role("heading", name="Deploy your first server")).to_be_visible()
    assert_page_is_white_label(page, white_label)
    check_page(page, "deploy-empty")

    servers: dict[str, str] = {}  # label -> its page
    for index, (_provider, target) in enumerate(sorted(targets.items())):
        if index:
            page.goto(f"{panel.url}/vps?deploy=true")
        label = f"web-{index + 1}"
        deploy(page, target["region"], label, check_form=None if index else "deploy-filled")
        wait_for_status(page, "Running")
        expect(page.get_by_role("button", name=f"Copy IPv4 address of {label}")).to_be_visible()
        assert_page_is_white_label(page, white_label)
        servers[label] = page.url

    check_page(page, "server-detail")
    page.get_by_role("tab", name="Activity").click()
    expect(page.get_by_role("list", name="Activity")).to_be_visible()
    assert_page_is_white_label(page, white_label)
    check_page(page, "server-activity", narrow=False)

    # On each provider's server: reboot, confirmed; then a resize to the larger plan, confirmed by
    # typing the label. The resizes run side by side; each is waited for below.
    for label, url in servers.items():
        page.goto(url)
        wait_for_status(page, "Running")
        reboot(page, label)
        dialog = open_resize(page, label)
        choose(page, re.compile("^Bigger"), within=dialog)
        dialog.get_by_label(re.compile("to confirm")).fill(label)
        assert_page_is_white_label(page, white_label)
        if label == "web-1":
            check_page(page, "server-resize", narrow=False)
        dialog.get_by_role("button", name=f"Resize {label}").click()
        expect(dialog).to_be_hidden()
    for url in servers.values():
        page.goto(url)
        # Until the resize is done the server still shows its old plan (and may show Running).
        expect(plan_shown(page)).to_have_text(re.compile("^Bigger"), timeout=120_000)
        wait_for_status(page, "Running", timeout=120_000)
        page.get_by_role("tab", name="Activity").click()
        expect(page.get_by_role("list", name="Activity")).to_contain_text("The server was resized.")
        assert_page_is_white_label(page, white_label)

    # The list shows both, with their status.
    page.goto(f"{panel.url}/vps")
    expect(page.get_by_role("link", name="web-1").first).to_be_visible()
    expect(page.get_by_role("link", name="web-2").first).to_be_visible()
    check_page(page, "servers-list")
    assert_page_is_white_label(page, white_label)

    # The customer's own pages: every tab of /account, and /organization.
    page.goto(f"{panel.url}/account")
    expect(page.get_by_role("heading", name="Account", exact=True)).to_be_visible()
    for tab in page.get_by_role("tab").all():
        tab.click()
        expect(tab).to_have_attribute("aria-selected", "true")
        page.wait_for_load_state("networkidle")
        assert_page_is_white_label(page, white_label)
    page.goto(f"{panel.url}/organization")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    page.wait_for_load_state("networkidle")
    assert_page_is_white_label(page, white_label)

    # A second customer opening the first one's server sees "not found".
    first_customer = page.context.cookies()
    page.context.clear_cookies()
    register(page, panel, "Eve")
    page.goto(servers["web-1"])
    expect(page.get_by_role("heading", name="Server not found")).to_be_visible()

    # Back as the owner: each server is deleted (typing its label to confirm) and leaves the list.
    page.context.clear_cookies()
    page.context.add_cookies(first_customer)  # type: ignore[arg-type]
    for label, url in servers.items():
        page.goto(url)
        page.get_by_role("button", name=f"Actions for {label}").click()
        page.get_by_role("menuitem", name="Delete").click()
        dialog = page.get_by_role("dialog", name=f"Delete {label}")
        dialog.get_by_label(re.compile("to confirm")).fill(label)
        assert_page_is_white_label(page, white_label)
        dialog.get_by_role("button", name=f"Delete {label}").click()
        # The page shows "Deleting" until the worker has deleted the server at the provider,
        # then returns to the list: as long as the worker takes, which a loaded machine slows.
        expect(page).to_have_url(re.compile(r"/vps(\?.*)?$"), timeout=60_000)
    for label in servers:
        expect(page.get_by_role("link", name=label)).to_have_count(0, timeout=120_000)

    assert not leaks, "\n".join(leaks)


@pytest.mark.browser_context_args(viewport={"width": 390, "height": 844})
def test_a_customer_on_a_phone_deploys_reboots_and_opens_a_dialog(page: Page, panel: Panel) -> None:
    targets = one_region_per_provider(panel)
    white_label = white_label_of(panel)
    leaks = watch_responses(page, white_label)
    assert page.viewport_size == {"width": 390, "height": 844}
    register(page, panel, "Pia")
    check_page(page, "phone-deploy-empty")
    label = f"pocket-{uuid.uuid4().hex[:4]}"
    deploy(page, targets["linode"]["region"], label, check_form="phone-deploy-filled")
    wait_for_status(page, "Running")
    assert_page_is_white_label(page, white_label)
    check_page(page, "phone-server-detail")

    server_page = page.url

    # Reboot from the action menu of the server's card (the list's phone layout), confirmed.
    page.goto(f"{panel.url}/vps")
    card = page.get_by_role("list", name="Your servers").get_by_role("listitem")
    card = card.filter(has=page.get_by_role("link", name=label))
    expect(card).to_contain_text("Running")
    check_page(page, "phone-servers-list")
    card.get_by_role("button", name=f"Actions for {label}").click()
    page.get_by_role("menuitem", name="Reboot").click()
    page.get_by_role("alertdialog").get_by_role("button", name="Reboot").click()
    expect(card).to_contain_text("Rebooting")
    expect(card).to_contain_text("Running", timeout=90_000)
    assert_page_is_white_label(page, white_label)

    page.goto(server_page)
    wait_for_status(page, "Running")

    dialog = open_resize(page, label)
    choose(page, re.compile("^Bigger"), within=dialog)
    assert_page_is_white_label(page, white_label)
    check_page(page, "phone-server-resize")
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_be_hidden()
    assert not leaks, "\n".join(leaks)


def _delete_at_provider(panel: Panel, hostname: str) -> None:
    """Delete the server named `hostname` through the simulator's control API, as if in the
    provider's own console (recorded in the account's change feed)."""
    for provider, name_field in (("linode", "label"), ("digitalocean", "name")):
        listed = httpx.get(f"{panel.url}/_sim/_control/{provider}/instances", timeout=10)
        assert listed.status_code == 200, listed.text
        for server in listed.json()["instances"]:
            if hostname in str(server.get(name_field, "")):
                gone = httpx.delete(
                    f"{panel.url}/_sim/_control/{provider}/instances/{server['id']}", timeout=10
                )
                assert gone.status_code < 300, gone.text
                return
    raise AssertionError(f"no server named {hostname} at the simulator")


def test_a_server_deleted_outside_the_panel_says_so(page: Page, panel: Panel) -> None:
    targets = one_region_per_provider(panel)
    white_label = white_label_of(panel)
    leaks = watch_responses(page, white_label)
    register(page, panel, "Gale")
    target = next(iter(targets.values()))
    choose(page, target["region"])
    choose(page, re.compile("Standard 1GB"))
    page.get_by_role("radiogroup", name="Image").get_by_role("radio").first.check()
    page.get_by_role("button", name="Generate").click()
    hostname = f"gone-{uuid.uuid4().hex[:6]}"
    page.get_by_label("Hostname").fill(hostname)
    page.get_by_role("button", name="Deploy", exact=True).click()
    expect(page).to_have_url(re.compile(r"/vps/[0-9a-f-]{36}$"))
    wait_for_status(page, "Running")

    _delete_at_provider(panel, hostname)
    # The worker's change feed notices it; the page's next poll shows it.
    banner = page.get_by_role("alert").filter(has_text="This server was deleted outside the panel")
    expect(banner).to_be_visible(timeout=90_000)
    expect(page).to_have_url(re.compile(r"/vps/[0-9a-f-]{36}$"))
    for name in (f"Reboot {hostname}", f"Shut down {hostname}", f"Actions for {hostname}"):
        expect(page.get_by_role("button", name=name)).to_have_count(0)
    assert_page_is_white_label(page, white_label)
    check_page(page, "server-deleted-outside")
    page.get_by_role("tab", name="Activity").click()
    expect(page.get_by_role("list", name="Activity")).to_contain_text("Deleted")
    check_page(page, "server-deleted-outside-activity", narrow=False)
    assert not leaks, "\n".join(leaks)
