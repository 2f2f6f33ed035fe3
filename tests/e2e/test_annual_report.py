"""The annual implementation report in the browser: the managing authority opens it from the
menu, chooses Ghent and the year, reads a figure, prints it without the form and downloads the
PDF; a year that is no year is named on the form. axe on the page."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from gti.monitoring import services
from gti.portfolio.models import Meeting
from tests.e2e.conftest import axe_violations
from tests.e2e.test_preregistration import log_in
from tests.factories import efro_call, person
from tests.monitoring.test_grants import LINES, approved, envelopes

pytestmark = pytest.mark.e2e


def test_the_managing_authority_reads_ghents_report_and_downloads_it(site, page):
    year = timezone.localdate().year
    envelopes("gent")
    envelopes("antwerpen")
    call = efro_call()
    wijkpark = approved(call, total=160_000, erdf=60_000, budget_lines=LINES)
    approved(call, city="antwerpen", title="Klimaatplein")
    Meeting.objects.filter(purpose="decision").update(date=datetime.date(year, 3, 1))
    grant = services.open_grant(wijkpark, by=person("managing_authority"))
    services.approve_version(grant.versions.get(), by=person("managing_authority_2"),
                             in_force_from=timezone.localdate())  # fmt: skip

    log_in(page, "managing_authority")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Annual report").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(
        f"Annual implementation report {year - 1}")  # fmt: skip
    page.get_by_label("Year").fill(str(year))
    page.get_by_label("City").select_option(label="Ghent")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Annual implementation report {year}")  # fmt: skip
    expect(page.get_by_role("heading", level=2, name="Ghent")).to_be_visible()
    expect(page.get_by_role("heading", level=2, name="Antwerp")).to_have_count(0)
    total = page.locator("#selected-gent tfoot tr")
    expect(total).to_contain_text("EUR 150,000.00")  # eligible cost of Wijkpark
    expect(total).to_contain_text("EUR 60,000.00")
    in_force = page.get_by_role("row", name="Grants in force at the end of the year")
    expect(in_force.locator("td")).to_have_text("1")
    assert axe_violations(page) == [], page.url

    # On paper only the report: no navigation, no form.
    page.emulate_media(media="print")
    expect(page.locator(".site-header")).to_be_hidden()
    expect(page.get_by_role("button", name="Show")).to_be_hidden()
    page.emulate_media(media="screen")

    href = page.get_by_role("link", name="PDF", exact=True).get_attribute("href")
    assert "city=gent" in href and f"year={year}" in href
    pdf = page.request.get(href)
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf"
    assert pdf.body().startswith(b"%PDF")

    page.get_by_label("Year").fill("1999")
    page.get_by_role("button", name="Show").click()
    expect(page.locator("#err-year")).to_contain_text("Year:")
    expect(page.get_by_label("Year")).to_have_attribute("aria-invalid", "true")
