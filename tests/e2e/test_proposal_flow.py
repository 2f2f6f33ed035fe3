"""A proposal from form to consolidated score, in the browser, as the people who handle it."""

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import axe_violations
from tests.factories import PASSWORD, open_call, person

pytestmark = pytest.mark.e2e


def log_in(page, name):
    page.context.clear_cookies()
    page.goto("/accounts/login/")
    page.get_by_label("Gebruikersnaam").fill(name)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Aanmelden").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mijn werk")


def accessible(page):
    assert axe_violations(page) == [], page.url


def fill_content(page):
    """The urban angle, additionality and the lead partner (by field name: stable across
    translations)."""
    page.locator("[name=urban_angle]").fill("Ontharding in de dichtst bebouwde wijk.")
    page.locator("[name=additionality]").fill("Geen steun uit reguliere EFRO-oproepen.")
    page.locator("[name=partner0_name]").fill("Stad Gent, Groendienst")
    page.locator("[name=partner0_enterprise_number]").fill("0207.451.227")
    page.locator("[name=partner0_share]").fill("100")


def fill_costs(page):
    """Works as a real cost, project management as a unit cost (1000 hours at EUR 50)."""
    page.locator("[name=line0_category]").select_option("works")
    page.locator("[name=line0_amount]").fill("100000")
    page.locator("[name=line1_category]").select_option("staff")
    page.locator("[name=line1_cost_option]").select_option("unit_cost")
    page.locator("[name=line1_units]").fill("1000")
    page.locator("[name=line1_unit_rate]").fill("50")


def test_applicant_submits_secretariat_screens_two_assessors_score(site, page):
    call = open_call("gent")
    for name in ("applicant_gent", "assessor_gent", "assessor_gent_2"):
        person(name)

    # The applicant fills the form in steps.
    log_in(page, "applicant_gent")
    accessible(page)
    page.goto(f"/calls/{call.reference}/")
    accessible(page)
    page.get_by_role("link", name="Projectvoorstel starten").click()
    page.get_by_label("Promotor (organisatie)").fill("Stad Gent, Groendienst")
    page.get_by_label("Rol van de stad").select_option("initiator")
    page.get_by_label("Titel").fill("Wijkpark Ledeberg")
    page.get_by_label("Samenvatting").fill("Ontharding en waterbuffering in Ledeberg.")
    fill_content(page)
    accessible(page)
    page.get_by_role("button", name="Opslaan en verder").click()
    expect(page.get_by_role("status")).to_contain_text("opgeslagen")

    page.get_by_label("Thema").select_option("klimaatadaptatie")
    # Inline validation: an objective of another theme is flagged before saving.
    page.get_by_label("Specifieke doelstelling").select_option("SD 2.8")
    expect(page.locator("#step-fields .errorlist")).to_contain_text("SD 2.8")
    page.get_by_label("Specifieke doelstelling").select_option("SD 2.4")
    page.get_by_label("Ledeberg").check()
    page.get_by_label("Start").fill("2026-03-01")
    page.get_by_label("Einde").fill("2027-12-31")
    accessible(page)
    page.get_by_role("button", name="Opslaan en verder").click()

    fill_costs(page)
    page.get_by_label("EFRO-percentage (%)").fill("50")
    page.get_by_label("Gevraagde EFRO-steun (EUR)").fill("75000")
    page.get_by_label("Cofinanciering door stad (EUR)").fill("75000")
    page.get_by_role("button", name="Opslaan en verder").click()
    expect(page.locator(".errorlist").first).to_contain_text(
        "50% ligt boven het programmamaximum van 40%"
    )
    accessible(page)
    page.get_by_label("EFRO-percentage (%)").fill("40")
    page.get_by_label("Gevraagde EFRO-steun (EUR)").fill("60000")
    page.get_by_label("Cofinanciering door stad (EUR)").fill("90000")
    page.get_by_role("button", name="Opslaan en verder").click()

    page.get_by_label("RCO26 streefwaarde (hectare)").fill("1.5")
    accessible(page)
    page.get_by_role("button", name="Opslaan en verder").click()

    for code in ("G-1", "G-2", "G-3", "G-4", "G-6", "G-7"):
        page.get_by_label(code, exact=False).first.fill(f"Zo beantwoordt het project aan {code}.")
    accessible(page)
    page.get_by_role("button", name="Opslaan en verder").click()
    expect(page.get_by_role("heading", name="Nakijken en indienen")).to_be_visible()
    accessible(page)
    page.get_by_role("button", name="Projectvoorstel indienen").click()
    expect(page.locator(".state").first).to_have_text("ingediend")
    reference = page.locator("h1").inner_text().split(":")[0]

    # The secretariat screens it.
    log_in(page, "secretariat_gent")
    expect(page.get_by_role("link", name=reference)).to_be_visible()
    page.get_by_role("link", name=reference).click()
    page.get_by_role("button", name="De ontvankelijkheidscontrole starten").click()
    page.get_by_role("link", name="Ontvankelijkheidscontrole", exact=True).click()
    expect(page.locator(".findings-ok")).to_be_visible()
    for code in ("G-1", "G-2", "G-3", "G-4", "G-5", "G-6", "G-7"):
        page.locator(f"#check-{code}").get_by_label("voldaan", exact=True).check()
    accessible(page)
    page.get_by_role(
        "button", name="De controle vastleggen en over de ontvankelijkheid beslissen"
    ).click()
    expect(page.locator(".state").first).to_have_text("ontvankelijk")

    page.get_by_role("link", name="Beoordeling").click()
    page.get_by_label("assessor_gent", exact=True).check()
    page.get_by_label("assessor_gent_2", exact=True).check()
    accessible(page)
    page.get_by_role("button", name="Toewijzen").click()
    expect(page.locator(".state").first).to_have_text("in beoordeling")

    # Two assessors declare no conflict and score.
    for name, value in (("assessor_gent", "8"), ("assessor_gent_2", "7")):
        log_in(page, name)
        page.get_by_role("link", name=reference, exact=False).first.click()
        accessible(page)
        page.get_by_role("button", name="Ik verklaar geen belangenconflict te hebben").click()
        for field in page.get_by_label("Score voor", exact=False).all():
            field.fill(value)
        for field in page.get_by_label("Motivering voor", exact=False).all():
            field.fill("Sterk wijkgericht project.")
        accessible(page)
        page.get_by_role("button", name="Mijn scores opslaan").click()
        expect(page.get_by_role("status")).to_contain_text("Scores opgeslagen")

    expect(page.locator(".score")).to_have_text("75,00")
    log_in(page, "secretariat_gent")
    page.goto(f"/proposals/{reference}/")
    expect(page.locator(".state").first).to_have_text("beoordeeld")
    expect(page.locator(".score")).to_have_text("75,00")
    accessible(page)
