"""Personal data: contact details only for the roles that need them; a person can export what
the platform holds about them (GDPR art. 15)."""

import json

import pytest

from tests.factories import in_assessment, person, score_all, submitted

pytestmark = pytest.mark.usefixtures("loaded")
EMAIL = "an.peeters@example.org"


def test_export_holds_the_persons_account_roles_proposals_and_actions(client):
    proposal = submitted()
    client.force_login(person("applicant_gent"))
    response = client.get("/accounts/my-data/")
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    data = json.loads(response.content)
    assert data["account"]["username"] == "applicant_gent"
    assert data["roles"] == [
        {"role": "applicant", "city": "gent", "since": data["roles"][0]["since"]}
    ]
    [mine] = data["proposals"]
    assert mine["reference"] == proposal.reference and mine["contact_email"] == EMAIL
    assert "proposals.proposal.submitted" in {e["action"] for e in data["audit_events_by_you"]}


def test_an_assessor_export_holds_their_scores(client):
    proposal = in_assessment()
    score_all(proposal, "assessor_gent", 7)
    client.force_login(person("assessor_gent"))
    data = json.loads(client.get("/accounts/my-data/").content)
    assert data["assessments"][0]["proposal"] == proposal.reference
    assert set(data["assessments"][0]["scores"].values()) == {7, 3}  # 7/10 and 3/5
    assert data["proposals"] == []


def test_export_needs_login(client):
    assert client.get("/accounts/my-data/").status_code == 302


@pytest.mark.parametrize(
    ("name", "sees_contact"),
    [
        ("applicant_gent", True),
        ("secretariat_gent", True),
        ("managing_authority", True),
        ("auditor", True),
        ("steering_gent", False),
    ],
)
def test_contact_details_on_the_proposal_page(client, name, sees_contact):
    proposal = submitted()
    client.force_login(person(name))
    page = client.get(f"/proposals/{proposal.reference}/").content.decode()
    assert (EMAIL in page) is sees_contact


def test_assessor_does_not_see_contact_details(client):
    proposal = in_assessment()
    score_all(proposal, "assessor_gent", 6)
    client.force_login(person("assessor_gent"))
    page = client.get(f"/proposals/{proposal.reference}/").content.decode()
    assert proposal.title in page and EMAIL not in page


def antwerp_draft():
    from tests.factories import draft, open_call

    return draft(
        open_call("antwerpen"),
        applicant="applicant_antwerpen",
        contact_email="jan.janssens@example.org",
        areas=["borgerhout"],
        justifications={code: "Zo." for code in ("A-1", "A-2", "A-3", "A-4", "A-5")},
        policy_references=["BA2"],
    )


def test_an_account_with_anothers_email_exports_nothing_of_their_proposals(client):
    from gti.accounts.services import create_user
    from gti.strategy.models import City
    from tests.factories import PASSWORD

    proposal = antwerp_draft()
    jan = create_user(
        "jan", password=PASSWORD, role="applicant", city=City.objects.get(code="gent"),
        email="jan.janssens@example.org", by=person("secretariat_gent"),
    )  # fmt: skip
    client.force_login(jan)
    body = client.get("/accounts/my-data/").content.decode()
    data = json.loads(body)
    assert data["proposals"] == []
    assert proposal.reference not in body and proposal.title not in body
    assert data["account"]["email"] == "jan.janssens@example.org"


def test_export_holds_the_names_of_api_tokens_but_never_a_key(client):
    from gti.accounts.services import create_token

    key = create_token(person("applicant_gent"), name="Excel-koppeling")
    client.force_login(person("applicant_gent"))
    body = client.get("/accounts/my-data/").content.decode()
    assert [t["name"] for t in json.loads(body)["api_tokens"]] == ["Excel-koppeling"]
    assert key not in body
