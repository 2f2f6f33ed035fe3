"""The decision document in the browser: readable, accessible, printable, and as PDF."""

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import axe_violations
from tests.e2e.test_preregistration import log_in
from tests.proposals.test_documents import GRANTED, REVISED, decided

pytestmark = pytest.mark.e2e


def test_applicant_reads_prints_and_downloads_the_decision(site, page):
    proposal = decided(amount=GRANTED, co_financing=REVISED)

    log_in(page, "applicant_gent")
    page.goto(f"/en/proposals/{proposal.reference}/decision/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Decision on support")
    expect(page.get_by_role("row", name="ERDF rate")).to_contain_text("31.56% of the eligible cost")
    expect(page.get_by_text("How to file a complaint")).to_be_visible()
    assert axe_violations(page) == [], page.url

    # On paper only the document: no navigation, no buttons.
    page.emulate_media(media="print")
    expect(page.locator(".site-header")).to_be_hidden()
    expect(page.get_by_role("link", name="Download as PDF")).to_be_hidden()
    page.emulate_media(media="screen")

    href = page.get_by_role("link", name="Download as PDF").get_attribute("href")
    pdf = page.request.get(href)
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf"
    assert pdf.body().startswith(b"%PDF")
