"""A progress report in the browser: the beneficiary fills and submits it, the managing authority
returns it with remarks, the beneficiary corrects and submits again, the managing authority
accepts it."""

import pytest
from playwright.sync_api import expect

from gti.monitoring.models import ProgressReport
from tests.e2e.test_preregistration import accessible, log_in
from tests.monitoring.test_reports import make_grant

pytestmark = pytest.mark.e2e


def test_a_report_is_submitted_returned_corrected_and_accepted(site, page):
    grant = make_grant()
    ref = grant.proposal.reference

    log_in(page, "applicant_gent")
    page.goto(f"/en/proposals/{ref}/")
    page.get_by_role("link", name="Progress reports").click()
    expect(page.get_by_text("No reports yet.")).to_be_visible()
    accessible(page)
    page.get_by_role("button", name="Start the report of the next period").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("1 January 2026 – 30 June 2026")
    # The targets stand beside the values; nothing was accepted before, so no last value.
    expect(page.get_by_role("row", name="RCO26")).to_contain_text("1.50")
    page.get_by_label("Progress made in this period").fill("Het ontwerp is klaar.")
    page.get_by_label("Status").first.select_option("done")
    page.get_by_label("Status").nth(1).select_option("on_track")
    page.get_by_label("Value achieved for RCO26").fill("0,40")
    page.get_by_label("Value achieved for RCR95").fill("-5")
    page.get_by_label("Risks and how they are handled").fill("Levering van de bomen.")
    accessible(page)
    page.get_by_role("button", name="Submit for review").click()
    expect(page.get_by_role("row", name="RCR95")).to_contain_text("must not be negative")
    expect(page.get_by_label("Value achieved for RCR95")).to_have_value("-5")  # kept as typed
    accessible(page)
    page.get_by_label("Value achieved for RCR95").fill("120")
    page.get_by_label("Evidence for RCO26").set_input_files(
        files=[{"name": "plan.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.7 plan"}]
    )
    page.get_by_role("button", name="Submit for review").click()
    expect(page.get_by_text("Report submitted.")).to_be_visible()
    expect(page.locator(".report-state")).to_have_text("submitted")
    report = ProgressReport.objects.get(grant=grant)

    log_in(page, "managing_authority")
    page.goto(f"/en/monitoring/reports/{report.pk}/")
    expect(page.get_by_text("Het ontwerp is klaar.")).to_be_visible()
    evidence = page.get_by_role("row", name="RCO26").get_by_role("link", name="plan.pdf")
    assert page.request.get(evidence.get_attribute("href")).body() == b"%PDF-1.7 plan"
    accessible(page)
    page.get_by_role("button", name="Return with remarks").click()
    expect(page.locator("#err-remarks")).to_be_visible()  # returning needs remarks
    page.get_by_label("Remarks (needed to return the report)").fill("Vermeld de oppervlakte.")
    page.get_by_role("button", name="Return with remarks").click()
    expect(page.locator(".report-state")).to_have_text("returned")

    log_in(page, "applicant_gent")
    page.goto(f"/en/monitoring/reports/{report.pk}/")
    expect(page.get_by_role("note")).to_contain_text("Vermeld de oppervlakte.")
    expect(page.get_by_label("Value achieved for RCO26")).to_have_value("0.40")
    page.get_by_label("Progress made in this period").fill("Ontwerp klaar: zone A 0,25 ha.")
    accessible(page)
    page.get_by_role("button", name="Submit for review").click()
    expect(page.locator(".report-state")).to_have_text("submitted")

    log_in(page, "managing_authority_2")
    page.goto(f"/en/monitoring/reports/{report.pk}/")
    expect(page.get_by_text("zone A 0,25 ha")).to_be_visible()
    page.get_by_role("button", name="Accept the report").click()
    expect(page.locator(".report-state")).to_have_text("accepted")
    expect(page.get_by_role("row", name="RCR95")).to_contain_text("120")
    accessible(page)
    page.goto(f"/en/monitoring/grants/{ref}/reports/")
    expect(page.locator("tr[data-period='2026-01-01']")).to_contain_text("accepted")
