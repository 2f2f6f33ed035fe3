"""The decision document (CPR art. 73(3)) and the reasoned letters: figures, PDF, who sees them."""

import datetime
import re
import zlib
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import translation

from gti.portfolio import services as portfolio
from gti.proposals import documents, services
from gti.proposals.models import Proposal
from gti.strategy.models import City, Priority, Programme
from tests.factories import (
    PASS_ALL,
    in_assessment,
    open_call,
    person,
    proposal_data,
    score_all,
    submitted,
)

pytestmark = pytest.mark.django_db

# The worked example: a proposal of EUR 150,000 asks EUR 60,000 ERDF (40%); the steering
# committee grants EUR 47,333.33 and the city adds what the ERDF no longer pays.
GRANTED = Decimal("47333.33")
REVISED = [
    {"source": "city", "amount": "82666.67"},
    {"source": "flemish_government", "amount": "20000.00"},
]


def pdf_pages(content: bytes) -> int:
    """Pages of a PDF: its page objects, also those inside compressed object streams."""
    parts = [content]
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", content, re.S):
        try:
            parts.append(zlib.decompress(stream))
        except zlib.error:
            continue
    return sum(len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", p)) for p in parts)


def client_of(name: str) -> Client:
    client = Client()
    client.force_login(person(name))
    return client


def decided(outcome="approved", **decision):
    """A Ghent proposal of a city-led call, assessed, then decided by the steering committee in
    a confirmed round signed by two members."""
    call = open_call()
    programme = Programme.objects.current().get()
    for code in ("P1", "P2"):
        portfolio.set_envelope(
            by=person("managing_authority"),
            programme=programme,
            city=City.objects.get(code="gent"),
            priority=Priority.objects.get(programme=programme, code=code),
            amount="1000000",
        )
    proposal = in_assessment(call)
    score_all(proposal, "assessor_gent", 8)
    score_all(proposal, "assessor_gent_2", 8)
    proposal.refresh_from_db()
    meeting = portfolio.open_decision_round(
        call, by=person("secretariat_gent"), date=datetime.date(2026, 6, 15)
    )
    portfolio.set_decision(
        meeting, by=person("secretariat_gent"), proposal=proposal, outcome=outcome, **decision
    )
    signers = ("steering_gent", "steering_gent_2", "steering_gent_3")
    for name in signers:
        portfolio.sign_meeting(meeting, by=person(name), votes={proposal.reference: ("for", "")})
    portfolio.confirm_meeting(meeting, by=person("steering_gent"))
    return Proposal.objects.get(pk=proposal.pk)


@pytest.fixture
def approved(loaded):
    return decided(amount=GRANTED, co_financing=REVISED)


def test_rate_is_a_decimal_to_two_places_of_a_percent():
    assert documents.grant_rate(Decimal("47333.33"), Decimal("150000.00")) == Decimal("31.56")
    assert documents.grant_rate(Decimal("120000"), Decimal("312500")) == Decimal("38.40")
    assert documents.grant_rate(Decimal("1"), Decimal("0")) is None


def test_decision_states_the_lower_amount_its_rate_and_the_revised_plan(approved):
    doc = documents.decision_document(approved)
    assert approved.state == "approved"
    assert doc["granted"] == GRANTED and doc["requested"] == Decimal("60000.00")
    assert doc["lowered"] is True
    assert doc["total_cost"] == Decimal("150000.00")
    assert doc["rate"] == Decimal("31.56") and doc["rate_base"] == "eligible"
    assert [(c["amount"]) for c in doc["financing"]] == [Decimal("82666.67"), Decimal("20000.00")]
    assert doc["financing_total"] == doc["total_cost"]
    assert doc["objective"].code == "SD 2.4" and doc["priority"].code == "P2"
    assert doc["eligible_from"] == datetime.date(2026, 1, 1)
    assert doc["eligible_until"] == datetime.date(2027, 12, 31)
    assert [t.indicator.code for t in doc["targets"]] == ["RCO26"]
    assert doc["decision"].date == datetime.date(2026, 6, 15)
    assert len(doc["decision"].signers) == 3


def test_decision_page_shows_figures_signers_and_complaint_route(approved):
    response = client_of("applicant_gent").get(f"/en/proposals/{approved.reference}/decision/")
    assert response.status_code == 200
    text = re.sub(r"\s+", " ", response.content.decode())
    for expected in (
        "EUR 47,333.33",
        "31.56% of the eligible cost",
        "EUR 82,666.67",
        "Financing plan as decided (revised for the lower amount)",
        "steering_gent_2",
        "art. 73(3)",
        "art. 50",
        "art. 65",
        "within 30 calendar days",
        "document.css",
    ):
        assert expected in text, expected


def test_decision_pdf_is_a_real_pdf(approved):
    response = client_of("secretariat_gent").get(f"/proposals/{approved.reference}/decision.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert pdf_pages(response.content) >= 1


def test_another_citys_people_get_404(approved):
    for name in ("secretariat_antwerpen", "applicant_antwerpen", "applicant_gent_2"):
        client = client_of(name)
        for address in ("decision/", "decision.pdf", "letter/"):
            response = client.get(f"/proposals/{approved.reference}/{address}")
            assert response.status_code == 404, (name, address)


def test_an_approved_proposal_has_no_refusal_letter_and_a_draft_no_document(approved):
    client = client_of("applicant_gent")
    assert client.get(f"/proposals/{approved.reference}/letter/").status_code == 404
    draft = services.save_proposal(
        approved.call, proposal_data(title="Nog een ontwerp"), by=person("applicant_gent")
    )
    assert client.get(f"/proposals/{draft.reference}/decision/").status_code == 404


def test_complaint_route_comes_from_the_programme_file(approved):
    programme = approved.call.programme
    with translation.override("nl"):
        assert documents.complaint_route(programme).startswith("U kunt tegen deze beslissing")
    programme.source = {**programme.source, "complaints": None}
    with translation.override("en"):
        assert "managing authority" in documents.complaint_route(programme)


def test_rejection_letter_gives_the_reasons(loaded):
    proposal = decided(outcome="rejected", reason="Te weinig bijdrage aan de indicatoren.")
    response = client_of("applicant_gent").get(f"/en/proposals/{proposal.reference}/letter/")
    assert response.status_code == 200
    text = response.content.decode()
    assert "Te weinig bijdrage aan de indicatoren." in text
    assert "decided not to approve" in text
    assert "How to file a complaint" in text
    pdf = client_of("applicant_gent").get(f"/proposals/{proposal.reference}/letter.pdf")
    assert pdf.content.startswith(b"%PDF")


def test_inadmissibility_letter_lists_every_failed_item(loaded):
    proposal = submitted()
    secretariat = person("secretariat_gent")
    proposal = services.start_screening(proposal, by=secretariat)
    checklist = PASS_ALL | {
        "legal-personality": ("fail", "Partner X heeft geen rechtspersoonlijkheid."),
        "not-completed": ("fail", "De werken waren al opgeleverd in 2025."),
    }
    proposal = services.screen_proposal(proposal, by=secretariat, checklist=checklist)
    assert proposal.state == "inadmissible"
    response = client_of("applicant_gent").get(f"/en/proposals/{proposal.reference}/letter/")
    assert response.status_code == 200
    text = response.content.decode()
    assert "All partners have legal personality." in text
    assert "Partner X heeft geen rechtspersoonlijkheid." in text
    assert "physically completed" in text
    assert "De werken waren al opgeleverd in 2025." in text
    assert "How to file a complaint" in text
    assert (
        client_of("applicant_gent").get(f"/proposals/{proposal.reference}/decision/").status_code
        == 404
    )


def test_reserve_letter_gives_the_rank(loaded):
    proposal = decided(outcome="reserve", rank=2)
    assert proposal.state == "reserve"
    text = client_of("applicant_gent").get(f"/en/proposals/{proposal.reference}/decision/")
    text = re.sub(r"\s+", " ", text.content.decode())
    assert "placed your proposal on the reserve list, at rank 2" in text
    assert "How to file a complaint" in text
