"""Inviting a colleague in a real browser (SMTP off): the owner invites and is shown the link;
in a second browser the colleague opens it, signs up, lands on the organization's servers (and
sees the owner's server) but not its member settings."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import HANDLED_RESOURCE_ERROR, Panel, check_page
from tests.browser.test_customer import register

ROOT_PASS = "Str0ng-Root-Pass!42"


def deploy_through_api(panel: Panel, email: str) -> str:
    """The owner deploys a server (through the API, to keep the test short); its label."""
    with httpx.Client(base_url=panel.url, timeout=30) as client:
        signed_in = client.post(
            "/api/auth/login", json={"email": email, "password": "correct horse battery"}
        )
        assert signed_in.status_code == 200, signed_in.text
        client.headers["X-CSRF-Token"] = client.cookies["vpspanel_csrf"]
        region = client.get("/api/vps/regions").json()["regions"][0]["id"]
        plan = client.get("/api/vps/plans", params={"region": region}).json()["plans"][0]["id"]
        image = client.get("/api/vps/images", params={"plan": plan}).json()["images"][0]["id"]
        label = f"team-{uuid.uuid4().hex[:6]}"
        created = client.post(
            "/api/vps",
            json={
                "label": label,
                "type": plan,
                "region": region,
                "image": image,
                "root_pass": ROOT_PASS,
            },
        )
        assert created.status_code == 201, created.text
        return label


@pytest.fixture
def second_page(browser: Browser) -> Iterator[Page]:
    """A separate browser context (no shared cookies), failing on console errors like `page`."""
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    other = context.new_page()
    problems: list[str] = []
    other.on(
        "console",
        lambda message: (
            problems.append(message.text)
            if message.type == "error" and not HANDLED_RESOURCE_ERROR.match(message.text)
            else None
        ),
    )
    other.on("pageerror", lambda error: problems.append(str(error)))
    other.set_default_timeout(15_000)
    yield other
    context.close()
    assert not problems, "\n".join(problems)


def test_owner_invites_and_the_colleague_signs_up_through_the_link(
    page: Page, second_page: Page, panel: Panel
) -> None:
    owner_email = register(page, panel, "Olive")
    label = deploy_through_api(panel, owner_email)
    organization = "Olive's organization"

    page.goto(f"{panel.url}/organization")
    expect(page.get_by_role("heading", name=re.compile(organization))).to_be_visible()
    expect(page.get_by_text("You are the only owner")).to_be_visible()
    check_page(page, "organization-owner")
    page.get_by_role("button", name="Invite").click()
    dialog = page.get_by_role("dialog", name="Invite someone")
    colleague = f"colleague-{uuid.uuid4().hex[:8]}@example.com"
    dialog.get_by_label("Email").fill(colleague)
    dialog.get_by_role("button", name="Send invitation").click()
    link_box = dialog.get_by_test_id("invitation-link")
    expect(link_box).to_contain_text("/invite/")
    check_page(page, "organization-invite-link", narrow=False)
    link = link_box.inner_text().strip()
    dialog.get_by_role("button", name="Done").click()
    expect(page.get_by_role("list", name="Pending invitations")).to_contain_text(colleague)

    second_page.goto(link)
    expect(second_page.get_by_role("heading", name=f"Join {organization}")).to_be_visible()
    expect(second_page.get_by_text(colleague)).to_be_visible()
    check_page(second_page, "invitation-sign-up")
    second_page.get_by_label("Name").fill("Casey Colleague")
    second_page.get_by_label("Password", exact=True).fill("a long enough passphrase")
    second_page.get_by_role("button", name="Create account and join").click()
    expect(second_page).to_have_url(re.compile(r"/vps$"))
    expect(second_page.get_by_role("button", name=f"Organization: {organization}")).to_be_visible()
    expect(second_page.get_by_role("link", name=label)).to_be_visible()

    second_page.goto(f"{panel.url}/organization")
    expect(second_page.get_by_role("heading", name=re.compile(organization))).to_be_visible()
    expect(second_page.get_by_role("button", name=f"Leave {organization}")).to_be_enabled()
    expect(second_page.get_by_role("button", name="Invite")).to_have_count(0)
    expect(second_page.get_by_role("table")).to_have_count(0)
    expect(second_page.get_by_text("Pending invitations")).to_have_count(0)
    check_page(second_page, "organization-member")

    # The owner now sees the colleague as a member, and the invitation is gone.
    page.reload()
    members = page.get_by_role("table", name=f"Members of {organization}")
    expect(members).to_contain_text(colleague)
    expect(page.get_by_text("No pending invitations.")).to_be_visible()
