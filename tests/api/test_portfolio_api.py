"""The portfolio over the API: envelopes, a scenario, a meeting confirmed; roles refused."""

import pytest

from gti.portfolio.models import Envelope
from gti.proposals.models import Proposal
from tests.api.test_proposals_api import Api
from tests.factories import assessed, open_call

pytestmark = pytest.mark.usefixtures("loaded")


@pytest.fixture
def spec(client):
    return client.get("/api/v1/openapi.json").json()


def test_envelopes_scenario_meeting_over_the_api(spec):
    call = open_call()
    big = assessed(call, "Groot", 500_000, 9)
    mid = assessed(call, "Middel", 375_000, 7)
    secretariat, steering = Api("secretariat_gent", spec), Api("steering_gent", spec)

    secretariat("put", "/api/v1/portfolio/gent/envelopes", {"priority": "P2", "amount": "200000"})
    envelopes = steering("get", "/api/v1/portfolio/gent/envelopes")
    assert [(e["key"], e["amount"]) for e in envelopes] == [("gent-P2", "200000.00")]

    scenario = secretariat("post", f"/api/v1/calls/{call.reference}/scenarios",
                           {"name": "Basis", "options": {}}, 201)  # fmt: skip
    assert [s["id"] for s in scenario["result"]["selected"]] == [big.reference]
    steering("post", f"/api/v1/calls/{call.reference}/scenarios", {"name": "Nee"}, 403)

    meeting = secretariat("post", f"/api/v1/calls/{call.reference}/meetings",
                          {"date": "2026-12-10", "members_present": ["A", "B"], "quorum": 2,
                           "scenario": scenario["id"]}, 201)  # fmt: skip
    assert {d["proposal"]: d["outcome"] for d in meeting["decisions"]} == {
        big.reference: "selected", mid.reference: "reserve"}  # fmt: skip
    secretariat("post", f"/api/v1/meetings/{meeting['id']}/confirm", {}, 403)
    body = {"proposal": mid.reference, "outcome": "rejected"}
    errors = steering("put", f"/api/v1/meetings/{meeting['id']}/decisions", body, 422)
    assert list(errors["errors"]) == ["reason"]
    confirmed = steering("post", f"/api/v1/meetings/{meeting['id']}/confirm", {})
    assert confirmed["state"] == "confirmed"
    assert Proposal.objects.get(pk=big.pk).state == "selected"
    assert Envelope.objects.get().committed == 200000
    too_low = {"priority": "P2", "amount": "100000"}
    errors = secretariat("put", "/api/v1/portfolio/gent/envelopes", too_low, 422)
    assert "already committed" in errors["errors"]["amount"][0]


@pytest.mark.parametrize("name", ["applicant_gent", "assessor_gent"])
def test_portfolio_is_closed_to_applicants_and_assessors(spec, name):
    Api(name, spec)("get", "/api/v1/portfolio/gent/envelopes", status=403)


def test_other_city_is_refused(spec):
    Api("secretariat_antwerpen", spec)(
        "put", "/api/v1/portfolio/gent/envelopes", {"priority": "P2", "amount": "1"}, 403
    )


@pytest.mark.parametrize("name", ["managing_authority", "auditor"])
def test_managing_authority_and_auditors_read(spec, name):
    Api(name, spec)("get", "/api/v1/portfolio/gent/envelopes")
    Api(name, spec)(
        "put", "/api/v1/portfolio/gent/envelopes", {"priority": "P2", "amount": "1"}, 403
    )
