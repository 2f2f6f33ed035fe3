"""A grant in the browser: the managing authority opens it from the approved proposal, a second
person approves version 1, the first prepares an amendment with a reason, the second approves it;
the grant page shows both versions and what changed. Every page passes axe."""

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import axe_violations
from tests.e2e.test_preregistration import log_in
from tests.factories import efro_call, person
from tests.monitoring.test_grants import LINES, approved, envelopes

pytestmark = pytest.mark.e2e


def accessible(page):
    assert axe_violations(page) == [], page.url


def test_open_approve_amend_and_approve_a_grant(site, page):
    envelopes("gent")
    proposal = approved(efro_call(), total=160_000, erdf=60_000, budget_lines=LINES)
    ref = proposal.reference
    person("secretariat_gent")

    # 1. The managing authority opens the grant from the approved proposal's page.
    log_in(page, "managing_authority")
    page.goto(f"/en/proposals/{ref}/")
    page.get_by_role("button", name="Open the grant").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Grant {ref}")
    expect(page.get_by_role("status")).to_contain_text("version 1 waits for a second person")
    expect(page.get_by_text("You prepared this version: a second person")).to_be_visible()
    expect(page.get_by_role("button", name="Approve version 1")).to_have_count(0)
    accessible(page)

    # 2. A second person of the managing authority approves version 1.
    log_in(page, "managing_authority_2")
    page.get_by_role("link", name="Grants").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Grants")
    accessible(page)
    page.get_by_role("link", name=ref).click()
    page.get_by_role("button", name="Approve version 1").click()
    expect(page.get_by_role("status")).to_contain_text("Version 1 approved.")
    expect(page.get_by_role("heading", name="Conditions in force: version 1")).to_be_visible()
    expect(page.locator("#erdf")).to_have_text("EUR 60,000.00")

    # 3. The first prepares an amendment: a refused one names its field, then a milestone added.
    log_in(page, "managing_authority")
    page.goto(f"/en/monitoring/grants/{ref}/")
    page.get_by_role("link", name="Prepare an amendment").click()
    accessible(page)
    page.get_by_label("Milestone 1", exact=True).fill("Oplevering park")
    page.get_by_label("Due date of milestone 1").fill("2027-10-01")
    page.get_by_role("button", name="Prepare the amendment").click()
    expect(page.get_by_role("alert")).to_contain_text("reason")
    expect(page.get_by_label("Reason for the amendment")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Milestone 1", exact=True)).to_have_value("Oplevering park")
    accessible(page)
    page.get_by_label("Reason for the amendment").fill("Oplevering vastgelegd")
    page.get_by_role("button", name="Prepare the amendment").click()
    expect(page.get_by_role("heading", name="Version 2 waits for approval")).to_be_visible()

    # 4. The second approves it; the page shows both versions and the change.
    log_in(page, "managing_authority_2")
    page.goto(f"/en/monitoring/grants/{ref}/")
    page.get_by_role("button", name="Approve version 2").click()
    expect(page.get_by_role("status")).to_contain_text("Version 2 approved.")
    expect(page.get_by_role("heading", name="Conditions in force: version 2")).to_be_visible()
    expect(page.get_by_role("table", name="Milestones").first).to_contain_text("Oplevering park")
    versions = page.locator("ol.versions > li")
    expect(versions).to_have_count(2)
    expect(versions.nth(0)).to_contain_text("grant decision")
    expect(versions.nth(1)).to_contain_text("Oplevering vastgelegd")
    change = page.get_by_role("table", name="What version 2 changed")
    expect(change.get_by_role("row", name="milestones")).to_contain_text(
        "→ Oplevering park 2027-10-01"
    )
    accessible(page)

    # The city's secretariat reads the same history, without the managing authority's actions.
    log_in(page, "secretariat_gent")
    page.goto(f"/en/monitoring/grants/{ref}/")
    expect(page.locator("ol.versions > li")).to_have_count(2)
    expect(page.get_by_role("link", name="Prepare an amendment")).to_have_count(0)
