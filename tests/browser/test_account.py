"""The Account page in a real browser: change the password, sign in with the new one, and sign
another session out (issue 10, account self-service)."""

from __future__ import annotations

import re
import uuid

import httpx
from playwright.sync_api import Page, expect

from tests.browser.conftest import Panel, check_page
from tests.browser.test_auth import sign_in

FIRST_PASSWORD = "violet stapler orbit"
SECOND_PASSWORD = "amber kettle lantern"


def _register(panel: Panel) -> str:
    email = f"account-{uuid.uuid4().hex[:8]}@example.com"
    answer = httpx.post(
        f"{panel.url}/api/auth/register",
        json={"email": email, "password": FIRST_PASSWORD, "name": "Robin Account"},
        timeout=10,
    )
    assert answer.status_code == 201, answer.text
    return email


def test_change_password_then_sign_in_with_the_new_one(page: Page, panel: Panel) -> None:
    email = _register(panel)
    sign_in(page, panel, email, FIRST_PASSWORD)
    expect(page).to_have_url(re.compile(r"/vps"))
    page.get_by_role("button", name="Account: Robin Account").click()
    page.get_by_role("menuitem", name="Account").click()
    expect(page).to_have_url(re.compile(r"/account"))
    expect(page.get_by_label("Name")).to_have_value("Robin Account")
    check_page(page, "account-profile")

    page.get_by_role("tab", name="Password").click()
    expect(page).to_have_url(re.compile(r"/account#security$"))
    page.get_by_label("Current password").fill(FIRST_PASSWORD)
    page.get_by_label("New password", exact=True).fill("password123")
    page.get_by_label("Repeat new password").fill("password123")
    page.get_by_role("button", name="Change password").click()
    expect(page.get_by_text(re.compile("commonly used passwords"))).to_be_visible()
    expect(page.get_by_label("New password", exact=True)).to_have_attribute("aria-invalid", "true")
    check_page(page, "account-security")

    page.get_by_label("New password", exact=True).fill(SECOND_PASSWORD)
    page.get_by_label("Repeat new password").fill(SECOND_PASSWORD)
    page.get_by_role("button", name="Change password").click()
    expect(page.get_by_text("Password changed.", exact=False)).to_be_visible()

    page.get_by_role("button", name="Account: Robin Account").click()
    page.get_by_role("menuitem", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/login$"))
    sign_in(page, panel, email, FIRST_PASSWORD)
    expect(page.get_by_role("alert")).to_contain_text("Email or password is incorrect")
    sign_in(page, panel, email, SECOND_PASSWORD)
    expect(page).to_have_url(re.compile(r"/vps"))


def test_sign_another_session_out(page: Page, panel: Panel) -> None:
    email = _register(panel)
    other = httpx.post(
        f"{panel.url}/api/auth/login",
        json={"email": email, "password": FIRST_PASSWORD},
        headers={"User-Agent": "curl/8.5.0"},
        timeout=10,
    )
    assert other.status_code == 200
    other_token = other.json()["access_token"]
    sign_in(page, panel, email, FIRST_PASSWORD)
    expect(page).to_have_url(re.compile(r"/vps"))
    page.goto(f"{panel.url}/account#sessions")
    sessions = page.get_by_role("list", name="Sessions")
    expect(sessions.get_by_role("listitem")).to_have_count(3)  # register, curl, this browser
    expect(sessions.get_by_text("This session")).to_have_count(1)
    check_page(page, "account-sessions")
    sessions.get_by_role("button", name=re.compile(r"^Sign out curl")).click()
    expect(sessions.get_by_role("listitem")).to_have_count(2)
    me = httpx.get(
        f"{panel.url}/api/auth/me", headers={"Authorization": f"Bearer {other_token}"}, timeout=10
    )
    assert me.status_code == 401


def test_forgot_password_page_answers_the_same_for_anyone(page: Page, panel: Panel) -> None:
    page.goto(f"{panel.url}/login")
    page.get_by_role("link", name="Forgot password?").click()
    expect(page).to_have_url(re.compile(r"/forgot-password$"))
    page.get_by_label("Email").fill("nobody-here@example.com")
    page.get_by_role("button", name="Send reset link").click()
    expect(
        page.get_by_text(re.compile("If an account exists for nobody-here@example.com"))
    ).to_be_visible()
    check_page(page, "forgot-password")
    page.goto(f"{panel.url}/reset-password#token=not-a-real-token")
    page.get_by_label("New password", exact=True).fill(SECOND_PASSWORD)
    page.get_by_role("button", name="Set password").click()
    expect(page.get_by_role("alert")).to_contain_text("not valid")
    check_page(page, "reset-password")
