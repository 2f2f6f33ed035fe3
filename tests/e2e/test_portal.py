"""In the browser, without logging in: the public portal of the approved projects. Filter by
city, search a word, open a project's page, download the list as CSV. axe on each page."""

import csv
import io

import pytest
from playwright.sync_api import expect

from gti.proposals.models import Proposal
from tests.e2e.conftest import axe_violations
from tests.factories import submitted

pytestmark = pytest.mark.e2e


@pytest.fixture
def projects(site):
    park = submitted(title="Groene speelplaats Ledeberg", summary="Een speelplaats vol bomen.")
    wadi = submitted(call=park.call, title="Wadi aan de Schelde", summary="Water vasthouden.")
    Proposal.objects.filter(pk__in=[park.pk, wadi.pk]).update(state=Proposal.State.APPROVED)
    waiting = submitted(call=park.call, title="Fietsbrug nog niet beslist")
    return park, wadi, waiting


def test_the_public_filters_searches_opens_a_project_and_downloads_the_list(
    page, projects, tmp_path
):
    park, wadi, waiting = projects
    page.goto("/en/programme/")
    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Approved projects"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Approved projects of the GTI")
    table = page.locator("table.operations")
    expect(table).to_contain_text("Groene speelplaats Ledeberg")
    expect(table).to_contain_text("Wadi aan de Schelde")
    expect(page.locator("body")).not_to_contain_text("Fietsbrug nog niet beslist")
    assert axe_violations(page) == []

    page.get_by_label("City").select_option(label="Antwerp")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_role("heading", name="0 projects")).to_be_visible()
    page.get_by_label("City").select_option(label="Ghent")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_role("heading", name="2 projects")).to_be_visible()
    ghent = page.get_by_role("img", name="Map of the areas of Ghent")
    expect(ghent.locator("circle.projects-marker")).to_have_count(1)  # both in Ledeberg
    expect(page.get_by_role("img", name="Map of the areas of Antwerp")).to_have_count(0)

    page.get_by_label("Words").fill("Wadi")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_role("heading", name="1 project")).to_be_visible()
    expect(table).not_to_contain_text("Groene speelplaats Ledeberg")
    table.get_by_role("link", name="Wadi aan de Schelde").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Wadi aan de Schelde")
    expect(page.locator("dl.record")).to_contain_text("Ghent")
    expect(page.locator("main")).to_contain_text("Water vasthouden.")
    assert axe_violations(page) == []

    page.go_back()
    with page.expect_download() as download:
        page.get_by_role("link", name="CSV").click()
    assert download.value.suggested_filename == "gti-operations-gent.csv"
    path = tmp_path / "operations.csv"
    download.value.save_as(path)
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
    assert sorted(r["operation_name"] for r in rows) == [park.title, wadi.title]
    assert {r["city"] for r in rows} == {"Ghent"}


def test_a_bad_filter_is_named_on_the_page(page, projects):
    page.goto("/portal/?city=brugge")
    expect(page.locator("#err-city")).to_contain_text("Stad: ")
    expect(page.locator("table.operations")).to_have_count(0)
    assert axe_violations(page) == []


def test_the_gti_beside_another_region(page, projects):
    from gti.opendata.models import ExternalOperation

    ExternalOperation.objects.create(
        source="NRW 2021-2027", imported_at="2026-11-01T10:00:00+01:00", operation_id="NRW-1",
        operation_name="Stadtteilzentrum", total_cost_eur="1500000.00", country="DE",
        specific_objective="RSO5.1",
    )  # fmt: skip
    page.goto("/en/portal/")
    page.get_by_role("link", name="The GTI beside other regions").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("The GTI beside other regions")
    table = page.locator("table.compare")
    expect(table).to_contain_text("NRW 2021-2027")
    expect(table).to_contain_text("RSO5.1")
    expect(table.locator("tfoot")).to_contain_text("2")  # the GTI's two approved projects
    assert axe_violations(page) == []
