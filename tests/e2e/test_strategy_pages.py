import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import axe_violations

pytestmark = pytest.mark.e2e

LANGUAGES = [("nl", ""), ("en", "/en")]


@pytest.mark.parametrize(("lang", "prefix"), LANGUAGES)
def test_programme_page_lists_priorities_objectives_and_indicators(site, page, lang, prefix):
    page.goto(f"{prefix}/programme/")
    expect(page.locator("html")).to_have_attribute("lang", lang)
    heading = {"nl": "EFRO-programma Vlaanderen", "en": "ERDF programme Flanders"}[lang]
    expect(page.get_by_role("heading", level=1)).to_contain_text(heading)
    expect(page.locator("section.priority")).to_have_count(2)
    expect(page.locator("section.objective")).to_have_count(7)
    sd24 = page.locator("#sd-24").locator("..")
    expect(sd24.get_by_role("row", name="RCO26")).to_be_visible()
    unit = {"nl": "hectare", "en": "hectares"}[lang]
    expect(sd24.get_by_role("row", name="RCO26")).to_contain_text(unit)
    assert axe_violations(page) == []


@pytest.mark.parametrize(("lang", "prefix"), LANGUAGES)
@pytest.mark.parametrize(
    ("city", "principles", "areas", "area_name"),
    [("antwerpen", 5, 9, "Borgerhout"), ("gent", 7, 25, "Ledeberg")],
)
def test_strategy_page_shows_principles_themes_areas_and_map(
    site, page, lang, prefix, city, principles, areas, area_name
):
    page.goto(f"{prefix}/strategies/{city}/")
    expect(page.locator("ol.principles > li")).to_have_count(principles)
    expect(page.locator("article.theme")).to_have_count(7)
    expect(page.locator("ul.areas > li")).to_have_count(areas)
    # The map draws one polygon per area, offline, with the city's attribution under it.
    expect(page.locator("figure.map svg path.area")).to_have_count(areas)
    expect(page.locator(f'figure.map path[data-area] >> text="{area_name}"')).to_have_count(1)
    credit = {"antwerpen": "Antwerp", "gent": "Ghent"}[city] if lang == "en" else f"Stad {city}"
    expect(page.locator("figure.map figcaption")).to_contain_text(credit, ignore_case=True)
    theme = page.locator("#theme-klimaatadaptatie")
    expect(theme.get_by_role("link", name="SD 2.4")).to_be_visible()
    assert axe_violations(page) == []


def test_preferred_principle_is_marked(site, page):
    page.goto("/en/strategies/gent/")
    expect(page.locator("#principle-G-5 .tag-preferred")).to_have_text("preferred")
    expect(page.locator("#principle-G-1 .tag-required")).to_have_text("mandatory")


@pytest.mark.parametrize(("lang", "prefix"), LANGUAGES)
def test_cross_table_marks_both_cities(site, page, lang, prefix):
    page.goto(f"{prefix}/strategies/themes/")
    table = page.locator("table.cross")
    expect(table.locator("thead th")).to_have_count(8)  # theme column + 7 specific objectives
    expect(table.locator("tbody tr")).to_have_count(7)
    circular = table.locator('tr[data-theme="stedelijke-circulariteit"] td')
    # Urban circularity serves SD 1.1, 1.4 and 2.1 in both cities.
    antwerp = {"nl": "Antwerpen", "en": "Antwerp"}[lang]
    for column in (0, 2, 3):
        expect(circular.nth(column)).to_contain_text(antwerp)
    expect(circular.nth(1)).not_to_contain_text(antwerp)
    assert axe_violations(page) == []


def test_language_switch_keeps_the_page(site, page):
    page.goto("/strategies/antwerpen/")
    expect(page.get_by_role("heading", level=2, name="Principes")).to_be_visible()
    page.get_by_role("navigation", name="Taal").get_by_role("link", name="English").click()
    expect(page).to_have_url(f"{site.url}/en/strategies/antwerpen/")
    expect(page.get_by_role("heading", level=2, name="Principles")).to_be_visible()
    page.get_by_role("navigation", name="Language").get_by_role("link", name="Nederlands").click()
    expect(page).to_have_url(f"{site.url}/strategies/antwerpen/")


def test_navigation_reaches_every_page(site, page):
    page.goto("/")
    assert axe_violations(page) == []
    nav = page.get_by_role("navigation", name="Hoofdmenu")
    nav.get_by_role("link", name="Gent").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("GTI-strategie Gent")
    nav.get_by_role("link", name="Programma").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("EFRO")
    nav.get_by_role("link", name="API").click()
    expect(page.locator(".swagger-ui")).to_be_visible()
    expect(page.get_by_text("/api/v1/strategies/{city}", exact=True)).to_be_visible()


def test_axe_finds_a_violation_when_there_is_one(page):
    """The accessibility check above is real: a page with an unlabelled input fails it."""
    page.set_content('<html lang="en"><title>t</title><main><input type="text"></main></html>')
    assert [v["id"] for v in axe_violations(page)] == ["label"]
