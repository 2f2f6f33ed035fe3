"""Calls and proposals over the API: the whole flow with keys, answers checked against the
OpenAPI schema, refusals with one message per field."""

from decimal import Decimal

import pytest
from django.test import Client
from jsonschema import Draft202012Validator

from gti.accounts.services import create_token
from gti.proposals.models import Proposal
from tests.factories import PASS_ALL, open_call, person, proposal_data

pytestmark = pytest.mark.usefixtures("loaded")


@pytest.fixture
def spec(client):
    return client.get("/api/v1/openapi.json").json()


class Api:
    """A client acting as one person, checking each answer against the schema."""

    def __init__(self, name, spec, language="en"):
        self.client = Client()
        self.headers = {
            "HTTP_AUTHORIZATION": f"Bearer {create_token(person(name))}",
            "HTTP_ACCEPT_LANGUAGE": language,
        }
        self.spec = spec

    def __call__(self, method, path, body=None, status=200):
        kwargs = {"content_type": "application/json"} if body is not None else {}
        args = (path, body) if body is not None else (path,)
        response = getattr(self.client, method)(*args, **kwargs, **self.headers)
        assert response.status_code == status, response.content
        self.check(method, path, status, response.json())
        return response.json()

    def check(self, method, path, status, body):
        template = next(
            p for p in self.spec["paths"]
            if _matches(p, path.split("?")[0]) and method in self.spec["paths"][p]
        )  # fmt: skip
        content = self.spec["paths"][template][method]["responses"].get(str(status))
        if content and "content" in content:
            schema = content["content"]["application/json"]["schema"]
            Draft202012Validator({**schema, "components": self.spec["components"]}).validate(body)


def _matches(template: str, path: str) -> bool:
    a, b = template.split("/"), path.split("/")
    return len(a) == len(b) and all(x == y or x.startswith("{") for x, y in zip(a, b, strict=True))


def test_whole_flow_over_the_api(spec):
    call = open_call()
    applicant, secretariat = Api("applicant_gent", spec), Api("secretariat_gent", spec)
    assessors = [Api("assessor_gent", spec), Api("assessor_gent_2", spec)]

    calls = applicant("get", "/api/v1/calls")["items"]
    assert [c["reference"] for c in calls] == [call.reference] and calls[0]["is_open"]
    created = applicant("post", f"/api/v1/calls/{call.reference}/proposals", proposal_data(), 201)
    ref = created["reference"]
    assert created["state"] == "draft" and created["erdf_requested"] == "60000.00"
    changed = applicant("put", f"/api/v1/proposals/{ref}", proposal_data(title="Wijkpark 2"))
    assert changed["title"] == "Wijkpark 2"
    assert applicant("post", f"/api/v1/proposals/{ref}/submit", {})["state"] == "submitted"

    secretariat("post", f"/api/v1/proposals/{ref}/start-screening", {})
    checklist = {k: {"result": r, "note": n} for k, (r, n) in PASS_ALL.items()}
    screened = secretariat("post", f"/api/v1/proposals/{ref}/screen", {"checklist": checklist})
    assert screened["state"] == "admissible"
    body = {"assessors": ["assessor_gent", "assessor_gent_2"]}
    assert secretariat("post", f"/api/v1/proposals/{ref}/assign", body)["state"] == "in_assessment"

    criteria = applicant("get", f"/api/v1/calls/{call.reference}")["criteria"]
    for api, part in zip(assessors, (Decimal("0.9"), Decimal("0.7")), strict=True):
        declared = api("post", f"/api/v1/proposals/{ref}/declaration", {"conflict": False})
        assert declared == {"reference": ref, "conflict": False, "assignment_active": True}
        scores = {
            c["code"]: {"score": int(c["max_score"] * part), "justification": "Goed onderbouwd"}
            for c in criteria
        }
        result = api("post", f"/api/v1/proposals/{ref}/scores", {"scores": scores})
    # 88 and 68 points (the 5-point criteria give 4 and 3); 44 and 34 in each block
    assert result["state"] == "assessed" and result["consolidated_score"] == "78.00"
    assert result["block_scores"] == {"strategic": "39.00", "operational": "39.00"}
    assert result["meets_minimums"] is True

    listed = secretariat("get", "/api/v1/proposals?state=assessed&city=gent")
    assert [p["reference"] for p in listed["items"]] == [ref] and listed["count"] == 1


def test_refused_input_answers_422_with_one_message_per_field(spec):
    call = open_call()
    applicant = Api("applicant_gent", spec)
    body = proposal_data(erdf_rate="0.50", areas=["borgerhout"], end_date="2025-01-01")
    errors = applicant("post", f"/api/v1/calls/{call.reference}/proposals", body, 422)["errors"]
    assert errors == {
        "erdf_rate": ["50% is above the programme maximum of 40%"],
        "erdf_requested": [
            "60000.00 does not match the rate: 50% of the eligible cost 150000.00 is 75000.00"
        ],
        "areas[0]": ["borgerhout is not an area of this city's GTI territory"],
        "end_date": ["the end comes before the start"],
    }
    dutch = Api("applicant_gent", spec, language="nl")
    errors = dutch("post", f"/api/v1/calls/{call.reference}/proposals", body, 422)["errors"]
    assert errors["erdf_rate"] == ["50% ligt boven het programmamaximum van 40%"]
    malformed = proposal_data(budget_lines=[{"category": "works", "amount": "veel"}])
    errors = applicant("post", f"/api/v1/calls/{call.reference}/proposals", malformed, 422)
    assert list(errors["errors"]) == ["budget_lines[0].amount"]
    assert Proposal.objects.count() == 0


def test_state_conflict_answers_409(spec):
    call = open_call()
    applicant = Api("applicant_gent", spec)
    ref = applicant("post", f"/api/v1/calls/{call.reference}/proposals", proposal_data(), 201)[
        "reference"
    ]
    applicant("post", f"/api/v1/proposals/{ref}/submit", {})
    answer = applicant("post", f"/api/v1/proposals/{ref}/submit", {}, 409)
    assert "submitted" in answer["detail"]


def test_contact_details_only_for_roles_that_need_them(spec):
    call = open_call()
    ref = Api("applicant_gent", spec)(
        "post", f"/api/v1/calls/{call.reference}/proposals", proposal_data(), 201
    )["reference"]
    Api("applicant_gent", spec)("post", f"/api/v1/proposals/{ref}/submit", {})
    assert Api("secretariat_gent", spec)("get", f"/api/v1/proposals/{ref}")["contact_email"]
    seen = Api("steering_gent", spec)("get", f"/api/v1/proposals/{ref}")
    assert seen["contact_email"] is None and seen["contact_name"] == ""


def test_a_wrong_key_is_401(client):
    response = client.get("/api/v1/proposals", HTTP_AUTHORIZATION="Bearer gti_wrong")
    assert response.status_code == 401


def test_partners_and_cost_options_over_the_api(spec):
    call = open_call()
    applicant = Api("applicant_gent", spec)
    url = f"/api/v1/calls/{call.reference}/proposals"
    made = applicant("post", url, proposal_data(), 201)
    assert [p["name"] for p in made["partners"]] == [
        "Stad Gent, Groendienst", "Buurtwerk Ledeberg vzw"
    ]  # fmt: skip
    staff = made["budget_lines"][1]
    assert staff["cost_option"] == "unit_cost" and staff["amount"] == "50000.00"
    assert made["urban_angle"].startswith("Ontharding")
    bad = proposal_data(
        partners=[{"name": "Stad Gent, Groendienst", "enterprise_number": "0207451228",
                   "share": "1"}],
        whole_city=True,
        city_role="partner",
    )  # fmt: skip
    errors = applicant("post", url, bad, 422)["errors"]
    assert set(errors) == {"partners[0].enterprise_number", "areas", "city_role"}
    assert Proposal.objects.count() == 1


def test_a_declared_conflict_answers_nothing_of_the_proposal(spec):
    """Declaring before seeing: with a conflict the answer says only that the assignment ended,
    never the proposal's content."""
    from tests.factories import in_assessment

    proposal = in_assessment()
    api = Api("assessor_gent", spec)
    answer = api("post", f"/api/v1/proposals/{proposal.reference}/declaration",
                 {"conflict": True, "reason": "Bestuurder van de promotor"})  # fmt: skip
    assert answer == {"reference": proposal.reference, "conflict": True,
                      "assignment_active": False}  # fmt: skip
    api("get", f"/api/v1/proposals/{proposal.reference}", status=404)


def test_a_call_time_without_time_zone_is_refused_by_field(spec):
    """`2026-01-01T09:00:00` could be Brussels or UTC: the API asks for the offset (422)."""
    from gti.proposals.models import Call

    body = {"title": "Oproep zonder tijdzone", "city": "gent", "procedure": "city-led",
            "opens_at": "2026-01-05T09:00:00", "closes_at": "2026-03-01T12:00:00+01:00",
            "themes": ["mobiliteit"], "envelopes": {"P2": "100000"}}  # fmt: skip
    answer = Api("secretariat_gent", spec)("post", "/api/v1/calls", body, status=422)
    assert list(answer["errors"]) == ["opens_at"]
    assert not Call.objects.filter(title="Oproep zonder tijdzone").exists()
