"""A deploy while the simulated clouds refuse every create: the customer sees the failure and
its reason on the server's page; the admin sees the failed server and why on /admin#instances."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import Panel, check_page
from tests.browser.test_auth import sign_in
from tests.browser.test_customer import choose, register

REFUSED = "The cloud provider refused this request."
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
    check_page(page, "failed-deploy-customer")

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
