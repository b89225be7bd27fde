"""Sign-in, registration, the header and the global 401 handling, in a real browser."""

from __future__ import annotations

import re
import uuid

from playwright.sync_api import Page, expect

from tests.browser.conftest import Panel, check_page


def sign_in(page: Page, panel: Panel, email: str, password: str) -> None:
    page.goto(f"{panel.url}/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in", exact=True).click()


def test_signed_out_visitor_is_sent_to_login_and_back(page: Page, panel: Panel) -> None:
    page.goto(f"{panel.url}/vps?deploy=true")
    expect(page).to_have_url(re.compile(r"/login\?next=%2Fvps"))
    check_page(page, "login")
    page.get_by_label("Email").fill(panel.admin_email)
    page.get_by_label("Password", exact=True).fill("wrong password")
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text("Email or password is incorrect")
    page.get_by_label("Password", exact=True).fill(panel.admin_password)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page).to_have_url(re.compile(r"/vps\?deploy=true$"))
    expect(page.get_by_role("link", name="Admin")).to_be_visible()


def test_password_can_be_shown_and_hidden(page: Page, panel: Panel) -> None:
    page.goto(f"{panel.url}/login")
    password = page.get_by_label("Password", exact=True)
    password.fill("secret words")
    expect(password).to_have_attribute("type", "password")
    page.get_by_role("button", name="Show password").click()
    expect(password).to_have_attribute("type", "text")
    page.get_by_role("button", name="Hide password").click()
    expect(password).to_have_attribute("type", "password")


def test_register_signs_in_a_customer_without_admin_area(page: Page, panel: Panel) -> None:
    page.goto(f"{panel.url}/register")
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_text("At least 10 characters.").first).to_be_visible()
    check_page(page, "register")
    email = f"customer-{uuid.uuid4().hex[:8]}@example.com"
    page.get_by_label("Name").fill("Casey Customer")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill("correct horse battery")
    page.get_by_label("Organization (optional)").fill("Casey Co")
    page.get_by_role("button", name="Create account").click()
    expect(page).to_have_url(re.compile(r"/vps$"))
    expect(page.get_by_role("button", name="Organization: Casey Co")).to_be_visible()
    expect(page.get_by_role("link", name="Admin")).to_have_count(0)

    page.goto(f"{panel.url}/admin")
    expect(page.get_by_role("heading", name="Not allowed")).to_be_visible()

    page.goto(f"{panel.url}/no/such/page")
    expect(page.get_by_role("heading", name="Page not found")).to_be_visible()
    check_page(page, "not-found", narrow=False)

    page.goto(f"{panel.url}/vps")
    page.get_by_role("button", name="Account: Casey Customer").click()
    page.get_by_role("menuitem", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/login$"))
    page.goto(f"{panel.url}/vps")
    expect(page).to_have_url(re.compile(r"/login\?next="))


def test_registering_a_taken_email_puts_the_error_on_the_field(page: Page, panel: Panel) -> None:
    page.goto(f"{panel.url}/register")
    page.get_by_label("Name").fill("Someone")
    page.get_by_label("Email").fill(panel.admin_email)
    page.get_by_label("Password", exact=True).fill("long enough password")
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_text("An account with this email already exists.")).to_be_visible()
    expect(page.get_by_label("Email")).to_have_attribute("aria-invalid", "true")
