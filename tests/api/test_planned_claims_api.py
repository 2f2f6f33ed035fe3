"""Planned claims and a proposal's own goals over the API: answers checked against the OpenAPI
document, refusals 422 by field with nothing changed, roles 403, other people's grants 404."""

import datetime

import pytest
from django.utils import timezone

from gti.monitoring.models import PlannedClaim
from gti.proposals.models import Proposal
from tests.api.test_proposals_api import Api
from tests.factories import open_call, proposal_data
from tests.monitoring.test_claims import grant  # noqa: F401 (fixture)
from tests.monitoring.test_grants import call  # noqa: F401 (fixture)

pytestmark = pytest.mark.usefixtures("loaded")
TODAY = timezone.localdate()


def day(n: int) -> str:
    return (TODAY + datetime.timedelta(days=n)).isoformat()


@pytest.fixture
def spec(client):
    return client.get("/api/v1/openapi.json").json()


def test_the_beneficiary_puts_its_plan_and_others_read_it(grant, spec):  # noqa: F811
    url = f"/api/v1/grants/{grant.proposal.reference}/planned-claims"
    beneficiary = Api("applicant_gent", spec)
    assert beneficiary("get", url) == {"grant": grant.proposal.reference, "planned": []}
    plan = beneficiary("put", url, {"planned": [
        {"expected_on": day(200), "amount": "30000.00"},
        {"expected_on": day(100), "amount": "50000.00"}]})  # fmt: skip
    assert plan["planned"] == [
        {"expected_on": day(100), "amount": "50000.00", "erdf": "20000.00"},
        {"expected_on": day(200), "amount": "30000.00", "erdf": "12000.00"}]  # fmt: skip
    assert Api("managing_authority", spec)("get", url) == plan
    Api("managing_authority", spec)("put", url, {"planned": []}, 403)
    Api("applicant_antwerpen", spec)("get", url, status=404)
    assert PlannedClaim.objects.count() == 2


@pytest.mark.parametrize(("body", "field"), [
    ({"planned": [{"expected_on": day(10), "amount": "-1.00"}]}, "planned[0].amount"),
    ({"planned": [{"expected_on": day(-1), "amount": "1.00"}]}, "planned[0].expected_on"),
    ({"planned": [{"expected_on": "2030-01-01", "amount": "1.00"}]}, "planned[0].expected_on"),
    ({"planned": [{"expected_on": "2027-02-30", "amount": "1.00"}]}, "planned[0].expected_on"),
    ({"planned": [{"amount": "1.00"}]}, "planned[0].expected_on"),
    ({"planned": "soon"}, "planned"),
    ({"plan": []}, "plan"),
])  # fmt: skip
def test_refused_plans_answer_422_by_field_and_change_nothing(grant, spec, body, field):  # noqa: F811
    url = f"/api/v1/grants/{grant.proposal.reference}/planned-claims"
    beneficiary = Api("applicant_gent", spec)
    beneficiary("put", url, {"planned": [{"expected_on": day(50), "amount": "10.00"}]})
    errors = beneficiary("put", url, body, 422)["errors"]
    assert field in errors
    assert list(PlannedClaim.objects.values_list("amount", flat=True)) == [10]


def test_a_proposal_adds_its_own_goals_over_the_api(spec):
    opened = open_call()
    applicant = Api("applicant_gent", spec)
    url = f"/api/v1/calls/{opened.reference}/proposals"
    made = applicant("post", url, proposal_data(sdgs=[10, 3]), 201)
    assert made["sdgs"] == [3, 10]
    assert set(applicant("post", url, proposal_data(sdgs=[3, 18]), 422)["errors"]) == {"sdgs[1]"}
    assert set(applicant("post", url, proposal_data(sdgs=[3, 3]), 422)["errors"]) == {"sdgs"}
    assert Proposal.objects.count() == 1
