"""Every kind of message: who receives it (and who does not), in which language, which link."""

import datetime
import re

import pytest
from django.core import mail
from django.utils import timezone

from gti.accounts.models import AuditEvent
from gti.notifications.models import Kind, Mail
from gti.proposals import services
from tests.factories import (
    PASS_ALL,
    admissible,
    draft,
    efro_call,
    in_assessment,
    person,
    submitted,
)
from tests.notifications.helpers import inbox, set_language

pytestmark = pytest.mark.usefixtures("loaded")
SITE = "https://gti.example.org"


def test_the_receipt_carries_the_fingerprint_and_the_city_team_hears_of_it(
    django_capture_on_commit_callbacks,
):
    for name in ("secretariat_gent", "secretariat_antwerpen", "applicant_gent_2", "auditor"):
        person(name)
    set_language("applicant_gent", "en")
    proposal = draft()
    with django_capture_on_commit_callbacks(execute=True):
        proposal = services.submit_proposal(proposal, by=person("applicant_gent"))
    event = AuditEvent.objects.get(action="proposals.proposal.submitted")
    fingerprint = event.after["content_hash"]
    assert re.fullmatch(r"[0-9a-f]{64}", fingerprint)
    assert fingerprint == services.content_hash(proposal)  # what was submitted, recomputable

    receipts = inbox(Kind.RECEIPT)
    assert set(receipts) == {"applicant_gent"}  # the submitter, who acted, gets the receipt
    receipt = receipts["applicant_gent"]
    assert proposal.reference in receipt.subject and fingerprint in receipt.body
    assert receipt.link == f"{SITE}/en/proposals/{proposal.reference}/"  # English: /en/
    assert receipt.event == event

    # The city-led call: Ghent's secretariat checks admissibility; Antwerp's hears nothing.
    told = inbox(Kind.SUBMITTED)
    assert set(told) == {"secretariat_gent"}
    assert told["secretariat_gent"].link == f"{SITE}/proposals/{proposal.reference}/"  # Dutch

    # The receipt went out by e-mail at once, after the commit.
    sent = [m for m in mail.outbox if m.to == ["applicant_gent@example.org"]]
    assert len(sent) == 1 and fingerprint in sent[0].body and receipt.link in sent[0].body
    receipt.refresh_from_db()
    assert (receipt.mail, receipt.attempts) == (Mail.SENT, 1)


def test_returned_for_correction_with_the_reasons_and_the_date(django_capture_on_commit_callbacks):
    proposal = submitted()
    person("secretariat_antwerpen")
    with django_capture_on_commit_callbacks(execute=True):
        services.return_for_correction(
            proposal, by=person("secretariat_gent"), reason="Voeg de offertes toe."
        )
    returned = inbox(Kind.RETURNED)
    assert set(returned) == {"applicant_gent"}  # not the secretariat who returned it
    message = returned["applicant_gent"]
    due = timezone.localdate() + datetime.timedelta(days=14)  # the procedure's correction days
    assert "Voeg de offertes toe." in message.body and due.isoformat() in message.body
    assert message.link == f"{SITE}/proposals/{proposal.reference}/"
    assert [m.subject for m in mail.outbox if m.to == ["applicant_gent@example.org"]][-1] == (
        message.subject
    )


def test_admissible_and_not_admissible_reach_the_applicant_only():
    proposal = admissible()
    assert set(inbox(Kind.ADMISSIBILITY)) == {"applicant_gent"}
    assert "is ontvankelijk" in inbox(Kind.ADMISSIBILITY)["applicant_gent"].subject

    other = submitted(title="Tweede voorstel")
    secretariat = person("secretariat_gent")
    other = services.start_screening(other, by=secretariat)
    failing = PASS_ALL | {"legal-personality": ("fail", "Buurtwerk heeft geen rechtspersoon.")}
    services.screen_proposal(other, by=secretariat, checklist=failing)
    message = inbox(Kind.ADMISSIBILITY)["applicant_gent"]
    assert "niet ontvankelijk" in message.subject and other.reference in message.subject
    assert "Buurtwerk heeft geen rechtspersoon." in message.body
    assert proposal.reference not in message.subject


def test_assigned_experts_are_told_and_no_one_else():
    for name in ("assessor_gent_3", "assessor_antwerpen", "expert"):
        person(name)
    set_language("assessor_gent_2", "en")
    proposal = in_assessment()
    assigned = inbox(Kind.ASSIGNED)
    assert set(assigned) == {"assessor_gent", "assessor_gent_2"}
    ref = proposal.reference
    assert assigned["assessor_gent"].link == f"{SITE}/proposals/{ref}/assessment/"
    assert assigned["assessor_gent_2"].link == f"{SITE}/en/proposals/{ref}/assessment/"


def test_validation_round_waits_for_the_city_s_steering_committee_and_the_decision_follows():
    from tests.monitoring.test_grants import approved, envelopes

    everyone = ("steering_gent", "steering_antwerpen", "steering_antwerpen_2",
                "steering_antwerpen_3", "secretariat_gent", "managing_authority_2")  # fmt: skip
    for name in everyone:  # the members exist before the rounds are opened
        person(name)
    envelopes("antwerpen")
    envelopes("gent")
    set_language("applicant_antwerpen", "nl")
    proposal = approved(efro_call(), "antwerpen")
    rounds = inbox(Kind.ROUND)
    # The validation round of Antwerp: its steering committee (all three), never Ghent's.
    assert set(rounds) == {"steering_antwerpen", "steering_antwerpen_2", "steering_antwerpen_3",
                           "managing_authority_2"}  # fmt: skip
    validation = rounds["steering_antwerpen"]
    # Each reads the round's purpose in their own language (Dutch unless they chose English).
    assert "strategische validering" in validation.subject
    assert validation.link.startswith(f"{SITE}/rounds/")
    # The decision round: the managing authority's other member (who prepared it knows).
    assert "beslissing" in rounds["managing_authority_2"].subject
    decision = inbox(Kind.DECISION)
    assert set(decision) == {"applicant_antwerpen"}
    message = decision["applicant_antwerpen"]
    assert "goedgekeurd" in message.subject  # the state in the recipient's language (Dutch)
    assert message.link == f"{SITE}/proposals/{proposal.reference}/"


def test_progress_report_returned_and_accepted_reach_the_beneficiary():
    from gti.monitoring import reports
    from tests.monitoring.test_reports import CONTENT, make_grant

    grant = make_grant()
    beneficiary, authority = person("applicant_gent"), person("managing_authority")
    person("secretariat_gent")
    report = reports.start_report(grant, by=beneficiary)
    reports.save_report(report, by=beneficiary, **CONTENT)
    reports.submit_report(report, by=beneficiary)
    reports.review_report(report, by=authority, outcome="return", remarks="Oppervlakte per zone.")
    returned = inbox(Kind.REPORT)
    assert set(returned) == {"applicant_gent"}
    assert "teruggestuurd" in returned["applicant_gent"].subject
    assert "Oppervlakte per zone." in returned["applicant_gent"].body
    assert returned["applicant_gent"].link == f"{SITE}/monitoring/reports/{report.pk}/"
    reports.submit_report(report, by=beneficiary)
    reports.review_report(report, by=person("managing_authority_2"), outcome="accept")
    assert "aanvaard" in inbox(Kind.REPORT)["applicant_gent"].subject


def test_claim_verified_and_payment_made_reach_the_beneficiary(call):  # noqa: F811
    from gti.monitoring import claims
    from gti.monitoring import services as grants
    from tests.monitoring.test_claims import LINES, approved, verified

    proposal = approved(call, total=160_000, erdf=60_000, budget_lines=LINES)
    grant = grants.open_grant(proposal, by=person("managing_authority"))
    grants.approve_version(grant.versions.get(), by=person("managing_authority_2"),
                           in_force_from=timezone.localdate())  # fmt: skip
    set_language("applicant_gent", "en")
    claim = verified(grant)
    assert set(inbox(Kind.CLAIM)) == {"applicant_gent"}
    assert inbox(Kind.CLAIM)["applicant_gent"].link == f"{SITE}/en/monitoring/claims/{claim.pk}/"
    claims.pay_claim(claim, by=person("managing_authority_2"), paid_on=timezone.localdate())
    paid = inbox(Kind.PAYMENT)
    assert set(paid) == {"applicant_gent"}
    assert str(claim.erdf_payable) in paid["applicant_gent"].body


from tests.monitoring.test_grants import call  # noqa: E402, F401 (fixture)
