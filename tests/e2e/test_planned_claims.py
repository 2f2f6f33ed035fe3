"""Planned claims in the browser: the beneficiary of Ghent's Wijkpark plans two claims on the
grant's claims page (a negative amount refused beside its field first) and removes none; the
managing authority sees them in the N+3 forecast on the dashboard, per city. axe on every page."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from gti.monitoring import services
from tests.e2e.conftest import axe_violations
from tests.e2e.test_preregistration import log_in
from tests.factories import efro_call, person
from tests.monitoring.test_grants import LINES, approved, envelopes

pytestmark = pytest.mark.e2e


def accessible(page):
    assert axe_violations(page) == [], page.url


def test_the_beneficiary_plans_two_claims_and_the_authority_sees_the_forecast(site, page):
    envelopes("gent")
    envelopes("antwerpen")
    proposal = approved(efro_call(), total=160_000, erdf=60_000, budget_lines=LINES)
    grant = services.open_grant(proposal, by=person("managing_authority"))
    services.approve_version(grant.versions.get(), by=person("managing_authority_2"),
                             in_force_from=timezone.localdate())  # fmt: skip
    today = timezone.localdate()

    def later(days: int) -> str:
        return (today + datetime.timedelta(days=days)).isoformat()

    log_in(page, "applicant_gent")
    page.goto(f"/en/monitoring/grants/{proposal.reference}/claims/")
    expect(page.locator("#t-planned")).to_contain_text("No claims planned.")
    accessible(page)
    page.get_by_label("Expected submission").fill(later(60))
    page.get_by_label("Eligible amount (EUR)").fill("-100")
    page.get_by_role("button", name="Add to the plan").click()
    expect(page.locator("#plan-amount-errors")).to_be_visible()
    expect(page.get_by_label("Eligible amount (EUR)")).to_have_value("-100")
    accessible(page)
    page.get_by_label("Eligible amount (EUR)").fill("50 000,00")
    page.get_by_role("button", name="Add to the plan").click()
    expect(page.get_by_role("status")).to_contain_text("The plan of coming claims is saved.")
    page.get_by_label("Expected submission").fill(
        (today + datetime.timedelta(days=200)).isoformat()
    )
    page.get_by_label("Eligible amount (EUR)").fill("25000")
    page.get_by_role("button", name="Add to the plan").click()
    rows = page.locator("#t-planned tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("EUR 20,000.00")  # 50,000.00 × 40%
    expect(rows.nth(1)).to_contain_text("EUR 10,000.00")
    accessible(page)

    log_in(page, "managing_authority")
    page.goto("/en/monitoring/dashboard/")
    expect(page.locator("#t-n3")).to_contain_text("Shortfall forecast")
    gent_2027 = page.locator("#t-n3-cities tbody tr").filter(has_text="gent").last
    expect(gent_2027).to_contain_text("EUR 30,000.00")  # both planned claims by 2029-12-31
    expect(page.locator('[data-chart="n3"] .main-svg').first).to_be_visible()
    accessible(page)
