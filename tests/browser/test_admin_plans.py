"""The admin's VPS plans and instances sections in a real browser: a plan with markup made
through the wizard appears in the table; both sections pass axe in light and dark."""

from __future__ import annotations

import re
import uuid

from playwright.sync_api import Page, expect

from tests.browser.conftest import Panel, check_page
from tests.browser.test_auth import sign_in


def test_admin_creates_a_plan_with_markup_through_the_wizard(page: Page, panel: Panel) -> None:
    sign_in(page, panel, panel.admin_email, panel.admin_password)
    expect(page).to_have_url(re.compile(r"/vps"))
    page.goto(f"{panel.url}/admin#vps-plans")
    table = page.get_by_role("table", name=re.compile("VPS plans"))
    expect(table.get_by_role("rowheader", name=re.compile("Standard 1GB")).first).to_be_visible()
    check_page(page, "admin-plans")

    page.get_by_role("button", name="Add VPS plan").click()
    wizard = page.get_by_role("dialog", name="Add VPS plan")
    wizard.get_by_role("radio").first.check()
    wizard.get_by_role("button", name="Next").click()

    wizard.get_by_label("Search upstream plans").fill("4GB")
    plan = wizard.get_by_role("radio").first
    expect(plan).to_be_visible()
    plan.check()
    check_page(page, "admin-plan-wizard-upstream", narrow=False)
    wizard.get_by_role("button", name="Next").click()

    regions = wizard.get_by_role("group", name="Regions")
    eligible = regions.locator("input[type=checkbox]:not([disabled])")
    expect(eligible.first).to_be_visible()
    eligible.first.check()
    check_page(page, "admin-plan-wizard-regions", narrow=False)
    wizard.get_by_role("button", name="Next").click()

    name = f"Reseller 4GB {uuid.uuid4().hex[:4]}"
    wizard.get_by_label("Plan name").fill(name)
    wizard.get_by_label("Markup per month (USD)").fill("3.25")
    prices = wizard.get_by_role("table", name="Customer price and margin per region")
    expect(prices).to_contain_text("$3.25")
    check_page(page, "admin-plan-wizard-markup")
    wizard.get_by_role("button", name="Next").click()
    expect(wizard).to_contain_text("Step 5 of 5: Review")
    wizard.get_by_role("button", name="Create plan").click()

    expect(wizard).to_be_hidden()
    row = table.get_by_role("row").filter(has=page.get_by_role("rowheader", name=re.compile(name)))
    expect(row).to_be_visible()
    expect(row).to_contain_text("$3.25")
    expect(row).to_contain_text("Active")

    # Edit the markup: the customer price follows.
    row.get_by_role("button", name=f"Actions for {name}").click()
    page.get_by_role("menuitem", name="Edit").click()
    editor = page.get_by_role("dialog", name=f"Edit {name}")
    editor.get_by_label("Markup per month (USD)").fill("4.00")
    expect(
        editor.get_by_role("table", name="Customer price and margin per region")
    ).to_contain_text("$4.00")
    editor.get_by_role("button", name="Save").click()
    expect(editor).to_be_hidden()
    expect(row).to_contain_text("$4.00")

    # Refresh prices against the simulated clouds: nothing changed upstream.
    page.get_by_role("button", name="Refresh prices").click()
    refreshed = page.get_by_role("dialog", name="Prices refreshed")
    expect(refreshed).to_contain_text("checked")
    check_page(page, "admin-plans-refreshed", narrow=False)
    refreshed.get_by_role("button", name="Close").first.click()
    expect(refreshed).to_be_hidden()

    page.get_by_role("tab", name="Instances").click()
    expect(page).to_have_url(re.compile(r"/admin#instances$"))
    expect(page.get_by_role("heading", name="Instances")).to_be_visible()
    loaded = page.get_by_text("No servers yet").or_(page.get_by_text(re.compile(r"^Page 1 of")))
    expect(loaded.first).to_be_visible()
    check_page(page, "admin-instances")
