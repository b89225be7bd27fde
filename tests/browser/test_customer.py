"""A customer's whole day in a real browser: deploy on each provider, watch it reach running,
reboot, resize, delete; a second customer cannot open the first one's server; no page shows the
provider behind it (white-label)."""

from __future__ import annotations

import re
import uuid
from typing import Any

import httpx
from playwright.sync_api import Locator, Page, Response, expect

from tests.browser.conftest import Panel, check_page

# What a customer must never see, in page text or in any response the page received.
PROVIDER_WORDS = re.compile(r"linode|digitalocean|digital ocean|akamai|g6-|s-1vcpu", re.IGNORECASE)
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


def watch_white_label(page: Page) -> list[str]:
    leaks: list[str] = []

    def on_response(response: Response) -> None:
        if "/api/" not in response.url or response.request.resource_type not in ("fetch", "xhr"):
            return
        try:
            body = response.text()
        except Exception:  # a navigation away can drop a body; nothing to scan
            return
        match = PROVIDER_WORDS.search(body)
        if match:
            leaks.append(f"{response.url}: {_around(body, match)}")

    page.on("response", on_response)
    return leaks


def assert_no_provider_in_text(page: Page) -> None:
    text = page.locator("body").inner_text()
    match = PROVIDER_WORDS.search(text)
    assert match is None, f"provider word on a customer page: {_around(text, match)}"


def wait_for_status(page: Page, status: str, timeout: float = 90_000) -> None:
    badge = page.locator("header").get_by_text(status, exact=False).first
    expect(badge).to_be_visible(timeout=timeout)


def _around(text: str, match: re.Match[str]) -> str:
    return repr(text[max(0, match.start() - 40) : match.end() + 40])


def test_customer_deploys_on_each_provider_and_manages_the_server(page: Page, panel: Panel) -> None:
    targets = one_region_per_provider(panel)
    assert set(targets) == {"linode", "digitalocean"}
    leaks = watch_white_label(page)
    register(page, panel, "Dana")
    expect(page.get_by_role("heading", name="Deploy your first server")).to_be_visible()
    assert_no_provider_in_text(page)
    check_page(page, "deploy-empty")

    server_urls: list[str] = []
    for index, (_provider, target) in enumerate(sorted(targets.items())):
        if index:
            page.goto(f"{panel.url}/vps?deploy=true")
        choose(page, target["region"])
        choose(page, re.compile("Standard 1GB"))
        page.get_by_role("radiogroup", name="Image").get_by_role("radio").first.check()
        page.get_by_role("button", name="Generate").click()
        label = f"web-{index + 1}"
        page.get_by_label("Hostname").fill(label)
        if index == 0:
            check_page(page, "deploy-filled")
        page.get_by_role("button", name="Deploy", exact=True).click()
        expect(page).to_have_url(re.compile(r"/vps/[0-9a-f-]{36}$"))
        expect(page.get_by_role("heading", name=label)).to_be_visible()
        wait_for_status(page, "Running")
        expect(page.get_by_role("button", name=f"Copy IPv4 address of {label}")).to_be_visible()
        assert_no_provider_in_text(page)
        server_urls.append(page.url)

    check_page(page, "server-detail")
    page.get_by_role("tab", name="Activity").click()
    expect(page.get_by_role("list", name="Activity")).to_be_visible()
    check_page(page, "server-activity", narrow=False)
    page.get_by_role("tab", name="Overview").click()

    # Reboot, confirmed.
    page.get_by_role("button", name="Reboot web-2").click()
    page.get_by_role("alertdialog").get_by_role("button", name="Reboot").click()
    wait_for_status(page, "Running")

    # Resize to the larger plan, confirmed by typing the label.
    page.get_by_role("button", name="Actions for web-2").click()
    page.get_by_role("menuitem", name="Resize").click()
    dialog = page.get_by_role("dialog", name="Resize web-2")
    choose(page, re.compile("^Bigger"), within=dialog)
    dialog.get_by_label(re.compile("to confirm")).fill("web-2")
    check_page(page, "server-resize", narrow=False)
    dialog.get_by_role("button", name="Resize web-2").click()
    # Until the resize is done the server still shows its old plan (and may still show Running).
    plan = page.locator("dt", has_text="Plan").locator("xpath=following-sibling::dd[1]")
    expect(plan).to_have_text(re.compile("^Bigger"), timeout=120_000)
    wait_for_status(page, "Running", timeout=120_000)

    # The list shows both, with their status.
    page.goto(f"{panel.url}/vps")
    expect(page.get_by_role("link", name="web-1").first).to_be_visible()
    check_page(page, "servers-list")
    assert_no_provider_in_text(page)

    # A second customer opening the first one's server sees "not found".
    page.context.clear_cookies()
    register(page, panel, "Eve")
    page.goto(server_urls[0])
    expect(page.get_by_role("heading", name="Server not found")).to_be_visible()

    assert not leaks, "\n".join(leaks)


def test_customer_deletes_a_server(page: Page, panel: Panel) -> None:
    targets = one_region_per_provider(panel)
    register(page, panel, "Finn")
    target = next(iter(targets.values()))
    choose(page, target["region"])
    choose(page, re.compile("Standard 1GB"))
    page.get_by_role("radiogroup", name="Image").get_by_role("radio").first.check()
    page.get_by_role("button", name="Generate").click()
    page.get_by_label("Hostname").fill("temp-1")
    page.get_by_role("button", name="Deploy", exact=True).click()
    wait_for_status(page, "Running")
    page.get_by_role("button", name="Actions for temp-1").click()
    page.get_by_role("menuitem", name="Delete").click()
    dialog = page.get_by_role("dialog", name="Delete temp-1")
    dialog.get_by_label(re.compile("to confirm")).fill("temp-1")
    dialog.get_by_role("button", name="Delete temp-1").click()
    expect(page).to_have_url(re.compile(r"/vps(\?.*)?$"), timeout=120_000)


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
    leaks = watch_white_label(page)
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
    assert_no_provider_in_text(page)
    check_page(page, "server-deleted-outside")
    page.get_by_role("tab", name="Activity").click()
    expect(page.get_by_role("list", name="Activity")).to_contain_text("Deleted")
    check_page(page, "server-deleted-outside-activity", narrow=False)
    assert not leaks, "\n".join(leaks)
