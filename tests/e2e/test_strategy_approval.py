"""In the browser: two members of Ghent's steering committee sign a new version of the strategy,
which then applies; the Dutch programme page states 60/40 as the programme's split and writes
amounts with thousands separators. axe on each page."""

import shutil
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from gti.portfolio import services as portfolio
from gti.strategy import schema, services
from gti.strategy.models import City, Programme, Strategy
from tests.e2e.conftest import axe_violations
from tests.e2e.test_proposal_flow import log_in
from tests.factories import person

pytestmark = pytest.mark.e2e


def test_two_members_of_the_steering_committee_approve_a_new_version(site, page, tmp_path):
    shutil.copytree(schema.DATA_DIR, tmp_path, dirs_exist_ok=True)
    gent = tmp_path / "gent.yaml"
    gent.write_text(
        gent.read_text(encoding="utf-8").replace("Brede en laagdrempelige", "Zeer brede"),
        encoding="utf-8",
    )
    services.load_files(sorted(tmp_path.glob("*.yaml")))
    for member in ("steering_gent", "steering_gent_2"):
        person(member)

    log_in(page, "steering_gent")
    page.goto("/strategies/gent/")
    approval = page.locator("#approval")
    expect(approval.get_by_role("heading", level=2)).to_have_text(
        "Versie 2 wacht op de goedkeuring van de stuurgroep"
    )
    expect(approval).to_contain_text("principes: gewijzigd G-")
    expect(page.locator("#territory .meta")).to_contain_text("Versie 1")
    assert axe_violations(page) == []
    approval.get_by_role("button", name="De goedkeuring van versie 2 ondertekenen").click()
    expect(page.get_by_role("status")).to_contain_text("Uw goedkeuring is ondertekend.")
    expect(page.locator("#approval")).to_contain_text("tot nu toe ondertekenden er 1")
    assert Strategy.objects.current().get(city__code="gent").version == 1

    log_in(page, "steering_gent_2")
    page.goto("/strategies/gent/")
    page.get_by_role("button", name="De goedkeuring van versie 2 ondertekenen").click()
    expect(page.get_by_role("status")).to_contain_text("Versie 2 is goedgekeurd en nu van kracht.")
    expect(page.locator("#approval")).to_have_count(0)
    expect(page.locator("#territory .meta")).to_contain_text("Versie 2")
    expect(page.locator("#principles")).to_contain_text("Zeer brede")
    assert axe_violations(page) == []
    assert Strategy.objects.current().get(city__code="gent").version == 2


def test_dutch_programme_page_states_the_programmes_split_with_amounts(site, page):
    programme = Programme.objects.current().get()
    portfolio.set_envelope(
        by=person("managing_authority"), programme=programme, city=City.objects.get(code="gent"),
        priority=programme.priorities.get(code="P1"), amount=Decimal("4410000"),
    )  # fmt: skip
    page.goto("/programme/")
    split = page.locator("#split")
    expect(split).to_contain_text("geen regel voor elke stad")
    p1 = split.get_by_role("row", name="P1 Slimmer Vlaanderen")
    expect(p1).to_contain_text("60%")
    expect(p1).to_contain_text("EUR 4.410.000,00")
    expect(split.locator('tr[data-priority="P2"]')).to_contain_text("40%")
    assert axe_violations(page) == []
