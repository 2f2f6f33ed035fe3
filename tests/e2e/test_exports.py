"""The Excel export in the browser: the managing authority finds the exports page from the
dashboard and starts the export; the list shows it queued with its progress bar; the task worker
runs (here from the test, as `make run` runs it beside the server); the row, asking for itself
every second, turns done with its download link, and the file is a workbook. axe on the page."""

import io

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from gti.monitoring.models import Job
from tests.e2e.test_preregistration import accessible, log_in
from tests.monitoring.test_jobs import work
from tests.monitoring.test_reports import make_grant

pytestmark = pytest.mark.e2e


def test_the_managing_authority_exports_to_excel(site, page):
    grant = make_grant()
    log_in(page, "managing_authority")
    page.goto("/en/monitoring/dashboard/")
    page.get_by_role("link", name="Export projects, grants, claims, payments and indicator "
                     "values to Excel").click()  # fmt: skip
    expect(page.get_by_role("heading", level=1)).to_have_text("Exports")
    expect(page.locator("#jobs")).to_contain_text("No exports yet.")
    accessible(page)

    page.get_by_label("City").select_option("gent")
    page.get_by_role("button", name="Start the Excel export").click()
    expect(page.get_by_role("status")).to_contain_text("The export is queued")
    row = page.locator("#jobs tbody tr")
    expect(row).to_have_count(1)
    expect(row.locator(".state")).to_have_text("queued")
    expect(row.locator("progress")).to_be_visible()
    accessible(page)

    work()  # the worker takes the queued export; the row's polling shows what it did
    expect(row.locator(".state")).to_have_text("done")
    job = Job.objects.get()
    assert job.done == job.total > 0
    expect(row.locator(".progress-count")).to_have_text(f"{job.done} of {job.total}")
    expect(row.locator("progress")).to_have_attribute("value", str(job.total))
    link = row.get_by_role("link", name="Download")
    expect(link).to_contain_text(".xlsx")
    answer = page.request.get(link.get_attribute("href"))
    assert answer.ok and answer.body()[:2] == b"PK"  # an xlsx is a zip file
    book = load_workbook(io.BytesIO(answer.body()), read_only=True)
    assert book.sheetnames[0] == "Projects"
    projects = [r[0] for r in book["Projects"].iter_rows(min_row=2, values_only=True)]
    assert projects == [grant.proposal.reference]
    # Done: the row asks no more.
    assert row.get_attribute("hx-trigger") is None
    accessible(page)
