"""Obligations after selection in the browser: the beneficiary marks the poster done with its
photo, the managing authority sees it with its file and what
closing the grant still needs."""

import pytest
from playwright.sync_api import expect

from tests.e2e.test_preregistration import accessible, log_in
from tests.monitoring.test_reports import make_grant

pytestmark = pytest.mark.e2e
PHOTO = {"name": "affiche.png", "mimeType": "image/png", "buffer": b"\x89PNG affiche"}


def test_the_beneficiary_marks_a_duty_done_and_the_authority_sees_it(site, page):
    grant = make_grant()
    ref = grant.proposal.reference

    log_in(page, "applicant_gent")
    page.goto(f"/en/monitoring/grants/{ref}/")
    page.get_by_role("link", name="Obligations and closure").click()
    poster = page.locator("tr[data-duty='poster']")
    expect(poster).to_contain_text("total cost of EUR 500,000 or less")
    expect(poster.locator(".status")).to_have_text("open")
    expect(page.locator("tr[data-duty='plaque']")).to_have_count(0)
    accessible(page)
    form = page.locator("form", has=page.get_by_role("heading", name="Mark done: poster (A3)"))
    form.get_by_label("Photo or screenshot that shows it").set_input_files(files=[PHOTO])
    form.get_by_label("Note").fill("Affiche A3 aan de ingang")
    form.get_by_role("button", name="Mark done").click()
    expect(page.get_by_text("Communication duty marked done.")).to_be_visible()
    expect(poster.locator(".status")).to_have_text("done")
    accessible(page)

    log_in(page, "managing_authority")
    page.goto(f"/en/monitoring/grants/{ref}/obligations/")
    expect(poster).to_contain_text("Affiche A3 aan de ingang")
    link = poster.get_by_role("link", name="affiche.png")
    assert page.request.get(link.get_attribute("href")).body() == b"\x89PNG affiche"
    expect(page.get_by_role("button", name="Mark done")).to_have_count(0)
    unmet = page.locator("ul.unmet")
    expect(unmet).to_contain_text("no claim is marked final")
    expect(unmet).to_contain_text("communication duty not done: mention on the website")
    expect(unmet).not_to_contain_text("poster")
    accessible(page)
