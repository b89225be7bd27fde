"""/account in a real browser: a customer creates an API token, reads it off the page once and
scripts the API with it (`Authorization: Bearer`); saves an SSH key and sees it listed."""

from __future__ import annotations

import re

import httpx
from playwright.sync_api import Page, expect

from tests.browser.conftest import Panel, check_page
from tests.browser.test_customer import register
from vpspanel.providers.validation import parse_ssh_public_key

SSH_KEY = (
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIP71BkG4a7ZCR5AUhtgitpPEpM0sdYeoaf+6RD8hjKZf me@laptop"
)


def test_a_token_made_in_the_ui_scripts_the_api(page: Page, panel: Panel) -> None:
    register(page, panel, "Tokens")
    page.get_by_role("button", name=re.compile("^Account: ")).click()
    page.get_by_role("menuitem", name="Account").click()
    expect(page.get_by_role("heading", name="Account", level=1)).to_be_visible()
    page.get_by_role("tab", name="API tokens").click()
    expect(page).to_have_url(re.compile(r"/account#tokens$"))

    page.get_by_label("Name").fill("ci deploys")
    page.get_by_role("button", name="Create token").click()
    shown = page.get_by_role("region", name="New API token")
    expect(shown).to_contain_text("You will not see it again")
    token = shown.get_by_test_id("new-api-token").inner_text().strip()
    assert token.startswith("vpst_")
    expect(shown.get_by_role("button", name="Copy API token ci deploys")).to_be_visible()
    row = page.get_by_role("listitem", name="ci deploys")
    expect(row).to_contain_text(token[:13])
    expect(row).to_contain_text("Never")  # not used yet
    check_page(page, "account-tokens-new")

    with httpx.Client(base_url=panel.url, timeout=30) as script:
        answer = script.get("/api/vps", headers={"Authorization": f"Bearer {token}"})
        assert answer.status_code == 200, answer.text
        assert answer.json()["total"] == 0
        unsigned = script.get("/api/vps", headers={"Authorization": "Bearer vpst_wrong"})
        assert unsigned.status_code == 401

    shown.get_by_role("button", name="I have copied it").click()
    expect(page.get_by_test_id("new-api-token")).to_have_count(0)
    page.reload()
    expect(page.get_by_role("listitem", name="ci deploys")).not_to_contain_text("Never")
    assert token not in page.content()
    check_page(page, "account-tokens")

    page.get_by_role("button", name="Revoke API token ci deploys").click()
    page.get_by_role("alertdialog").get_by_role("button", name="Revoke token").click()
    expect(page.get_by_text("No API tokens yet.")).to_be_visible()
    with httpx.Client(base_url=panel.url, timeout=30) as script:
        revoked = script.get("/api/vps", headers={"Authorization": f"Bearer {token}"})
        assert revoked.status_code == 401


def test_a_saved_ssh_key_is_listed_and_offered_at_deploy(page: Page, panel: Panel) -> None:
    register(page, panel, "Keys")
    page.goto(f"{panel.url}/account#ssh-keys")
    page.get_by_label("Name").fill("laptop")
    page.get_by_label("Public key").fill("ssh-ed25519 not-a-key")
    page.get_by_role("button", name="Save key").click()
    expect(page.get_by_label("Public key")).to_have_attribute("aria-invalid", "true")

    page.get_by_label("Public key").fill(SSH_KEY)
    page.get_by_role("button", name="Save key").click()
    saved = page.get_by_role("listitem", name="laptop")
    expect(saved).to_contain_text(parse_ssh_public_key(SSH_KEY).fingerprint_sha256)

    # The same key again is refused on the key field, naming its fingerprint.
    page.get_by_label("Name").fill("again")
    page.get_by_label("Public key").fill(SSH_KEY.replace("me@laptop", "me@desk"))
    page.get_by_role("button", name="Save key").click()
    expect(page.get_by_text(re.compile(r"already saved this SSH key \(SHA256:"))).to_be_visible()
    check_page(page, "account-ssh-keys")

    page.goto(f"{panel.url}/vps?deploy=true")
    saved_keys = page.get_by_role("group", name="Saved SSH keys")
    expect(saved_keys.get_by_role("checkbox", name=re.compile("laptop"))).to_be_visible()
