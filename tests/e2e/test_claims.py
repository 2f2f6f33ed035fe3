"""A claim in the browser: the beneficiary of Ghent's Wijkpark declares a real-cost line and a
unit-cost line and submits; one person of the managing authority draws the on-the-spot sample
and verifies, reducing a line with its reason; a second records the payment; the dashboard shows
the payment in its chart and its table, with no script refused by the pages' security policy.
axe on every page."""

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


def test_declare_verify_pay_and_see_it_on_the_dashboard(site, page):
    envelopes("gent")
    envelopes("antwerpen")
    proposal = approved(efro_call(), total=160_000, erdf=60_000, budget_lines=LINES)
    grant = services.open_grant(proposal, by=person("managing_authority"))
    services.approve_version(grant.versions.get(), by=person("managing_authority_2"),
                             in_force_from=timezone.localdate())  # fmt: skip
    day = timezone.localdate().isoformat()
    refused = []
    page.on("console", lambda m: refused.append(m.text) if m.type == "error" else None)

    # 1. The beneficiary declares and submits.
    log_in(page, "applicant_gent")
    page.goto(f"/en/monitoring/grants/{proposal.reference}/claims/")
    accessible(page)
    page.get_by_role("button", name="Start a new claim").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("#1")
    page.get_by_label("Line 1: category").select_option("works")
    page.get_by_label("Line 1: partner").select_option("Stad Gent, Groendienst")
    page.get_by_label("Line 1: invoice").fill("F-2026-001")
    page.get_by_label("Line 1: date").fill(day)
    page.get_by_label("Line 1: amount").fill("30000")
    page.get_by_label("Line 2: category").select_option("staff")
    page.get_by_label("Line 2: partner").select_option("Stad Gent, Groendienst")
    page.get_by_label("Line 2: invoice").fill("TS-1")
    page.get_by_label("Line 2: date").fill(day)
    page.get_by_label("Line 2: cost option").select_option("unit_cost")
    page.get_by_label("Line 2: units").fill("200")
    accessible(page)
    page.get_by_role("button", name="Save and submit the claim").click()
    # The unit cost needs its rate: named beside the line, what was typed kept.
    expect(page.get_by_role("alert").or_(page.locator("#line1-errors"))).to_be_visible()
    expect(page.locator("#line1-errors")).to_contain_text("Line 2")
    expect(page.get_by_label("Line 1: invoice")).to_have_value("F-2026-001")
    page.get_by_label("Line 2: rate per unit").fill("50")
    page.get_by_role("button", name="Save and submit the claim").click()
    expect(page.get_by_role("status")).to_contain_text("The claim is submitted.")
    expect(page.locator("caption")).to_contain_text("EUR 40,000.00")

    # 2. The managing authority samples and verifies, reducing the invoice line.
    log_in(page, "managing_authority")
    page.goto(f"/en/monitoring/grants/{proposal.reference}/claims/")
    page.get_by_role("link", name="#1").click()
    page.get_by_label("Lines to draw").fill("1")
    page.get_by_label("Seed (empty: drawn at random and recorded)").fill("7")
    page.get_by_role("button", name="Draw the sample").click()
    expect(page.get_by_role("status")).to_contain_text("Lines drawn for on-the-spot checks")
    expect(page.locator(".sample")).to_contain_text("seed 7")
    page.locator("#outcome-1-reduce").check()
    page.get_by_label("Line 1: amount kept when reduced (EUR)").fill("25000")
    page.get_by_label("Line 1: reason").fill("Meerwerk zonder offerte")
    accessible(page)
    page.get_by_role("button", name="Verify the claim").click()
    expect(page.get_by_role("status")).to_contain_text("The claim is verified.")
    # (25,000 + 10,000) × 40% = 14,000.00
    expect(page.locator(".payable")).to_contain_text("ERDF payable EUR 14,000.00")
    expect(page.get_by_role("button", name="Record the payment of EUR 14,000.00")).to_have_count(0)

    # 3. A second person records the payment.
    log_in(page, "managing_authority_2")
    page.goto(f"/en/monitoring/grants/{proposal.reference}/claims/")
    page.get_by_role("link", name="#1").click()
    page.get_by_role("button", name="Record the payment of EUR 14,000.00").click()
    expect(page.get_by_role("status")).to_contain_text("The payment is recorded.")
    expect(page.locator(".paid")).to_contain_text("Paid EUR 14,000.00")
    accessible(page)

    # 4. The dashboard shows it.
    page.goto("/en/monitoring/dashboard/")
    expect(page.locator("#t-money tbody tr").last).to_contain_text("EUR 14,000.00")
    expect(page.locator("[data-chart=money] .main-svg").first).to_be_visible()
    expect(page.locator("[data-chart=pipeline] .main-svg").first).to_be_visible()
    expect(page.locator("#t-areas")).to_contain_text("Ledeberg")
    accessible(page)
    assert not [m for m in refused if "Content Security Policy" in m or "Refused" in m], refused
