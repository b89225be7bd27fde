"""/admin#providers in a real browser: an admin connects a provider account on the demo's
simulator, configures its regions, tests it, and deletes it again."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta

import httpx
import pytest
from playwright.sync_api import Locator, Page, expect

from tests.browser.conftest import Panel, check_page

ACCOUNT_PREFIX = "Browser Linode"


def sign_in_as_admin(page: Page, panel: Panel) -> None:
    page.goto(f"{panel.url}/login?next=%2Fadmin%23providers")
    page.get_by_label("Email").fill(panel.admin_email)
    page.get_by_label("Password", exact=True).fill(panel.admin_password)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_role("heading", name="Provider accounts")).to_be_visible()


@pytest.fixture
def leaves_no_account(panel: Panel) -> Iterator[None]:
    """The panel is shared by the whole browser suite: an account this test adds is removed
    even when the test fails half-way, so later tests see only the demo's accounts."""
    yield
    with httpx.Client(base_url=panel.url, timeout=30) as admin:
        credentials = {"email": panel.admin_email, "password": panel.admin_password}
        admin.post("/api/auth/login", json=credentials).raise_for_status()
        admin.headers["X-CSRF-Token"] = admin.cookies["vpspanel_csrf"]
        for account in admin.get("/api/admin/providers").json()["providers"]:
            if account["name"].startswith(ACCOUNT_PREFIX):
                admin.delete(f"/api/admin/providers/{account['id']}")


def provider_card(page: Page, name: str) -> Locator:
    return page.get_by_role("article", name=name)


def test_admin_connects_configures_and_tests_a_provider(
    page: Page, panel: Panel, leaves_no_account: None
) -> None:
    sign_in_as_admin(page, panel)
    expect(provider_card(page, "Primary Linode Account")).to_contain_text("Connected")
    demo_digitalocean = provider_card(page, "Primary DigitalOcean Account")
    expect(demo_digitalocean).to_contain_text("/_sim/digitalocean/v2")

    name = f"{ACCOUNT_PREFIX} {uuid.uuid4().hex[:6]}"
    page.get_by_role("button", name="Add provider").first.click()
    dialog = page.get_by_role("dialog", name="Add a provider account")
    dialog.get_by_text("Linode", exact=True).click()
    dialog.get_by_label("Name").fill(name)
    dialog.get_by_label("API key", exact=True).fill("invalid-browser-key")
    dialog.get_by_role("button", name="Advanced").click()
    dialog.get_by_label("API base URL (optional)").fill(f"{panel.url}/_sim/linode/v4")

    # The simulator rejects keys that start with "invalid": the answer lands on the key field.
    dialog.get_by_role("button", name="Connect").click()
    key = dialog.get_by_label("API key", exact=True)
    expect(key).to_have_attribute("aria-invalid", "true")
    expect(dialog).to_contain_text("The provider rejected this API key.")
    check_page(page, "admin-providers-add")

    # Each simulator key is its own cloud account.
    api_key = f"browser-linode-{uuid.uuid4().hex[:8]}"
    key.fill(api_key)
    dialog.get_by_role("button", name="Connect").click()
    configure = page.get_by_role("dialog", name=f"Configure {name}")
    expect(configure.get_by_role("switch", name="Private IP")).to_be_visible()
    expect(configure.get_by_role("switch", name="IPv6")).to_have_count(0)
    configure.get_by_text("Only the regions I choose").click()
    configure.get_by_label("Filter regions").fill("Frankfurt")
    configure.get_by_role("checkbox", name=re.compile("Frankfurt")).check()
    configure.get_by_label("Filter regions").fill("")
    configure.get_by_role("checkbox", name=re.compile("Newark")).check()
    expect(configure).to_contain_text("2 of")
    configure.get_by_role("switch", name="Backups").click()
    check_page(page, "admin-providers-configure")
    configure.get_by_role("button", name="Save configuration").click()
    expect(configure).to_be_hidden()

    card = provider_card(page, name)
    expect(card.get_by_role("list", name=f"Configuration of {name}")).to_contain_text("2 regions")
    expect(card).to_contain_text("Backups")
    expect(card).to_contain_text(re.compile(r"Connected · checked"))

    card.get_by_role("button", name=f"Test {name}").click()
    expect(card).to_contain_text(re.compile(r"Test passed · \d+ ms"))
    expect(card).to_contain_text("Read · Write")

    # Rotating to a key of the same account, expiring in 5 days: the card turns amber.
    card.get_by_role("button", name=f"Rotate key of {name}").click()
    rotate = page.get_by_role("dialog", name=f"Rotate the key of {name}")
    rotate.get_by_label("New API key", exact=True).fill(api_key)
    in_five_days = (datetime.now() + timedelta(days=5)).strftime("%Y-%m-%d")
    rotate.get_by_label("Expires on (optional)").fill(in_five_days)
    rotate.get_by_role("button", name="Replace key").click()
    expect(rotate).to_be_hidden()
    expiry = card.get_by_text("Key expires in 5 days")
    expect(expiry).to_have_css("color", _computed_color(page, "--warning-foreground"))
    expect(card).to_contain_text(re.compile(r"rotated (just now|\d+ sec\. ago)"))

    page.evaluate("() => window.scrollTo(0, 0)")
    check_page(page, "admin-providers")
    _check_dialog(page, name)

    card.get_by_role("button", name=f"More actions for {name}").click()
    page.get_by_role("menuitem", name="Delete").click()
    confirm = page.get_by_role("alertdialog", name=f"Delete {name}?")
    confirm.get_by_role("button", name=f"Delete {name}").click()
    expect(provider_card(page, name)).to_have_count(0)


def _computed_color(page: Page, token: str) -> str:
    """The rgb() a CSS colour token resolves to in the current theme."""
    return str(
        page.evaluate(
            """(token) => {
                const probe = document.createElement("span");
                probe.style.color = `var(${token})`;
                document.body.append(probe);
                const color = getComputedStyle(probe).color;
                probe.remove();
                return color;
            }""",
            token,
        )
    )


def _check_dialog(page: Page, name: str) -> None:
    """The edit dialog (its regions checklist) in light and dark, then closed with Escape."""
    page.evaluate("() => window.scrollTo(0, 0)")
    page.get_by_role("button", name=f"Edit {name}").click()
    dialog = page.get_by_role("dialog", name=f"Edit {name}")
    expect(dialog.get_by_role("checkbox", name=re.compile("Frankfurt"))).to_be_checked()
    check_page(page, "admin-providers-edit", narrow=False)
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
