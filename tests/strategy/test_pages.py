"""Strategy pages through Django's test client: content, languages, 404s, query counts."""

import pytest

from gti.strategy import geo


@pytest.mark.parametrize(
    ("url", "text"),
    [
        ("/", "GTI-strategie Antwerpen"),
        ("/en/", "ITI strategy of Antwerp"),
        ("/programme/", "Indicatoren van SD 1.1"),
        ("/en/programme/", "Indicators of SD 1.1"),
        ("/programme/", "De EU betaalt hoogstens 40% van de subsidiabele kosten"),
        ("/en/programme/", "The EU pays at most 40% of the eligible costs"),
        ("/strategies/antwerpen/", "Medebepalend voor het stedelijke weefsel"),
        ("/en/strategies/antwerpen/", "Help shape the urban fabric"),
        ("/strategies/gent/", "Rechtstreekse impact hebben op het leven"),
        ("/strategies/themes/", "Thema's × specifieke doelstellingen"),
        ("/en/strategies/themes/", "Themes × specific objectives"),
    ],
)
def test_page_shows_its_content(client, loaded, url, text, django_assert_max_num_queries):
    with django_assert_max_num_queries(20):
        response = client.get(url)
    assert response.status_code == 200
    assert text in response.content.decode()


def test_unknown_city_is_404(client, loaded):
    assert client.get("/strategies/brugge/").status_code == 404


def test_pages_before_anything_is_loaded(client, nothing_loaded):
    response = client.get("/")
    assert response.status_code == 200
    assert "gti strategy load" in response.content.decode()
    assert client.get("/programme/").status_code == 404


def test_assets_are_served_by_the_app(client, loaded):
    page = client.get("/").content.decode()
    assert "http://" not in page.replace('href="http://', "")  # nothing loads from elsewhere
    assert client.get("/static/gti/site.css").status_code == 200


def test_svg_paths_fit_the_width_and_keep_north_up():
    square = {
        "type": "Polygon",
        "coordinates": [[[4.0, 51.0], [4.1, 51.0], [4.1, 51.1], [4.0, 51.1], [4.0, 51.0]]],
    }
    view_box, height, paths = geo.svg_paths({"a": square}, width=100)
    assert view_box.startswith("0 0 100 ")
    assert 150 < height < 170  # 0.1 degree of latitude is longer than 0.1 of longitude at 51°N
    assert paths["a"].startswith("M0.0,") and paths["a"].endswith("Z")
    assert "0.0,0.0" in paths["a"]  # the north-west corner is drawn top left


def test_a_marker_goes_in_the_middle_of_its_area():
    west = {"type": "Polygon", "coordinates": [[[4.0, 51.0], [4.1, 51.0], [4.1, 51.1],
                                                [4.0, 51.1], [4.0, 51.0]]]}  # fmt: skip
    east = {"type": "Polygon", "coordinates": [[[4.1, 51.0], [4.2, 51.0], [4.2, 51.1],
                                                [4.1, 51.1], [4.1, 51.0]]]}  # fmt: skip
    _view_box, height, _paths = geo.svg_paths({"w": west, "e": east}, width=200)
    centres = geo.svg_centres({"w": west, "e": east}, width=200)
    assert centres["w"] == (50.0, round(height / 2, 1))
    assert centres["e"] == (150.0, round(height / 2, 1))


def test_borsbeek_is_shown_as_not_admitted(client, loaded):
    page = client.get("/en/strategies/antwerpen/").content.decode()
    assert "Not part of the GTI territory" in page
    assert "Borsbeek</strong>: Borsbeek has been a district of Antwerp since 1 January 2025" in page
    assert 'data-area="borsbeek"><title>' not in page  # no boundary in the data: not drawn
    assert "9 areas" in page


def test_programme_page_states_the_split_as_the_programmes(client, loaded):
    from decimal import Decimal

    from gti.portfolio import services as portfolio
    from gti.strategy.models import City, Programme
    from tests.factories import person

    programme = Programme.objects.current().get()
    for city, code in (("gent", "managing_authority"), ("antwerpen", "managing_authority")):
        portfolio.set_envelope(
            by=person(code), programme=programme, city=City.objects.get(code=city),
            priority=programme.priorities.get(code="P1"), amount=Decimal("2940000.50"),
        )  # fmt: skip
    page = client.get("/programme/").content.decode()
    assert "Verdeling van de GTI-middelen van het programma" in page
    assert "P1 Slimmer Vlaanderen" in page and "60%" in page and "40%" in page
    assert "EUR 5.880.001,00" in page
    page = client.get("/en/programme/").content.decode()
    assert "not a rule for each city" in page and "EUR 5,880,001.00" in page


def test_policy_references_show_their_kind(client, loaded):
    page = client.get("/en/strategies/antwerpen/").content.decode()
    assert (
        '<tr id="ref-klimaatplan-2030"><th scope="row">klimaatplan-2030</th><td>plan</td>' in page
    )
    assert "coalition-agreement action" in page


def test_strategy_page_shows_the_strategy_level_indicators(client, loaded):
    html = client.get("/en/strategies/antwerpen/").content.decode()
    assert 'id="indicator-RCO74"' in html and "531862 persons" in html
    assert "Inhabitants of Antwerp in 2022" in html
    ghent = client.get("/en/strategies/gent/").content.decode()
    assert 'id="indicator-RCO75"' in ghent and "The strategy gives no population figure" in ghent
