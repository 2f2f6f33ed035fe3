"""The managing authority sets Ghent's envelopes; the secretariat runs two scenarios of its own
call, compares them and prepares the decision from one; two steering-committee members sign and
confirm; the envelopes show the committed amounts. In the browser, axe on each page."""

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import axe_violations
from tests.e2e.test_proposal_flow import log_in
from tests.factories import assessed, open_call, person

pytestmark = pytest.mark.e2e


def test_two_scenarios_compared_and_a_decision_confirmed(site, page):
    call = open_call("gent")
    big = assessed(call, "Groot wijkpark", 500_000, 9, areas=["binnenstad"])  # 200k ERDF
    mid1 = assessed(call, "Speelplein Ledeberg", 375_000, 7, areas=["ledeberg"])  # 150k
    mid2 = assessed(call, "Groendaken scholen", 375_000, 7)  # 150k
    for name in ("managing_authority", "steering_gent", "steering_gent_2"):
        person(name)

    log_in(page, "managing_authority")
    page.goto("/en/portfolio/gent/")
    page.get_by_label("City's total ERDF (EUR): propose amounts by the programme's split").fill(
        "750000"
    )
    page.get_by_role("button", name="Propose amounts").click()
    expect(page.get_by_label("New amount for P1")).to_have_value("450000.00")
    expect(page.get_by_label("New amount for P2")).to_have_value("300000.00")
    assert axe_violations(page) == []
    page.get_by_label("New amount for P2").fill("-1")
    page.get_by_role("button", name="Save envelopes").click()
    expect(page.locator("#err-P2")).to_be_visible()
    expect(page.locator('tr[data-priority="P1"] td').first).to_have_text("—")  # nothing saved
    page.get_by_label("New amount for P2").fill("300000")
    page.get_by_role("button", name="Save envelopes").click()
    expect(page.locator('tr[data-priority="P2"]').first).to_contain_text("EUR 300,000.00")

    log_in(page, "secretariat_gent")
    page.goto(f"/en/calls/{call.reference}/scenarios/")
    page.get_by_label("Name", exact=True).fill("Basis")
    assert axe_violations(page) == []
    page.get_by_role("button", name="Compute the scenario").click()
    expect(page.locator(".scenario-status")).to_have_text("optimal")
    assert axe_violations(page) == []
    page.get_by_role("link", name="All scenarios of").click()
    page.get_by_label("Name", exact=True).fill("Wijkpark verplicht")
    page.get_by_label("Minimum 1: at least this many projects").fill("1")
    page.get_by_label("Minimum 1: in area").select_option("binnenstad")
    page.get_by_role("button", name="Compute the scenario").click()
    expect(page.locator(".scenario-status")).to_have_text("optimal")

    page.get_by_role("link", name="All scenarios of").click()
    page.get_by_label("Compare Basis").check()
    page.get_by_label("Compare Wijkpark verplicht").check()
    page.get_by_role("button", name="Compare the ticked scenarios").click()
    table = page.locator("table.compare")
    expect(table.locator("thead th")).to_have_count(3)
    selected = table.get_by_role("row", name="Selected")
    expect(selected.locator("td").nth(0)).to_contain_text(mid1.reference)
    expect(selected.locator("td").nth(1)).to_contain_text(big.reference)
    assert axe_violations(page) == []

    page.go_back()
    page.get_by_role("link", name="Basis").click()
    page.get_by_label("Date of the decision").fill("2026-12-10")
    page.get_by_role("button", name="Prepare the decision from this scenario").click()
    expect(page.locator(f'tr[data-ref="{mid2.reference}"] .decision')).to_contain_text("approved")
    assert axe_violations(page) == []
    url = page.url

    for member in ("steering_gent", "steering_gent_2"):
        log_in(page, member)
        page.goto(url)
        for ref in (big.reference, mid1.reference, mid2.reference):
            page.locator(f"#vote-{ref}-for").check()
        page.get_by_role("button", name="Sign", exact=True).click()
    page.get_by_role("button", name="Confirm the round").click()
    expect(page.get_by_role("status")).to_contain_text("The round is confirmed.")
    assert axe_violations(page) == []
    page.goto("/en/portfolio/gent/")
    expect(page.locator('tr[data-priority="P2"] .committed')).to_have_text("EUR 300,000.00")
    expect(
        page.locator(f'table[data-call="{call.reference}"] tr[data-priority="P2"] .used')
    ).to_have_text("EUR 300,000.00")
