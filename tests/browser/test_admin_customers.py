"""/admin#customers in a real browser: the admin suspends a signed-in customer, who is sent to
the sign-in page at their next request, and sets an organization's server limit."""

from __future__ import annotations

import re
import uuid

import httpx
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import Panel, check_page
from tests.browser.test_auth import sign_in

PASSWORD = "browser-customer-password"


def register_customer(panel: Panel) -> tuple[str, str]:
    """A new customer (email, organization name), registered through the API."""
    tag = uuid.uuid4().hex[:8]
    email, organization = f"suspend-{tag}@example.com", f"Quota Co {tag}"
    answer = httpx.post(
        f"{panel.url}/api/auth/register",
        json={
            "email": email,
            "password": PASSWORD,
            "name": f"Customer {tag}",
            "organization_name": organization,
        },
        timeout=30,
    )
    assert answer.status_code == 201, answer.text
    return email, organization


def test_admin_suspends_a_signed_in_customer_and_limits_an_organization(
    page: Page, browser: Browser, panel: Panel
) -> None:
    email, organization = register_customer(panel)
    customer_context = browser.new_context(viewport={"width": 1366, "height": 900})
    try:
        customer = customer_context.new_page()
        sign_in(customer, panel, email, PASSWORD)
        expect(customer).to_have_url(re.compile(r"/vps"))

        page.goto(f"{panel.url}/login?next=%2Fadmin%23customers")
        page.get_by_label("Email").fill(panel.admin_email)
        page.get_by_label("Password", exact=True).fill(panel.admin_password)
        page.get_by_role("button", name="Sign in", exact=True).click()
        expect(page.get_by_role("heading", name="Customers", exact=True)).to_be_visible()

        page.get_by_label("Email or name").fill(email)
        page.get_by_role("search").first.get_by_role("button", name="Search").click()
        users = page.get_by_role("table", name=re.compile("Users"))
        expect(users.get_by_role("rowheader", name=re.compile(email))).to_be_visible()
        expect(users).to_contain_text(organization)
        users.get_by_role("button", name=f"Suspend {email}").click()
        confirm = page.get_by_role("alertdialog", name=f"Suspend {email}?")
        check_page(page, "admin-customers-suspend", narrow=False)
        confirm.get_by_role("button", name="Suspend", exact=True).click()
        expect(users.get_by_text("Suspended", exact=True)).to_be_visible()

        # The customer's next request is refused, and the app sends them to sign in.
        customer.reload()
        expect(customer).to_have_url(re.compile(r"/login"))
        sign_in(customer, panel, email, PASSWORD)
        refused = customer.get_by_role("alert").filter(has_text="Email or password is incorrect.")
        expect(refused).to_be_visible()

        page.get_by_label("Organization name").fill(organization)
        page.get_by_role("search").nth(1).get_by_role("button", name="Search").click()
        organizations = page.get_by_role("table", name=re.compile("Organizations"))
        expect(organizations).to_contain_text("0 (no limit)")
        organizations.get_by_role("button", name=f"Edit limit of {organization}").click()
        dialog = page.get_by_role("dialog", name=f"Server limit of {organization}")
        limit = dialog.get_by_label("Server limit")
        limit.fill("lots")
        dialog.get_by_role("button", name="Save limit").click()
        expect(limit).to_have_attribute("aria-invalid", "true")
        check_page(page, "admin-customers-limit", narrow=False)
        limit.fill("2")
        dialog.get_by_role("button", name="Save limit").click()
        expect(dialog).to_be_hidden()
        expect(organizations).to_contain_text("0 of 2")
        check_page(page, "admin-customers")
    finally:
        customer_context.close()
