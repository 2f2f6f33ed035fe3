"""The portfolio over the API: envelopes, scenarios and the rounds; shapes refused with 422,
another city's round 404, roles refused 403. Every answer is checked against the OpenAPI."""

from decimal import Decimal

import pytest

from gti.portfolio.models import Envelope, Meeting, Scenario, Vote
from gti.proposals.models import Proposal
from tests.api.test_proposals_api import Api
from tests.factories import assessed, efro_assessed, efro_call, efro_validated, open_call

pytestmark = pytest.mark.usefixtures("loaded")


@pytest.fixture
def spec(client):
    return client.get("/api/v1/openapi.json").json()


def test_envelopes_are_put_all_at_once(spec):
    authority = Api("managing_authority", spec)
    lines = {"lines": [{"priority": "P1", "amount": "300000"}, {"priority": "P2", "amount": "-5"}]}
    errors = authority("put", "/api/v1/portfolio/gent/envelopes", lines, 422)
    assert list(errors["errors"]) == ["lines[1].amount"]
    assert not Envelope.objects.exists()
    lines["lines"][1]["amount"] = "200000"
    saved = authority("put", "/api/v1/portfolio/gent/envelopes", lines)
    assert [(e["key"], e["amount"]) for e in saved] == [
        ("gent-P1", "300000.00"), ("gent-P2", "200000.00")]  # fmt: skip
    errors = authority("put", "/api/v1/portfolio/gent/envelopes", {"lines": "P1"}, 422)
    assert "lines" in errors["errors"]
    Api("secretariat_gent", spec)("put", "/api/v1/portfolio/gent/envelopes", lines, 403)


@pytest.mark.parametrize(
    "options, field",
    [
        ({"minimums": ["ab"]}, "options.minimums[0]"),
        ({"exclusions": [1]}, "options.exclusions[0]"),
        ({"envelopes": 5}, "options.envelopes"),
        ({"colour": "red"}, "options.colour"),
    ],
)
def test_bad_scenario_options_answer_422(spec, options, field):
    call = open_call()
    secretariat = Api("secretariat_gent", spec)
    errors = secretariat("post", f"/api/v1/calls/{call.reference}/scenarios",
                         {"name": "Fout", "options": options}, 422)  # fmt: skip
    assert any(key.startswith(field) for key in errors["errors"]), errors
    assert not Scenario.objects.exists()


def test_a_city_led_scenario_and_decision_round(spec):
    call = open_call()
    big = assessed(call, "Groot", 500_000, 9)
    mid = assessed(call, "Middel", 375_000, 7)
    p2 = {"lines": [{"priority": "P2", "amount": "200000"}]}
    Api("managing_authority", spec)("put", "/api/v1/portfolio/gent/envelopes", p2)
    secretariat, steering = Api("secretariat_gent", spec), Api("steering_gent", spec)
    scenario = secretariat("post", f"/api/v1/calls/{call.reference}/scenarios",
                           {"name": "Basis", "options": {"minimums": []}}, 201)  # fmt: skip
    assert [s["id"] for s in scenario["result"]["selected"]] == [big.reference]
    steering("post", f"/api/v1/calls/{call.reference}/scenarios", {"name": "Nee"}, 403)
    Api("secretariat_antwerpen", spec)("get", f"/api/v1/scenarios/{scenario['id']}", status=404)
    meeting = secretariat("post", f"/api/v1/calls/{call.reference}/decision-rounds",
                          {"date": "2026-12-10", "scenario": scenario["id"]}, 201)  # fmt: skip
    assert {d["proposal"]: d["outcome"] for d in meeting["decisions"]} == {
        big.reference: "approved", mid.reference: "reserve"}  # fmt: skip
    url = f"/api/v1/meetings/{meeting['id']}"
    body = {"proposal": mid.reference, "outcome": "rejected"}
    assert list(secretariat("put", f"{url}/decisions", body, 422)["errors"]) == ["reason"]
    votes = {"votes": {big.reference: {"choice": "for"}, mid.reference: {"choice": "for"}}}
    secretariat("post", f"{url}/sign", votes, 403)
    steering("post", f"{url}/sign", votes)
    errors = steering("post", f"{url}/confirm", None, 422)
    assert "quorum" in errors["errors"][f"decisions.{big.reference}"][0]
    Api("steering_gent_2", spec)("post", f"{url}/sign", votes)
    confirmed = Api("steering_gent_2", spec)("post", f"{url}/confirm")
    assert confirmed["state"] == "confirmed"
    assert Proposal.objects.get(pk=big.pk).state == "approved"
    assert Envelope.objects.get().committed == 200000


def test_validation_and_decision_rounds_of_the_default_procedure(spec):
    call = efro_call()
    p2 = {"lines": [{"priority": "P2", "amount": "500000"}]}
    Api("managing_authority", spec)("put", "/api/v1/portfolio/antwerpen/envelopes", p2)
    a = efro_assessed(call, "antwerpen")
    base = f"/api/v1/calls/{call.reference}"
    Api("secretariat_gent", spec)("post", f"{base}/validations",
                                  {"city": "antwerpen", "date": "2026-12-01"}, 403)  # fmt: skip
    secretariat = Api("secretariat_antwerpen", spec)
    secretariat("post", f"{base}/validations", {"city": "antwerpen", "date": "1 dec"}, 422)
    validation = secretariat("post", f"{base}/validations",
                             {"city": "antwerpen", "date": "2026-12-01"}, 201)  # fmt: skip
    assert (validation["purpose"], validation["quorum"]) == ("validation", 2)
    url = f"/api/v1/meetings/{validation['id']}"
    Api("steering_gent", spec)("get", url, status=404)
    conflict = {"votes": {a.reference: {"choice": "conflict", "note": "Bestuurder"}}}
    Api("steering_antwerpen_2", spec)("post", f"{url}/sign", conflict)
    bad = {"votes": {a.reference: {"choice": "maybe"}}}
    Api("steering_antwerpen", spec)("post", f"{url}/sign", bad, 422)
    yes = {"votes": {a.reference: {"choice": "for"}}}
    Api("steering_antwerpen", spec)("post", f"{url}/sign", yes)
    Api("steering_antwerpen", spec)("post", f"{url}/confirm", None, 422)
    Api("steering_antwerpen_3", spec)("post", f"{url}/sign", yes)
    shown = Api("auditor", spec)("get", url)
    assert shown["decisions"][0]["tally"] == {
        "for": 2, "against": 0, "conflict": 1, "quorum": True, "adopted": True}  # fmt: skip
    assert {v["member"]: v["choice"] for v in shown["decisions"][0]["votes"]} == {
        "steering_antwerpen_2": "conflict", "steering_antwerpen": "for",
        "steering_antwerpen_3": "for"}  # fmt: skip
    Api("steering_antwerpen_3", spec)("post", f"{url}/confirm")
    assert Proposal.objects.get(pk=a.pk).state == "validated"

    authority = Api("managing_authority", spec)
    secretariat("post", f"{base}/decision-rounds", {"date": "2026-12-10"}, 403)
    decision = authority("post", f"{base}/decision-rounds", {"date": "2026-12-10"}, 201)
    url = f"/api/v1/meetings/{decision['id']}"
    lower = {"proposal": a.reference, "outcome": "approved", "amount": "80000",
             "co_financing": [{"source": "city", "amount": "150000"}]}  # fmt: skip
    assert "co_financing" in authority("put", f"{url}/decisions", lower, 422)["errors"]
    lower["co_financing"].append({"source": "partners", "amount": "20000"})
    authority("put", f"{url}/decisions", {**lower, "colour": "red"}, 422)
    shown = authority("put", f"{url}/decisions", lower)
    assert shown["decisions"][0]["amount"] == "80000.00"
    yes = {"votes": {a.reference: {"choice": "for"}}}
    authority("post", f"{url}/sign", yes)
    Api("managing_authority_2", spec)("post", f"{url}/sign", yes)
    confirmed = Api("managing_authority_2", spec)("post", f"{url}/confirm")
    assert confirmed["state"] == "confirmed"
    a = Proposal.objects.get(pk=a.pk)
    assert (a.state, a.erdf_granted) == ("approved", Decimal("80000.00"))


def test_another_citys_round_is_not_found(spec):
    call = efro_call()
    a = efro_validated(call, "antwerpen")
    meeting = Meeting.objects.get(purpose="validation")
    url = f"/api/v1/meetings/{meeting.pk}"
    for name in ("steering_gent", "secretariat_gent"):
        Api(name, spec)("get", url, status=404)
        Api(name, spec)("post", f"{url}/sign", {"votes": {a.reference: {"choice": "for"}}}, 404)
    Api("applicant_antwerpen", spec)("get", url, status=403)
    assert Vote.objects.count() == 2  # the two that validated


@pytest.mark.parametrize("name", ["applicant_gent", "assessor_gent"])
def test_portfolio_is_closed_to_applicants_and_assessors(spec, name):
    Api(name, spec)("get", "/api/v1/portfolio/gent/envelopes", status=403)


@pytest.mark.parametrize("name", ["secretariat_antwerpen", "steering_antwerpen"])
def test_another_citys_envelopes_are_not_found(spec, name):
    Api(name, spec)("get", "/api/v1/portfolio/gent/envelopes", status=404)
    body = {"lines": [{"priority": "P1", "amount": "1"}]}
    Api(name, spec)("put", "/api/v1/portfolio/gent/envelopes", body, 404)
    assert not Envelope.objects.exists()


@pytest.mark.parametrize("name", ["managing_authority", "auditor", "secretariat_gent"])
def test_envelopes_are_read_by_the_bodies(spec, name):
    Api(name, spec)("get", "/api/v1/portfolio/gent/envelopes")
