"""In the browser: from the strategy page to an area's page, with its figures beside its city's
and the projects the person may see. axe on each page."""

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from gti.proposals.models import Proposal
from gti.strategy import figures
from tests.e2e.conftest import axe_violations
from tests.e2e.test_proposal_flow import log_in
from tests.factories import person, submitted

pytestmark = pytest.mark.e2e

FIGURES = (
    "city,area,figure,year,value,source\n"
    "gent,ledeberg,population,2022,10500,Buurtmonitor Gent\n"
    "gent,ledeberg,population,2021,10320,Buurtmonitor Gent\n"
    "gent,,population,2022,265086,Statistiek Vlaanderen\n"
)


@pytest.fixture
def ledeberg(site, tmp_path):
    path = tmp_path / "figures.csv"
    path.write_text(FIGURES, encoding="utf-8")
    figures.import_file(path)
    approved = submitted(title="Groene speelplaats Ledeberg")
    Proposal.objects.filter(pk=approved.pk).update(
        state=Proposal.State.APPROVED, erdf_granted=Decimal("123456.78")
    )
    waiting = submitted(call=approved.call, title="Wadi aan de Schelde")
    return approved, waiting


def test_public_area_page_shows_figures_and_approved_projects(page, ledeberg):
    page.goto("/en/strategies/gent/")
    page.locator("ul.areas").get_by_role("link", name="Ledeberg", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Ledeberg")
    row = page.locator("#figure-population")
    expect(row).to_contain_text("10,500")
    expect(row).to_contain_text("265,086")
    page.locator("#history-population summary").click()
    expect(page.locator("#history-population")).to_contain_text("10,320")
    expect(page.locator("#history-population")).to_contain_text("Buurtmonitor Gent")
    projects = page.locator("table.projects")
    expect(projects).to_contain_text("Groene speelplaats Ledeberg")
    expect(projects).to_contain_text("EUR 123,456.78")
    expect(projects).not_to_contain_text("Wadi aan de Schelde")
    assert axe_violations(page) == []


def test_secretariat_sees_the_submitted_project_and_opens_it(page, ledeberg):
    _, waiting = ledeberg
    person("secretariat_gent")
    log_in(page, "secretariat_gent")
    page.goto("/strategies/gent/areas/ledeberg/")
    expect(page.locator("table.projects")).to_contain_text("Wadi aan de Schelde")
    expect(page.locator("#figure-population")).to_contain_text("10.500")  # Dutch numbers
    assert axe_violations(page) == []
    page.get_by_role("link", name=waiting.reference).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Wadi aan de Schelde")
