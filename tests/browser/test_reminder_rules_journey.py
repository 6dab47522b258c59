"""A clinic's reminder rules, in a real browser: an administrator opens them from the main
navigation, types a period that is too short (the form says why and keeps what was typed),
then sets 30 days and a required code word. Each page is checked with axe."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from lantern.accounts.models import Clinic, Role
from lantern.messaging.models import ReminderRules
from tests.browser.journey import sign_in
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def test_an_administrator_sets_the_clinics_reminder_rules(
    page: Page, clinic: Clinic, axe_check
) -> None:
    UserFactory(username="admin.lee", role=Role.ADMINISTRATOR, clinics=[clinic])
    sign_in(page, "admin.lee")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Reminder rules").click()
    rules = page.get_by_role("table", name="Reminder rules of your clinics")
    expect(rules.get_by_role("row", name="Riverside Clinic")).to_contain_text(
        "90 days (Lantern's default)"
    )
    axe_check(page, "reminder-rules")

    rules.get_by_role("link", name="Riverside Clinic").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Reminder rules: Riverside Clinic")
    period = page.get_by_label("Re-confirm contact preferences after (days)")
    period.fill("3")
    page.get_by_label("Require a code word").check()
    page.get_by_role("button", name="Save the reminder rules").click()
    expect(page.get_by_role("alert")).to_contain_text("The period is at least 7 days.")
    expect(period).to_have_value("3")
    expect(page.get_by_label("Require a code word")).to_be_checked()
    axe_check(page, "reminder-rules-error")

    period.fill("30")
    page.get_by_role("button", name="Save the reminder rules").click()
    expect(page.get_by_role("status")).to_contain_text("Reminder rules saved.")
    row = page.get_by_role("table", name="Reminder rules of your clinics").get_by_role(
        "row", name="Riverside Clinic"
    )
    expect(row).to_contain_text("30 days")
    expect(row).to_contain_text("required")
    saved = ReminderRules.objects.get(clinic=clinic)
    assert (saved.reconfirm_days, saved.require_code_word) == (30, True)
