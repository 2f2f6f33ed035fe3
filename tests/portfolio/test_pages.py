"""The portfolio pages as people use them: envelopes, the scenario form, and the rounds."""

import datetime
from decimal import Decimal

import pytest

from gti.portfolio import services
from gti.portfolio.models import Decision, Envelope, Meeting, Scenario, Vote
from gti.proposals.models import Proposal
from tests.factories import assessed, efro_assessed, efro_call, efro_validated, open_call, person
from tests.portfolio.test_services import envelopes, sign_all

pytestmark = pytest.mark.usefixtures("loaded")


@pytest.fixture
def setup(client):
    call = open_call()
    envelopes()  # P1 200k, P2 300k
    big = assessed(call, "Groot", 500_000, 9)  # 200k
    mid = assessed(call, "Middel", 375_000, 7)  # 150k
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


def test_the_call_envelopes_are_among_those_to_tick(client, setup):
    call, big, mid = setup
    page = client.get(f"/en/calls/{call.reference}/scenarios/").content.decode()
    assert f'value="{call.reference}-P2"' in page
    client.post(f"/calls/{call.reference}/scenarios/",
                {"name": "Oproep", "envelopes": [f"{call.reference}-P2"]})  # fmt: skip
    scenario = Scenario.objects.get(name="Oproep")
    assert [e["id"] for e in scenario.instance["envelopes"]] == [f"{call.reference}-P2"]


@pytest.mark.parametrize(
    "fields, error",
    [
        ({"value": "custom", "value_REF": "veel"}, "values.REF"),
        ({"min_count_0": "ab"}, "minimums[0].count"),
        ({"exclusions": "REF"}, "exclusions[0]"),
    ],
)
def test_a_bad_option_is_named_by_the_one_parser(client, setup, fields, error):
    call, big, _mid = setup
    fields = {k.replace("REF", big.reference): v.replace("REF", big.reference)
              for k, v in fields.items()}  # fmt: skip
    response = client.post(f"/en/calls/{call.reference}/scenarios/", {"name": "Fout", **fields})
    assert response.status_code == 200
    assert f"<code>{error.replace('REF', big.reference)}" in response.content.decode()
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
    assert "geselecteerd: EUR 200.000,00, waarde 88" in page
    assert "niet geselecteerd: in enveloppe Gent · P2" in page
    page = client.get(f"/en/calls/{call.reference}/scenarios/compare/?s={first.pk}&s={second.pk}")
    text = page.content.decode()
    assert "Share of P1 Smarter Flanders" in text and "Share of P2 Greener" in text
    assert "Envelope Ghent · P2 Greener, CO₂-neutral Flanders" in text
    assert "EUR 200,000.00" in text


def test_envelopes_page_states_60_40_as_the_programmes_and_the_split_as_a_proposal(client, setup):
    client.force_login(person("managing_authority"))  # who sets envelopes under the default
    page = client.get("/portfolio/gent/").content.decode()
    assert "De verdeling van het programma: P1 60% / P2 40%." in page
    assert "geen regel voor elke stad" in page
    assert "EUR 300.000,00" in page and "P2 Groener en CO₂-neutraal Vlaanderen" in page
    page = client.post("/portfolio/gent/", {"split": "1", "total": "1000000"}).content.decode()
    assert "Voorstel: de bedragen hieronder verdelen het totaal van de stad" in page
    assert "Voorgesteld bedrag (EUR)" in page


def test_envelope_form_saves_nothing_when_one_line_is_refused(client):
    call = open_call()
    made = envelopes("200000", "300000")
    scenario_free = assessed(call, "Groot", 500_000, 9)
    meeting = services.open_decision_round(call, by=person("secretariat_gent"),
                                           date=datetime.date(2026, 12, 1))  # fmt: skip
    services.set_decision(meeting, by=person("secretariat_gent"), proposal=scenario_free,
                          outcome="approved", amount=scenario_free.erdf_requested)  # fmt: skip
    sign_all(meeting, "steering_gent", "steering_gent_2")
    services.confirm_meeting(meeting, by=person("steering_gent"))  # 200k committed in P2
    client.force_login(person("managing_authority"))
    response = client.post("/en/portfolio/gent/", {"amount_P1": "250000", "amount_P2": "100000"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "already committed" in page and 'id="err-P2"' in page
    assert 'value="100000"' in page  # what was typed stays
    assert Envelope.objects.get(pk=made["P1"].pk).amount == Decimal("200000.00")
    call_table = page[page.index(f'data-call="{call.reference}"') :]
    assert "EUR 200,000.00" in call_table.split("</table>")[0]  # used of the call's P2


def test_envelope_form_is_for_who_runs_the_calls(client):
    client.force_login(person("secretariat_gent"))
    assert client.post("/en/portfolio/gent/", {"amount_P1": "1"}).status_code == 403
    assert not Envelope.objects.exists()
    client.force_login(person("steering_antwerpen"))
    assert client.get("/en/portfolio/gent/").status_code == 404


@pytest.fixture
def efro(client):
    call = efro_call()
    envelopes("1000000", "1000000", city="antwerpen")
    return call


def test_the_secretariat_prepares_the_validation_and_members_sign(client, efro):
    a = efro_assessed(efro, "antwerpen")
    client.force_login(person("secretariat_antwerpen"))
    page = client.get(f"/en/calls/{efro.reference}/scenarios/").content.decode()
    assert "validation (Antwerp)" in page
    assert "Ghent)" not in page  # only the secretariat's own city
    form = {"purpose": "validation", "city": "antwerpen", "date": "2026-12-01"}
    response = client.post(f"/en/calls/{efro.reference}/rounds/new/", form)
    meeting = Meeting.objects.get()
    assert response.url.endswith(f"/rounds/{meeting.pk}/")
    client.force_login(person("steering_antwerpen_2"))
    client.post(f"/en/rounds/{meeting.pk}/", {"action": "sign", f"vote_{a.reference}": "conflict",
                                              f"note_{a.reference}": ""})  # fmt: skip
    assert not Vote.objects.exists()  # a conflict needs its note
    note = {f"note_{a.reference}": "Zetel in het bestuur"}
    client.post(f"/en/rounds/{meeting.pk}/",
                {"action": "sign", f"vote_{a.reference}": "conflict", **note})  # fmt: skip
    client.force_login(person("steering_antwerpen"))
    client.post(f"/en/rounds/{meeting.pk}/", {"action": "sign", f"vote_{a.reference}": "for"})
    response = client.post(f"/en/rounds/{meeting.pk}/", {"action": "confirm"}, follow=True)
    page = response.content.decode()
    assert "the quorum is 2" in page
    assert "1 for, 0 against, 1 abstained (conflict)" in page
    assert "steering_antwerpen_2" in page and "Zetel in het bestuur" in page
    assert Proposal.objects.get(pk=a.pk).state == "assessed"
    client.force_login(person("steering_gent"))
    assert client.get(f"/en/rounds/{meeting.pk}/").status_code == 404
    client.force_login(person("applicant_antwerpen"))
    assert client.get(f"/en/rounds/{meeting.pk}/").status_code == 403


def test_the_authority_revises_a_plan_and_two_accounts_confirm(client, efro):
    a = efro_validated(efro, "antwerpen")  # 250k, 100k ERDF
    client.force_login(person("managing_authority"))
    client.post(f"/en/calls/{efro.reference}/rounds/new/",
                {"purpose": "decision", "date": "2026-12-10"})  # fmt: skip
    meeting = Meeting.objects.get(purpose="decision")
    url = f"/en/rounds/{meeting.pk}/"
    page = client.get(url).content.decode()
    assert (
        f'id="co-{a.pk}-city" name="co_city" type="text" inputmode="decimal" value="150000.00"'
        in page
    )
    form = {"action": "decide", "proposal": a.reference, "outcome": "approved", "amount": "80000",
            "co_city": "150000"}  # fmt: skip
    page = client.post(url, form, follow=True).content.decode()
    assert "revise the financing plan" in page
    assert not meeting.decisions.exists()
    client.post(url, {**form, "co_partners": "20 000,00"})
    decision = Decision.objects.get(meeting=meeting)
    assert decision.amount == Decimal("80000.00")
    sign_all(meeting, "managing_authority")
    client.post(url, {"action": "confirm"})
    assert Meeting.objects.get(pk=meeting.pk).state == "draft"
    client.force_login(person("managing_authority_2"))
    client.post(url, {"action": "sign", f"vote_{a.reference}": "for"})
    client.post(url, {"action": "confirm"})
    assert Proposal.objects.get(pk=a.pk).state == "approved"
    page = client.get(url).content.decode()
    assert "revised co-financing" in page and "of EUR 100,000.00 requested" in page


def test_the_call_page_offers_the_reserve_that_fits_the_released_money(client):
    from gti.portfolio.services import withdraw_proposal

    call = efro_call(envelopes={"P2": Decimal("150000")})
    envelopes("1000000", "1000000", city="antwerpen")
    a = efro_validated(call, "antwerpen", title="Eerste", score=9)
    b = efro_validated(call, "antwerpen", title="Tweede", score=8)
    authority = person("managing_authority")
    scenario = services.run_scenario(call, by=authority, name="Oproep", options={})
    meeting = services.open_decision_round(call, by=authority, date=datetime.date(2026, 12, 1),
                                           scenario=scenario)  # fmt: skip
    sign_all(meeting, "managing_authority", "managing_authority_2")
    services.confirm_meeting(meeting, by=authority)
    withdraw_proposal(a, by=person("applicant_antwerpen"), reason="Weg")
    client.force_login(authority)
    page = client.get(f"/en/calls/{call.reference}/scenarios/").content.decode()
    assert f"reserve that fits the released money: {b.reference}" in page
    response = client.post(f"/en/calls/{call.reference}/rounds/new/",
                           {"purpose": "decision", "approve": b.reference,
                            "date": "2026-12-20"})  # fmt: skip
    again = Meeting.objects.get(date=datetime.date(2026, 12, 20))
    assert response.url.endswith(f"/rounds/{again.pk}/")
    assert again.decisions.get().proposal == b
