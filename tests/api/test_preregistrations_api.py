"""Pre-registrations over the API: send, see, advise, open the proposal; refusals by field,
404 outside the caller's view; answers checked against the OpenAPI schema."""

import datetime

import pytest
from django.utils import timezone

from gti.proposals.models import PreRegistration, PreRegistrationFeedback, Proposal
from tests.api.test_proposals_api import Api
from tests.factories import PREREGISTRATION, two_step_call

pytestmark = pytest.mark.usefixtures("loaded")


@pytest.fixture
def spec(client):
    return client.get("/api/v1/openapi.json").json()


def test_preregister_advise_and_open_the_proposal(spec):
    call = two_step_call()
    applicant, authority = Api("applicant_gent", spec), Api("managing_authority", spec)
    city = Api("secretariat_gent", spec)

    sent = applicant(
        "post", f"/api/v1/calls/{call.reference}/preregistrations", PREREGISTRATION, 201
    )
    ref = sent["reference"]
    assert sent["state"] == "submitted" and sent["city"] == "gent" and sent["advice"] == ""
    assert sent["total_cost"] == "150000.00" and sent["theme"] == "klimaatadaptatie"
    listed = applicant("get", "/api/v1/preregistrations")
    assert [p["reference"] for p in listed["items"]] == [ref] and listed["count"] == 1

    city(
        "post",
        f"/api/v1/preregistrations/{ref}/feedback",
        {"advice": "go", "remarks": "Past."},
        201,
    )
    advised = authority(
        "post",
        f"/api/v1/preregistrations/{ref}/feedback",
        {"advice": "adjust", "remarks": "Voeg een partner uit de wijk toe."},
        201,
    )
    assert advised["state"] == "advised" and advised["advice"] == "adjust"
    assert [(f["role"], f["advice"]) for f in advised["feedback"]] == [
        ("secretariat", "go"),
        ("managing_authority", "adjust"),
    ]

    opened = applicant("post", f"/api/v1/preregistrations/{ref}/proposal", None, 201)
    assert opened["title"] == "Wijkpark Ledeberg" and opened["theme"] == "klimaatadaptatie"
    assert opened["state"] == "draft" and opened["city"] == "gent"
    assert applicant("get", f"/api/v1/preregistrations/{ref}")["proposal"] == opened["reference"]


def test_wrong_input_is_422_by_field_and_changes_nothing(spec):
    call = two_step_call()
    applicant = Api("applicant_gent", spec)
    url = f"/api/v1/calls/{call.reference}/preregistrations"
    bad = {**PREREGISTRATION, "total_cost": "veel", "title": "", "colour": "blauw"}
    errors = applicant("post", url, bad, 422)["errors"]
    assert {"total_cost", "title", "colour"} <= set(errors)
    too_much = {**PREREGISTRATION, "erdf_requested": "90000.00", "theme": "havens"}
    errors = applicant("post", url, too_much, 422)["errors"]
    assert set(errors) == {"erdf_requested", "theme"}
    assert not PreRegistration.objects.exists()


def test_feedback_roles_and_views(spec):
    call = two_step_call()
    ref = Api("applicant_gent", spec)(
        "post", f"/api/v1/calls/{call.reference}/preregistrations", PREREGISTRATION, 201
    )["reference"]
    advice = {"advice": "go", "remarks": "Goed idee."}
    # Another city's secretariat and another applicant do not see it at all.
    for name in ("secretariat_antwerpen", "applicant_gent_2"):
        other = Api(name, spec)
        other("get", f"/api/v1/preregistrations/{ref}", status=404)
        other("post", f"/api/v1/preregistrations/{ref}/feedback", advice, 404)
        assert other("get", "/api/v1/preregistrations") == {"items": [], "count": 0}
    # The applicant sees it but may not advise, nor open a proposal before the advice.
    applicant = Api("applicant_gent", spec)
    applicant("post", f"/api/v1/preregistrations/{ref}/feedback", advice, 403)
    applicant("post", f"/api/v1/preregistrations/{ref}/proposal", None, 409)
    errors = Api("managing_authority", spec)(
        "post", f"/api/v1/preregistrations/{ref}/feedback", {"advice": "maybe", "remarks": " "}, 422
    )["errors"]
    assert set(errors) == {"advice", "remarks"}
    assert not PreRegistrationFeedback.objects.exists() and not Proposal.objects.exists()
    assert PreRegistration.objects.get(reference=ref).state == "submitted"


def test_after_the_deadline_nothing_is_sent(spec):
    now = timezone.now()
    call = two_step_call(
        opens_at=now - datetime.timedelta(days=20),
        preregistration_closes_at=now - datetime.timedelta(days=1),
        closes_at=now + datetime.timedelta(days=20),
    )
    url = f"/api/v1/calls/{call.reference}/preregistrations"
    Api("applicant_gent", spec)("post", url, PREREGISTRATION, 409)
    assert not PreRegistration.objects.exists()
