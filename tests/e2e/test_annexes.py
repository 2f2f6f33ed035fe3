"""A promoter adds the annexes the call asks, replaces one and submits, in the browser."""

import pytest
from playwright.sync_api import expect

from gti.documents import services as documents
from gti.proposals.models import Proposal
from tests.documents.files import PDF, PNG
from tests.e2e.conftest import axe_violations
from tests.e2e.test_proposal_flow import log_in
from tests.factories import draft, open_call, person

pytestmark = pytest.mark.e2e


def pdf(name, content=PDF):
    return {"name": name, "mimeType": "application/pdf", "buffer": content}


def upload(page, kind, file):
    form = page.locator("form.upload")
    form.get_by_label("Kind").select_option(label=kind)
    form.get_by_label("File", exact=True).set_input_files(files=[file])
    form.get_by_role("button", name="Upload").click()


def test_promoter_uploads_annexes_and_submits(site, page):
    call = open_call("gent")
    kinds = {"letter_of_commitment": "required", "cost_quote": "optional"}
    documents.set_annex_kinds(call, by=person("secretariat_gent"), kinds=kinds)
    proposal = draft(call)
    page.goto("/health/", timeout=60_000)  # the server's first answer builds its handler
    log_in(page, "applicant_gent")
    page.goto(f"/en/proposals/{proposal.reference}/")
    annexes = page.locator("#documents")
    expect(annexes.get_by_role("heading", name="Annexes")).to_be_visible()
    expect(page.locator("#missing-annexes")).to_contain_text("partner's letter of commitment")
    assert axe_violations(page) == [], page.url

    # An image named as a PDF is refused with the reason; nothing is listed.
    upload(page, "cost quote", pdf("offerte.pdf", PNG))
    expect(page.get_by_role("status").first).to_contain_text("the content is not a PDF file")
    expect(annexes.get_by_role("table")).to_have_count(0)

    upload(page, "partner's letter of commitment", pdf("engagement.pdf"))
    upload(page, "cost quote", pdf("offerte.pdf"))
    table = annexes.get_by_role("table")
    expect(table.get_by_role("link", name="engagement.pdf")).to_be_visible()
    expect(page.locator("#missing-annexes")).to_have_count(0)

    # A new version of the quote: the old one stays, listed as earlier.
    row = table.get_by_role("row").filter(has_text="offerte.pdf")
    row.get_by_label("New version of offerte.pdf").set_input_files(
        files=[pdf("offerte-v2.pdf", b"%PDF-1.7 offerte v2")]
    )
    row.get_by_role("button", name="Replace").click()
    expect(table.get_by_role("link", name="offerte-v2.pdf")).to_be_visible()
    expect(table.get_by_role("link", name="v1 offerte.pdf")).to_be_visible()
    assert axe_violations(page) == [], page.url
    download = table.get_by_role("link", name="engagement.pdf").get_attribute("href")
    assert page.request.get(download).body() == PDF

    page.get_by_role("link", name="Review and submit").click()
    page.get_by_role("button", name="Submit the proposal").click()
    expect(page.get_by_role("status").first).to_contain_text(proposal.reference)
    assert Proposal.objects.get(pk=proposal.pk).state == "submitted"
    # Once submitted, nothing is removed or replaced.
    page.goto(f"/en/proposals/{proposal.reference}/")
    expect(page.locator("#documents").get_by_role("button")).to_have_count(0)
    assert axe_violations(page) == [], page.url
