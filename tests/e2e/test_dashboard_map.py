"""The dashboard's map coloured by a needs figure: Ghent's Wijkpark lies in Ledeberg, whose
population the city's neighbourhood monitor gives; the managing authority colours the map by
population, reads Ledeberg's figure in the table under it and sees the project's circle on the
map. axe on the page."""

import pytest
from playwright.sync_api import expect

from gti.strategy.models import Area, AreaStatistic, City
from tests.e2e.conftest import axe_violations
from tests.e2e.test_preregistration import log_in
from tests.factories import efro_call
from tests.monitoring.test_grants import LINES, approved, envelopes

pytestmark = pytest.mark.e2e


def test_the_map_by_population_with_the_projects(site, page):
    envelopes("gent")
    envelopes("antwerpen")
    approved(efro_call(), total=160_000, erdf=60_000, budget_lines=LINES)
    AreaStatistic.objects.create(
        city=City.objects.get(code="gent"), figure="population", year=2022, value="10500",
        area=Area.objects.get(strategy__is_current=True, code="ledeberg"),
        source="Buurtmonitor Gent",
    )  # fmt: skip

    log_in(page, "managing_authority")
    page.goto("/en/monitoring/dashboard/")
    expect(page.get_by_role("heading", name="ERDF granted per area")).to_be_visible()
    page.get_by_label("Colour the map by").select_option("population")
    page.get_by_role("button", name="Colour").click()
    expect(
        page.get_by_role("heading", name="Population per area, with the projects")
    ).to_be_visible()
    row = page.locator("#t-map-figure tbody tr", has_text="Ledeberg")
    expect(row.locator("td").nth(2)).to_have_text("10500.00")
    expect(row.locator("td").nth(4)).to_have_text("1")
    ghent = page.get_by_role("img", name="Map of the areas of Ghent")
    expect(ghent.locator("circle.projects-marker")).to_have_count(1)
    expect(page.get_by_label("Colour the map by")).to_have_value("population")
    assert axe_violations(page) == []
