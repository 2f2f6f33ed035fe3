"""A two-step call in the browser: the applicant pre-registers, the managing authority advises,
the applicant opens the full proposal with the idea carried over. Every page is checked by axe."""

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import axe_violations
from tests.factories import PASSWORD, person, two_step_call

pytestmark = pytest.mark.e2e


def log_in(page, name):
    page.context.clear_cookies()
    page.goto("/en/accounts/login/")
    page.get_by_label("Username").fill(name)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My work")


def accessible(page):
    assert axe_violations(page) == [], page.url


def test_pre_register_advise_and_open_the_full_proposal(site, page):
    call = two_step_call()
    person("applicant_gent")

    log_in(page, "applicant_gent")
    page.get_by_role("link", name="Pre-registrations").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Pre-registrations")
    accessible(page)
    page.get_by_role("link", name=f"Pre-register for {call.reference}").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(call.reference)
    accessible(page)
    page.get_by_label("City").select_option("gent")
    page.get_by_label("Promoter organisation").fill("Stad Gent, Groendienst")
    page.get_by_label("Partners").fill("Farys\nVZW Buurtwerk Ledeberg")
    page.get_by_label("Title").fill("Wijkpark Ledeberg")
    page.get_by_label("Project idea").fill("Ontharding en waterbuffering in een nieuw wijkpark.")
    page.get_by_label("Theme").select_option(label="Climate adaptation (Ghent)")
    page.get_by_label("Specific objective").select_option("SD 2.4")
    page.get_by_label("Indicative total cost (EUR)").fill("150000")
    page.get_by_label("Indicative ERDF (EUR)").fill("90000")
    page.get_by_role("button", name="Send the pre-registration").click()
    # The programme's maximum rate is refused at the field, and nothing is sent.
    expect(page.locator(".errorlist").first).to_contain_text("maximum rate")
    accessible(page)
    page.get_by_label("Indicative ERDF (EUR)").fill("60000")
    page.get_by_role("button", name="Send the pre-registration").click()
    expect(page.get_by_role("status")).to_contain_text("sent")
    expect(page.get_by_text("No feedback yet.")).to_be_visible()
    reference = page.get_by_role("heading", level=1).inner_text().split(":")[0]
    accessible(page)

    log_in(page, "managing_authority")
    page.goto(f"/en/preregistrations/{reference}/")
    page.get_by_label("adjust, then submit").check()
    page.get_by_label("Remarks for the applicant").fill("Voeg een partner uit de wijk toe.")
    accessible(page)
    page.get_by_role("button", name="Save the feedback").click()
    expect(page.get_by_role("status")).to_contain_text("Feedback saved")
    expect(page.get_by_text("Voeg een partner uit de wijk toe.")).to_be_visible()

    log_in(page, "applicant_gent")
    page.goto("/en/preregistrations/")
    expect(page.get_by_role("cell", name="adjust, then submit")).to_be_visible()
    page.get_by_role("link", name=reference).click()
    expect(page.get_by_text("Voeg een partner uit de wijk toe.")).to_be_visible()
    accessible(page)
    page.get_by_role("button", name="Open the full proposal").click()

    # The full proposal's form, with what the pre-registration said.
    expect(page.get_by_label("Title")).to_have_value("Wijkpark Ledeberg")
    accessible(page)
    page.goto(page.url.replace("/edit/general/", "/edit/strategy/"))
    expect(page.get_by_label("Theme")).to_have_value("klimaatadaptatie")
    accessible(page)
