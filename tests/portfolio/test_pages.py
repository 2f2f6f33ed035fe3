"""The scenario form: which envelopes apply and which value measure, as a person sets them."""

import pytest

from gti.portfolio.models import Scenario
from tests.factories import assessed, open_call, person
from tests.portfolio.test_services import envelopes

pytestmark = pytest.mark.usefixtures("loaded")


@pytest.fixture
def setup(client):
    call = open_call()
    envelopes()  # P1 200k, P2 300k
    big = assessed(call, "Groot", 500_000, 9)  # 200k, 90
    mid = assessed(call, "Middel", 375_000, 7)  # 150k, 70
    client.force_login(person("secretariat_gent"))
    return call, big, mid


def test_custom_values_change_the_choice(client, setup):
    call, big, mid = setup
    response = client.post(f"/calls/{call.reference}/scenarios/", {
        "name": "Eigen waarden", "value": "custom", "envelopes": ["gent-P1", "gent-P2"],
        f"value_{big.reference}": "10", f"value_{mid.reference}": "50",
    })  # fmt: skip
    assert response.status_code == 302
    scenario = Scenario.objects.get(name="Eigen waarden")
    assert [s["id"] for s in scenario.result["selected"]] == [mid.reference]


def test_an_unticked_envelope_does_not_limit(client, setup):
    call, big, mid = setup
    client.post(f"/calls/{call.reference}/scenarios/",
                {"name": "Zonder P2", "value": "score", "envelopes": ["gent-P1"]})  # fmt: skip
    scenario = Scenario.objects.get(name="Zonder P2")
    assert {s["id"] for s in scenario.result["selected"]} == {big.reference, mid.reference}
    assert [e["id"] for e in scenario.instance["envelopes"]] == ["gent-P1"]


def test_a_bad_value_is_named(client, setup):
    call, big, _mid = setup
    response = client.post(f"/calls/{call.reference}/scenarios/", {
        "name": "Fout", "value": "custom", f"value_{big.reference}": "veel",
    })  # fmt: skip
    assert response.status_code == 200
    assert f"value_{big.reference}" in response.content.decode()
    assert not Scenario.objects.filter(name="Fout").exists()


def test_scenario_and_compare_name_envelopes_themes_and_priorities(client, setup):
    """Names from the data, never slugs: envelopes, themes, priorities; amounts as Dutch writes
    them; the explanations in the reader's language."""
    call, big, mid = setup
    for name in ("Basis", "Tweede"):
        client.post(f"/calls/{call.reference}/scenarios/", {
            "name": name, "value": "score", "envelopes": ["gent-P1", "gent-P2"],
        })  # fmt: skip
    first, second = Scenario.objects.filter(call=call).order_by("created_at")
    page = client.get(f"/scenarios/{first.pk}/").content.decode()
    assert "Gent · P2 Groener en CO₂-neutraal Vlaanderen" in page and ">gent-P2<" not in page
    assert "EUR 300.000,00" in page
    assert "Klimaatadaptatie" in page  # the theme's name, not its code
    assert '<span class="chart-label">P2 Groener en CO₂-neutraal Vlaanderen</span>' in page
    assert "geselecteerd: EUR 200.000,00, waarde 90" in page
    assert "niet geselecteerd: in enveloppe Gent · P2" in page
    page = client.get(f"/en/calls/{call.reference}/scenarios/compare/?s={first.pk}&s={second.pk}")
    text = page.content.decode()
    assert "Share of P1 Smarter Flanders" in text and "Share of P2 Greener" in text
    assert "Envelope Ghent · P2 Greener, CO₂-neutral Flanders" in text
    assert "EUR 200,000.00" in text


def test_envelopes_page_states_60_40_as_the_programmes_and_the_split_as_a_proposal(client, setup):
    page = client.get("/portfolio/gent/").content.decode()
    assert "De verdeling van het programma: P1 60% / P2 40%." in page
    assert "geen regel voor elke stad" in page
    assert "EUR 300.000,00" in page and "P2 Groener en CO₂-neutraal Vlaanderen" in page
    page = client.post("/portfolio/gent/", {"split": "1", "total": "1000000"}).content.decode()
    assert "Voorstel: de bedragen hieronder verdelen het totaal van de stad" in page
    assert "Voorgesteld bedrag (EUR)" in page
