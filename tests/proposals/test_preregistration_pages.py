"""The pre-registration pages: the form's errors by field, who sees and advises, opening the
proposal, deadlines in Brussels time."""

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from gti.proposals.models import PreRegistration, PreRegistrationFeedback, Proposal
from tests.factories import PREREGISTRATION, person, preregistration, two_step_call

pytestmark = pytest.mark.usefixtures("loaded")


def client_of(name: str) -> Client:
    client = Client()
    client.force_login(person(name))
    return client


def test_form_sends_a_preregistration_and_shows_errors_by_field():
    closes = datetime.datetime(2099, 1, 15, 11, 0, tzinfo=datetime.UTC)
    call = two_step_call(
        opens_at=timezone.now() - datetime.timedelta(days=1),
        preregistration_closes_at=closes,
        closes_at=closes + datetime.timedelta(days=30),
    )
    applicant = client_of("applicant_gent")
    page = applicant.get(f"/en/calls/{call.reference}/preregister/").content.decode()
    assert "15 January 2099 12:00" in page  # 11:00 UTC is noon in Brussels
    url = f"/en/calls/{call.reference}/preregister/"
    response = applicant.post(url, {**PREREGISTRATION, "title": ""})
    assert set(response.context["form"].errors) == {"title"}  # the form's own check
    response = applicant.post(url, {**PREREGISTRATION, "erdf_requested": "90000.00"})
    assert set(response.context["form"].errors) == {"erdf_requested"}  # the service's rule
    assert not PreRegistration.objects.exists()
    response = applicant.post(f"/en/calls/{call.reference}/preregister/", PREREGISTRATION)
    prereg = PreRegistration.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(
        f"/preregistrations/{prereg.reference}/"
    )
    listing = applicant.get("/en/preregistrations/").content.decode()
    assert prereg.reference in listing and "Pre-register for" in listing


def test_only_applicants_pre_register():
    call = two_step_call()
    response = client_of("secretariat_gent").post(
        f"/calls/{call.reference}/preregister/", PREREGISTRATION
    )
    assert response.status_code == 403
    assert not PreRegistration.objects.exists()


def test_feedback_by_the_managing_authority_then_the_applicant_opens_the_proposal():
    prereg = preregistration()
    url = f"/en/preregistrations/{prereg.reference}/"
    applicant, authority = client_of("applicant_gent"), client_of("managing_authority")
    assert "Give feedback" not in applicant.get(url).content.decode()
    assert (
        applicant.post(url, {"advice": "go", "remarks": "Ik keur mezelf goed."}).status_code == 403
    )
    response = authority.post(url, {"advice": "adjust", "remarks": ""})
    assert "remarks" in response.context["form"].errors
    assert not PreRegistrationFeedback.objects.exists()
    assert "Open the full proposal" not in applicant.get(url).content.decode()

    authority.post(url, {"advice": "adjust", "remarks": "Voeg een partner uit de wijk toe."})
    page = applicant.get(url).content.decode()
    assert "Voeg een partner uit de wijk toe." in page and "Managing authority" in page
    assert "Open the full proposal" in page
    response = applicant.post(f"/en/preregistrations/{prereg.reference}/proposal/")
    proposal = Proposal.objects.get()
    assert response["Location"].endswith(f"/proposals/{proposal.reference}/edit/general/")
    assert proposal.title == prereg.title and proposal.theme.code == "klimaatadaptatie"
    assert proposal.city.code == "gent"


def test_other_people_get_404():
    prereg = preregistration()
    for name in ("applicant_gent_2", "secretariat_antwerpen", "applicant_antwerpen"):
        client = client_of(name)
        assert client.get(f"/preregistrations/{prereg.reference}/").status_code == 404
        response = client.post(f"/preregistrations/{prereg.reference}/proposal/")
        assert response.status_code == 404
    assert (
        client_of("secretariat_gent").get(f"/preregistrations/{prereg.reference}/").status_code
        == 200
    )
    assert not Proposal.objects.exists()


@pytest.mark.parametrize(
    "name, status, advises",
    [
        ("applicant_gent", 200, False),  # the applicant
        ("applicant_gent_2", 404, False),
        ("applicant_antwerpen", 404, False),
        ("secretariat_gent", 200, True),
        ("secretariat_antwerpen", 404, False),
        ("assessor_gent", 404, False),
        ("steering_gent", 404, False),
        ("managing_authority", 200, True),
        ("auditor", 200, False),
        (None, 302, False),  # to the login page
    ],
)
def test_who_sees_and_who_advises(name, status, advises):
    prereg = preregistration()
    client = client_of(name) if name else Client()
    response = client.get(f"/en/preregistrations/{prereg.reference}/")
    assert response.status_code == status
    assert ("Give feedback" in response.content.decode()) is advises
    if not advises:
        response = client.post(
            f"/en/preregistrations/{prereg.reference}/", {"advice": "go", "remarks": "Goed."}
        )
        assert response.status_code in {302, 403, 404}
        assert not PreRegistrationFeedback.objects.exists()
