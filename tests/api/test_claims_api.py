"""Claims over the API, the worked example of tests/monitoring/test_claims.py: declared and
submitted by the beneficiary, sampled and verified by one person of the managing authority, paid
by a second, grouped into a payment application. Shapes refused with 422 by field, roles 403,
other people's claims 404. Every answer is checked against the OpenAPI document."""

import pytest
from django.utils import timezone

from gti.monitoring import money
from gti.monitoring.models import Claim, ClaimLine, Payment
from tests.api.test_proposals_api import Api
from tests.monitoring.test_claims import CLAIM_1, VERDICTS_1, grant, submitted  # noqa: F401
from tests.monitoring.test_grants import call  # noqa: F401 (fixture)

pytestmark = pytest.mark.usefixtures("loaded")
TODAY = timezone.localdate().isoformat()


@pytest.fixture
def spec(client):
    return client.get("/api/v1/openapi.json").json()


def test_a_claim_from_declaration_to_payment_application(grant, spec):  # noqa: F811
    ref = grant.proposal.reference
    beneficiary = Api("applicant_gent", spec)
    claim = beneficiary("post", f"/api/v1/grants/{ref}/claims", status=201)
    assert (claim["number"], claim["state"], claim["lines"]) == (1, "draft", [])
    claim = beneficiary("put", f"/api/v1/claims/{claim['id']}/lines", {"lines": CLAIM_1})
    assert [line["declared"] for line in claim["lines"]] == [None] * 4
    claim = beneficiary("post", f"/api/v1/claims/{claim['id']}/submit")
    assert claim["state"] == "submitted" and claim["declared"] == "57000.00"
    assert claim["lines"][2]["declared"] == "10000.00"  # 200 h × 50.00

    authority, second = Api("managing_authority", spec), Api("managing_authority_2", spec)
    sample = authority("post", f"/api/v1/claims/{claim['id']}/sample", {"size": 2, "seed": 7})
    assert sample["method"] == "monetary-unit" and sample["seed"] == 7 and len(sample["lines"]) == 2
    done = authority("post", f"/api/v1/claims/{claim['id']}/verification",
                     {"verdicts": VERDICTS_1})  # fmt: skip
    assert done["state"] == "verified" and done["erdf_payable"] == "21600.00"
    assert [line["on_the_spot"] for line in done["lines"]].count(True) == 2
    authority("post", f"/api/v1/claims/{claim['id']}/payment", {"paid_on": TODAY}, 409)
    paid = second("post", f"/api/v1/claims/{claim['id']}/payment", {"paid_on": TODAY})
    assert (paid["state"], paid["paid"], paid["paid_on"]) == ("paid", "21600.00", TODAY)
    second("post", f"/api/v1/claims/{claim['id']}/payment", {"paid_on": TODAY}, 409)
    assert Payment.objects.count() == 1

    priority = grant.proposal.specific_objective.priority.code
    year = money.accounting_year(timezone.localdate())
    application = authority("post", "/api/v1/payment-applications",
                            {"city": "gent", "priority": priority, "accounting_year": year},
                            201)  # fmt: skip
    assert application["erdf"] == "21600.00" and application["claims"] == [f"{ref} #1"]
    second("post", f"/api/v1/payment-applications/{application['id']}/submit",
           {"submitted_on": TODAY})  # fmt: skip
    listed = Api("auditor", spec)("get", "/api/v1/payment-applications")
    assert [(a["state"], a["erdf"]) for a in listed["items"]] == [("submitted", "21600.00")]
    Api("secretariat_gent", spec)("get", "/api/v1/payment-applications", status=403)


@pytest.mark.parametrize(
    "body, field",
    [
        ({"lines": [{**CLAIM_1[0], "amount": "12.345"}]}, "lines[0].amount"),
        ({"lines": [{**CLAIM_1[0], "date": "2026-02-30"}]}, "lines[0].date"),
        ({"lines": [{**CLAIM_1[0], "cost_option": "barter"}]}, "lines[0].cost_option"),
        ({"lines": [{**CLAIM_1[0], "extra": 1}]}, "lines[0].extra"),
        ({"lines": "all of them"}, "lines"),
        ({}, "lines"),
    ],
)
def test_a_wrong_shape_is_named_and_changes_nothing(grant, spec, body, field):  # noqa: F811
    beneficiary = Api("applicant_gent", spec)
    claim = beneficiary("post", f"/api/v1/grants/{grant.proposal.reference}/claims", status=201)
    beneficiary("put", f"/api/v1/claims/{claim['id']}/lines", {"lines": CLAIM_1[:1]})
    errors = beneficiary("put", f"/api/v1/claims/{claim['id']}/lines", body, 422)["errors"]
    assert field in errors
    assert ClaimLine.objects.filter(claim_id=claim["id"]).count() == 1


def test_who_sees_and_does_what(grant, spec):  # noqa: F811
    claim = submitted(grant)
    path = f"/api/v1/claims/{claim.pk}"
    for name in ("applicant_gent", "secretariat_gent", "steering_gent", "managing_authority",
                 "auditor"):  # fmt: skip
        assert Api(name, spec)("get", path)["number"] == 1
    for name in ("applicant_gent_2", "applicant_antwerpen", "secretariat_antwerpen"):
        Api(name, spec)("get", path, status=404)
    verdicts = {"verdicts": VERDICTS_1}
    Api("secretariat_gent", spec)("post", f"{path}/verification", verdicts, 403)
    Api("applicant_gent", spec)("post", f"{path}/verification", verdicts, 403)
    Api("secretariat_antwerpen", spec)("post", f"{path}/verification", verdicts, 404)
    assert Claim.objects.get(pk=claim.pk).state == Claim.State.SUBMITTED
    errors = Api("managing_authority", spec)(
        "post", f"{path}/verification", {"verdicts": [{"line": 1, "outcome": "accept"}]}, 422
    )["errors"]
    assert errors == {f"lines[{n}]": ["no verdict"] for n in (1, 2, 3)}
