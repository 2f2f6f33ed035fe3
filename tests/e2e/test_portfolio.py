"""The secretariat runs two scenarios and compares them; the committee confirms a decision; the
envelopes show the committed amounts. In the browser, axe on each page."""

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
    person("steering_gent")

    log_in(page, "secretariat_gent")
    page.get_by_role("link", name="Selectie Gent").click()
    page.get_by_label(
        "Totale EFRO van de stad (EUR): stel bedragen voor volgens de verdeling van het programma"
    ).fill("750000")
    page.get_by_role("button", name="Bedragen voorstellen").click()
    expect(page.get_by_label("Nieuw bedrag voor P1")).to_have_value("450000,00")
    expect(page.get_by_label("Nieuw bedrag voor P2")).to_have_value("300000,00")
    assert axe_violations(page) == []
    page.get_by_role("button", name="Enveloppen opslaan").click()
    expect(page.locator('tr[data-priority="P2"]')).to_contain_text("EUR 300.000,00")

    page.get_by_role("link", name="Scenario's").click()
    page.get_by_label("Naam").fill("Basis")
    assert axe_violations(page) == []
    page.get_by_role("button", name="Scenario berekenen").click()
    expect(page.locator(".scenario-status")).to_have_text("optimal")
    assert axe_violations(page) == []
    page.get_by_role("link", name="Alle scenario's van").click()
    page.get_by_label("Naam").fill("Wijkpark verplicht")
    page.get_by_label("Minimum 1: minstens zoveel projecten").fill("1")
    page.get_by_label("Minimum 1: in gebied").select_option("binnenstad")
    page.get_by_role("button", name="Scenario berekenen").click()
    expect(page.locator(".scenario-status")).to_have_text("optimal")

    page.get_by_role("link", name="Alle scenario's van").click()
    page.get_by_label("Basis vergelijken").check()
    page.get_by_label("Wijkpark verplicht vergelijken").check()
    page.get_by_role("button", name="Aangevinkte scenario's vergelijken").click()
    table = page.locator("table.compare")
    expect(table.locator("thead th")).to_have_count(3)
    selected = table.get_by_role("row", name="Geselecteerd")
    expect(selected.locator("td").nth(0)).to_contain_text(mid1.reference)
    expect(selected.locator("td").nth(1)).to_contain_text(big.reference)
    assert axe_violations(page) == []

    page.go_back()
    page.get_by_role("link", name="Basis").click()
    page.get_by_role("link", name="Stuurgroepvergadering voorbereiden").click()
    page.get_by_label("Datum").fill("2026-12-10")
    page.get_by_label("Aanwezige leden (één per regel)").fill("Voorzitter\nLid 1\nLid 2")
    page.get_by_label("Quorum (vereiste leden)").fill("2")
    page.get_by_role("button", name="Vergadering voorbereiden").click()
    expect(page.locator(f'tr[data-ref="{mid2.reference}"] .decision')).to_contain_text(
        "geselecteerd"
    )
    assert axe_violations(page) == []

    log_in(page, "steering_gent")
    page.goto(page.url if "/meetings/" in page.url else "/")
    page.get_by_role("link", name="Selectie Gent").click()
    page.get_by_role("link", name="10 december 2026", exact=False).click()
    page.get_by_role("button", name="Beslissingen bevestigen").click()
    expect(page.get_by_role("status")).to_contain_text("vastgelegd")
    expect(page.locator('tr[data-envelope="gent-P2"] .committed')).to_have_text("€ 300000,00")
    assert axe_violations(page) == []
    page.get_by_role("link", name="Selectie Gent").click()
    expect(page.locator('tr[data-priority="P2"] .committed')).to_have_text("EUR 300.000,00")
