"""The applicant fills partners and a unit-cost line; the form computes it while typing and the
proposal page shows everything the proposal holds."""

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import axe_violations
from tests.e2e.test_default_procedure import enter
from tests.factories import PASSWORD, draft, person

pytestmark = pytest.mark.e2e


def test_partners_and_a_unit_cost_line_from_form_to_proposal_page(site, page):
    proposal = draft()
    person("applicant_gent")
    page.goto("/en/accounts/login/")
    page.get_by_label("Username").fill("applicant_gent")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    # Partners: a second partner with its enterprise number; a wrong number is named at once.
    page.goto(f"/en/proposals/{proposal.reference}/edit/general/")
    page.get_by_label("Partner 3: name").fill("Wijkcentrum De Kring vzw")
    page.get_by_label("Partner 2: enterprise number").fill("0412.345.615")
    page.get_by_label("Partner 2: enterprise number").press("Tab")  # a change checks the step
    expect(page.locator("#step-fields")).to_contain_text(
        "0412.345.615 is not a valid enterprise number"
    )
    page.get_by_label("Partner 2: enterprise number").fill("0412.345.614")
    page.get_by_label("Partner 3: name").fill("Wijkcentrum De Kring vzw")
    page.get_by_label("Partner 3: legal form").fill("vzw")
    page.get_by_label("Partner 3: enterprise number").fill("0207.500.123")
    page.get_by_label("Partner 3: share of the budget (%)").fill("10")
    page.get_by_label("Partner 2: share of the budget (%)").fill("10")
    page.get_by_label("Partner 2: share of the budget (%)").press("Tab")
    expect(page.get_by_label("Partner 3: name")).to_have_value("Wijkcentrum De Kring vzw")
    expect(page.locator("#step-fields .errorlist")).to_have_count(0)
    assert axe_violations(page) == []
    page.get_by_role("button", name="Save and continue").click()
    expect(page.get_by_role("status")).to_contain_text("Saved")

    # A unit-cost line: its amount is computed while typing.
    page.goto(f"/en/proposals/{proposal.reference}/edit/budget/")
    expect(page.locator("output.computed")).to_have_text("computed: € 50000.00")
    # each change waits for the inline check carrying it, whose answer replaces the fields
    for label, value in (
        ("Line 3: cost category", "services"),
        ("Line 3: what it pays for", "Bewonersbevraging"),
        ("Line 3: cost option", "unit_cost"),
        ("Line 3: number of units", "12"),
        ("Line 3: rate per unit (EUR)", "412.50"),
    ):
        enter(page, page.get_by_label(label), value)
    expect(page.locator("output.computed").nth(1)).to_have_text("computed: € 4950.00")
    expect(page.locator("#step-fields")).to_contain_text("eligible cost 154950.00 is 61980.00")
    enter(page, page.get_by_label("ERDF requested (EUR)"), "61980.00")
    enter(page, page.get_by_label("Co-financing by city (EUR)"), "72970.00")
    expect(page.locator("#step-fields")).not_to_contain_text("does not match the rate")
    expect(page.locator("#step-fields .errorlist")).to_have_count(0)
    assert axe_violations(page) == []
    page.get_by_role("button", name="Save and continue").click()
    expect(page.get_by_role("status")).to_contain_text("Saved")

    # The proposal page shows everything it holds.
    page.goto(f"/en/proposals/{proposal.reference}/")
    content = page.locator(".proposal-content")
    for text in (
        "Ontharding van 1,5 ha",
        "Ontharding in de dichtst bebouwde wijk",
        "Geen steun uit de reguliere EFRO-oproepen",
        "Wijkcentrum De Kring vzw",
        "0412.345.614",
        "12.00 × EUR 412.50",
        "EUR 4,950.00",
        "EUR 154,950.00",
        "Hoe het project G-1 invult.",
        "beleidsnota-openbaar-groen",
    ):
        expect(content).to_contain_text(text)
    expect(content.locator("table.partners tbody tr")).to_have_count(3)
    assert axe_violations(page) == []


def test_what_is_typed_while_a_check_is_on_its_way_is_kept(site, page):
    """The inline check's answer replaces the step's fields; a person who typed on in the meantime
    keeps what they typed, and the answer's error is still shown."""
    proposal = draft()
    person("applicant_gent")
    page.goto("/en/accounts/login/")
    page.get_by_label("Username").fill("applicant_gent")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(f"/en/proposals/{proposal.reference}/edit/general/")

    held = []  # the check's request, answered only once the person has typed on
    page.route("**/edit/general/", lambda route: held.append(route))
    with page.expect_request(lambda request: "hx-request" in request.headers):
        page.get_by_label("Partner 2: enterprise number").fill("0412.345.615")
        page.get_by_label("Partner 2: enterprise number").press("Tab")
    page.get_by_label("Partner 3: name").fill("Wijkcentrum De Kring vzw")
    assert len(held) == 1
    held[0].fulfill(response=held[0].fetch())
    page.unroute("**/edit/general/")

    expect(page.locator("#step-fields")).to_contain_text(
        "0412.345.615 is not a valid enterprise number"
    )
    expect(page.get_by_label("Partner 3: name")).to_have_value("Wijkcentrum De Kring vzw")
    expect(page.get_by_label("Partner 2: enterprise number")).to_have_value("0412.345.615")
