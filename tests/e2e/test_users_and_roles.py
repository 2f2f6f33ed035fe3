"""A new steering-committee member: the secretariat asks, the managing authority approves, the
person sets their own password from the invitation and logs in; the secretariat later closes the
account. In the browser (English pages), with axe on each page."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from tests.e2e.conftest import axe_violations
from tests.e2e.test_proposal_flow import log_in
from tests.factories import person

pytestmark = pytest.mark.e2e
NEW_PASSWORD = "stuurgroep vergadert op dinsdag"


def sign_in(page, username, password):
    page.context.clear_cookies()
    page.goto("/accounts/login/")
    page.get_by_label("Gebruikersnaam").fill(username)
    page.get_by_label("Wachtwoord").fill(password)
    page.get_by_role("button", name="Aanmelden").click()


def test_a_steering_member_is_asked_for_approved_invited_and_deactivated(site, page):
    person("secretariat_gent"), person("managing_authority")
    log_in(page, "secretariat_gent")
    page.goto("/en/accounts/users/")
    page.get_by_label("User name").fill("an-stuurgroep")
    page.get_by_label("Full name").fill("An Stuurgroep")
    page.get_by_label("E-mail").fill("an.stuurgroep@example.org")
    page.get_by_label("Role").select_option("steering_committee")
    page.get_by_label("Why").fill("Nieuw lid van de stuurgroep")
    assert axe_violations(page) == []
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("status")).to_contain_text("waits for approval")
    expect(page.get_by_role("cell", name="Nieuw lid van de stuurgroep")).to_be_visible()
    expect(page.get_by_role("button", name="Approve for an-stuurgroep")).to_have_count(0)

    log_in(page, "managing_authority")
    page.goto("/en/accounts/users/")
    assert axe_violations(page) == []
    page.get_by_role("button", name="Approve for an-stuurgroep").click()
    expect(page.get_by_role("status")).to_contain_text("Role approved.")
    expect(page.get_by_text("No role waits for approval.")).to_be_visible()

    [invitation] = [m for m in mail.outbox if m.to == ["an.stuurgroep@example.org"]]
    link = re.search(r"https?://[^/\s]+(/\S+)", invitation.body).group(1)
    page.context.clear_cookies()
    page.goto(link)
    page.get_by_label("New password:", exact=True).fill("12345678")
    page.get_by_label("New password confirmation").fill("12345678")
    page.get_by_role("button", name="Set password").click()
    expect(page.locator(".errorlist").first).to_be_visible()  # Django's validators, by field
    assert axe_violations(page) == []
    page.get_by_label("New password:", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("New password confirmation").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Set password").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Password set")
    assert axe_violations(page) == []
    sign_in(page, "an-stuurgroep", NEW_PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_have_text("Mijn werk")
    expect(page.locator(".context")).to_contain_text("an-stuurgroep")

    log_in(page, "secretariat_gent")
    page.goto("/en/accounts/users/")
    page.get_by_role("link", name="an-stuurgroep").click()
    assert axe_violations(page) == []
    page.get_by_label("Why", exact=True).last.fill("Uit de stuurgroep gestapt")
    page.get_by_role("button", name="Deactivate account").click()
    expect(page.get_by_role("status")).to_contain_text("an-stuurgroep deactivated")
    expect(page.locator(".account-state")).to_have_text("deactivated")

    sign_in(page, "an-stuurgroep", NEW_PASSWORD)
    expect(page.locator(".errorlist")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).not_to_have_text("Mijn werk")
