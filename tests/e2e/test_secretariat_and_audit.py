"""The secretariat sets up a call and an applicant's account; the auditor browses the audit
trail; lists filter and sort. In the browser, with axe on each page."""

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import axe_violations
from tests.e2e.test_proposal_flow import log_in
from tests.factories import admissible, person, submitted

pytestmark = pytest.mark.e2e


def test_secretariat_creates_and_publishes_a_call_and_an_assessor_account(site, page):
    person("secretariat_gent")
    log_in(page, "secretariat_gent")
    page.goto("/en/calls/")
    page.get_by_role("link", name="New call").click()
    # The city runs this call itself: the city-led procedure, for Ghent only.
    page.locator("#id_procedure").select_option("city-led")
    page.locator("#id_city").select_option("gent")
    page.locator("#id_preregistration_closes_at").fill("")
    page.get_by_label("Title").fill("Oproep klimaatadaptatie 2027")
    page.get_by_label("Call envelope, ERDF for P1 (EUR)").fill("0")
    page.get_by_label("Call envelope, ERDF for P2 (EUR)").fill("-5")
    page.get_by_role("button", name="Save draft call").click()
    expect(page.locator(".errorlist").first).to_be_visible()
    assert axe_violations(page) == []
    page.get_by_label("Call envelope, ERDF for P2 (EUR)").fill("1500000")
    page.get_by_role("button", name="Save draft call").click()
    expect(page.get_by_role("status")).to_contain_text("created as a draft")
    page.get_by_role("button", name="Publish").click()
    expect(page.locator(".state").first).to_have_text("published")
    expect(page.get_by_text("open for proposals")).to_be_visible()
    assert axe_violations(page) == []

    page.goto("/accounts/dashboard/")
    page.get_by_role("link", name="Gebruikers").click()
    page.get_by_label("Gebruikersnaam").fill("nieuwe-aanvrager")
    page.get_by_label("Volledige naam").fill("Sara De Smet")
    page.get_by_label("E-mail").fill("sara.desmet@example.org")
    page.get_by_label("Rol").select_option("applicant")
    assert axe_violations(page) == []
    page.get_by_role("button", name="Account aanmaken").click()
    expect(page.get_by_role("status")).to_contain_text("nieuwe-aanvrager")
    expect(page.get_by_role("cell", name="nieuwe-aanvrager")).to_be_visible()


def test_auditor_filters_the_audit_trail(site, page):
    proposal = submitted()
    person("auditor")
    log_in(page, "auditor")
    page.get_by_role("link", name="Controlespoor").click()
    page.get_by_label("Actie bevat").fill("submitted")
    page.get_by_role("button", name="Filteren").click()
    rows = page.locator("table.audit tbody tr")
    expect(rows).to_have_count(1)
    expect(rows).to_contain_text(proposal.reference)
    expect(rows).to_contain_text("applicant_gent")
    assert axe_violations(page) == []


def test_secretariat_filters_and_sorts_proposals(site, page):
    first = admissible(title="Wijkpark Ledeberg")
    second = submitted(first.call, title="Fietsstraat Dampoort", theme="mobiliteit",
                       specific_objective="SD 2.8", areas=["dampoort"],
                       indicator_targets=[{"indicator": "RCO58", "target": "0.4"}])  # fmt: skip
    log_in(page, "secretariat_gent")
    expect(page.get_by_role("link", name=second.reference)).to_be_visible()  # "to screen"
    assert axe_violations(page) == []
    page.get_by_role("link", name="Projectvoorstellen", exact=True).click()
    expect(page.locator("tbody tr")).to_have_count(2)
    page.get_by_label("Thema").select_option("mobiliteit")
    page.get_by_role("button", name="Tonen").click()
    expect(page.locator("tbody tr")).to_have_count(1)
    expect(page.locator("tbody tr")).to_contain_text("Fietsstraat Dampoort")
    page.get_by_label("Thema").select_option("")
    page.get_by_label("Sorteren op").select_option("title")
    page.get_by_role("button", name="Tonen").click()
    titles = page.locator("tbody tr td:nth-child(2)").all_inner_texts()
    assert titles == ["Fietsstraat Dampoort", "Wijkpark Ledeberg"]
    page.get_by_label("Status").select_option("admissible")
    page.get_by_role("button", name="Tonen").click()
    expect(page.locator("tbody tr")).to_have_count(1)
    assert axe_violations(page) == []
