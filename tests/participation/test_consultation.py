"""The public consultation on a call: the city sets its dates and prints letter codes; residents
identify themselves by an e-mail link or a letter code (no account, no address kept), support
once per proposal and comment under a pseudonym; the city's secretariat hides a comment with a
reason; the experts and the steering committee read it as input, never as a score."""

import datetime
import re

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from gti.accounts.models import AuditEvent
from gti.errors import Invalid, Refused
from gti.participation import services
from gti.participation.models import (
    Comment,
    Consultation,
    EmailVerification,
    LetterCode,
    Resident,
    Support,
)
from tests.factories import draft, in_assessment, open_call, person, submitted

pytestmark = pytest.mark.usefixtures("loaded")

EMAIL = "Lien.DeSmet@example.be"


def dates(**days):
    now = timezone.now()
    return {
        "opens_at": now - datetime.timedelta(days=days.get("opened", 1)),
        "closes_at": now + datetime.timedelta(days=days.get("closes", 14)),
    }


def consulted(call=None):
    """An open consultation on a Ghent call with one submitted proposal."""
    call = call or open_call()
    proposal = submitted(call)
    consultation = services.set_consultation(call, dates(), by=person("secretariat_gent"))
    return consultation, proposal


def everything():
    return (
        Consultation.objects.count(),
        Resident.objects.count(),
        Support.objects.count(),
        Comment.objects.filter(hidden_at__isnull=True).count(),
        LetterCode.objects.filter(used_at__isnull=False).count(),
        AuditEvent.objects.count(),
    )


def link_token(message) -> str:
    return re.search(r"/verify/([^/\s]+)/", message.body).group(1)


# --- the city sets the consultation ----------------------------------------------------------


def test_the_secretariat_and_the_managing_authority_set_the_dates_with_an_audit_event():
    call = open_call()
    consultation = services.set_consultation(call, dates(), by=person("secretariat_gent"))
    assert services.is_open(consultation)
    services.set_consultation(call, dates(closes=2), by=person("managing_authority"), reason="Kort")
    event = AuditEvent.objects.filter(action="participation.consultation.set").last()
    assert event.reason == "Kort" and event.before and event.city == "gent"


def test_refused_dates_and_people_change_nothing():
    call = open_call()
    antwerp, steering = person("secretariat_antwerpen"), person("steering_gent")
    before = everything()
    with pytest.raises(Invalid) as refused:
        services.set_consultation(call, dates(opened=-3, closes=1), by=person("secretariat_gent"))
    assert "closes_at" in refused.value.errors
    with pytest.raises(Invalid) as refused:
        services.set_consultation(call, {"opens_at": "morgen"}, by=person("secretariat_gent"))
    assert {"opens_at", "closes_at"} <= set(refused.value.errors)
    for who in (antwerp, steering):
        with pytest.raises(PermissionDenied):
            services.set_consultation(call, dates(), by=who)
    assert everything() == before


# --- identification: e-mail link, letter code ------------------------------------------------


def test_an_e_mail_link_identifies_a_resident_and_the_address_is_kept_nowhere(client):
    consultation, proposal = consulted()
    url = f"/en/consultations/{consultation.call.reference}/"
    response = client.post(url + "e-mail/", {"email": EMAIL})
    assert response.status_code == 302 and len(mail.outbox) == 1
    assert mail.outbox[0].to == [EMAIL.lower()]
    token = link_token(mail.outbox[0])
    # The link asks for a confirmation first: a mail scanner opening it uses nothing.
    assert client.get(url + f"verify/{token}/").status_code == 200
    assert not Resident.objects.exists()
    assert client.post(url + f"verify/{token}/").status_code == 302
    resident = Resident.objects.get()
    assert resident.via == "email" and len(resident.pseudonym) == 6
    page = client.get(url).content.decode()
    assert f"Resident {resident.pseudonym}" in page and "Support " + proposal.reference in page
    # Nothing in the database holds the address, in any case.
    stored = [
        str(v)
        for model in (Resident, EmailVerification, AuditEvent)
        for row in model.objects.values()
        for v in row.values()
    ]
    assert not [v for v in stored if "desmet" in v.lower()]
    # The link works once.
    client.post(url + f"verify/{token}/")
    with pytest.raises(Invalid) as refused:
        services.verify_email(consultation, token)
    assert "token" in refused.value.errors


def test_the_same_address_is_the_same_voice():
    consultation, _proposal = consulted()
    residents = []
    for typed in (EMAIL, "  lien.desmet@EXAMPLE.be "):
        services.send_email_link(consultation, typed, link=lambda t: f"https://x/verify/{t}/")
        residents.append(services.verify_email(consultation, link_token(mail.outbox[-1])))
    assert residents[0] == residents[1] and Resident.objects.count() == 1


def test_a_bad_address_is_named_and_nothing_is_sent(client):
    consultation, _proposal = consulted()
    before = everything()
    response = client.post(f"/en/consultations/{consultation.call.reference}/e-mail/",
                           {"email": "geen-adres"})  # fmt: skip
    assert response.status_code == 400 and "email" in response.context["email_form"].errors
    assert mail.outbox == [] and everything() == before


def test_letter_codes_are_kept_as_hashes_and_work_once(client):
    consultation, _proposal = consulted()
    codes = services.make_letter_codes(consultation, 3, by=person("secretariat_gent"))
    assert len(set(codes)) == 3 and all(len(c) == 14 for c in codes)
    stored = set(LetterCode.objects.values_list("code_hash", flat=True))
    assert not {c.replace("-", "") for c in codes} & stored
    url = f"/en/consultations/{consultation.call.reference}/code/"
    assert client.post(url, {"code": codes[0].lower().replace("-", " ")}).status_code == 302
    assert Resident.objects.get().via == "letter"
    before = everything()
    again = client.post(url, {"code": codes[0]})
    assert again.status_code == 400 and "code" in again.context["code_form"].errors
    assert client.post(url, {"code": "ABCD-EFGH-JKLM"}).status_code == 400
    assert everything() == before
    with pytest.raises(Invalid):
        services.make_letter_codes(consultation, 0, by=person("secretariat_gent"))
    with pytest.raises(PermissionDenied):
        services.make_letter_codes(consultation, 2, by=person("secretariat_antwerpen"))


def test_the_codes_page_prints_each_code_once(client):
    consultation, _proposal = consulted()
    client.force_login(person("secretariat_gent"))
    url = f"/en/calls/{consultation.call.reference}/consultation/codes/"
    page = client.post(url, {"count": "2"})
    assert page.status_code == 200 and len(page.context["codes"]) == 2
    assert page["Cache-Control"] == "no-store" and LetterCode.objects.count() == 2
    assert client.post(url, {"count": "0"}).status_code == 302
    assert LetterCode.objects.count() == 2


# --- one voice: support and comment ------------------------------------------------------------


def resident(consultation):
    code = services.make_letter_codes(consultation, 1, by=person("secretariat_gent"))[0]
    return services.redeem_letter_code(consultation, code)


def test_one_support_per_proposal_per_resident():
    consultation, proposal = consulted()
    lien, jan = resident(consultation), resident(consultation)
    services.support(lien, proposal)
    before = everything()
    with pytest.raises(Refused):
        services.support(lien, proposal)
    assert everything() == before
    services.support(jan, proposal)
    assert services.consulted_proposals(proposal.call).get().support_count == 2


def test_only_the_consulted_proposals_of_an_open_consultation(client):
    consultation, proposal = consulted()
    other_call = open_call(title="Andere oproep")
    elsewhere, own_draft = submitted(other_call), draft(consultation.call, title="Nog niet")
    someone = resident(consultation)
    spare = services.make_letter_codes(consultation, 1, by=person("secretariat_gent"))[0]
    before = everything()
    for target in (elsewhere, own_draft):
        with pytest.raises(Refused):
            services.support(someone, target)
        with pytest.raises(Refused):
            services.comment(someone, target, {"text": "Goed idee"})
    page = client.get(f"/en/consultations/{consultation.call.reference}/").content.decode()
    assert proposal.title in page and own_draft.title not in page
    Consultation.objects.filter(pk=consultation.pk).update(**dates(opened=10, closes=-1))
    consultation.refresh_from_db()
    with pytest.raises(Refused):
        services.support(someone, proposal)
    with pytest.raises(Refused):
        services.redeem_letter_code(consultation, spare)
    assert everything() == before


def test_comments_show_a_pseudonym_and_a_bad_comment_is_named(client):
    consultation, proposal = consulted()
    someone = resident(consultation)
    before = everything()
    with pytest.raises(Invalid) as refused:
        services.comment(someone, proposal, {"text": "   "})
    assert "text" in refused.value.errors and everything() == before
    services.comment(someone, proposal, {"text": "Graag ook een speeltuin."})
    page = client.get(f"/en/consultations/{consultation.call.reference}/").content.decode()
    assert "Graag ook een speeltuin." in page and f"Resident {someone.pseudonym}" in page


def test_acting_without_identification_is_not_possible(client):
    consultation, proposal = consulted()
    base = f"/en/consultations/{consultation.call.reference}/{proposal.reference}/"
    before = everything()
    assert client.post(base + "support/").status_code == 404
    assert client.post(base + "comment/", {"text": "Hallo"}).status_code == 404
    assert everything() == before


def test_the_public_posts_are_rate_limited(client, settings):
    settings.GTI_CONSULTATION_RATE = "2/min"
    consultation, _proposal = consulted()
    url = f"/en/consultations/{consultation.call.reference}/code/"
    statuses = [client.post(url, {"code": "ABCD-EFGH-JKLM"}).status_code for _ in range(3)]
    assert statuses == [400, 400, 429]


# --- moderation ------------------------------------------------------------------------------


def test_the_secretariat_hides_a_comment_gone_from_public_kept_in_the_audit_trail(client):
    consultation, proposal = consulted()
    said = services.comment(resident(consultation), proposal, {"text": "Scheldwoorden hier"})
    antwerp = person("secretariat_antwerpen")
    before = everything()
    with pytest.raises(PermissionDenied):
        services.hide_comment(said, by=antwerp, reason="x")
    with pytest.raises(Invalid) as refused:
        services.hide_comment(said, by=person("secretariat_gent"), reason=" ")
    assert "reason" in refused.value.errors and everything() == before
    client.force_login(antwerp)
    assert client.post(f"/en/consultation/comments/{said.pk}/hide/",
                       {"reason": "x"}).status_code == 404  # fmt: skip
    client.force_login(person("steering_gent"))
    assert client.get(f"/en/consultation/comments/{said.pk}/hide/").status_code == 403
    assert everything()[:-1] == before[:-1]  # signing in is audited, hiding did not happen
    assert not AuditEvent.objects.filter(action="participation.comment.hidden").exists()
    client.force_login(person("secretariat_gent"))
    response = client.post(f"/en/consultation/comments/{said.pk}/hide/", {"reason": "Beledigend"})
    assert response.status_code == 302
    event = AuditEvent.objects.get(action="participation.comment.hidden")
    assert event.before["text"] == "Scheldwoorden hier" and event.reason == "Beledigend"
    assert event.actor_name == "secretariat_gent"
    client.logout()
    page = client.get(f"/en/consultations/{consultation.call.reference}/").content.decode()
    assert "Scheldwoorden hier" not in page
    assert services.residents_input(proposal)["comments"] == []


# --- the experts and the steering committee read it, never as a score -------------------------


def test_experts_read_residents_input_on_the_proposal_page_not_in_the_score_form(client):
    from gti.proposals.services import declare_no_conflict

    call = open_call()
    proposal = in_assessment(call)
    services.set_consultation(call, dates(), by=person("secretariat_gent"))
    Consultation.objects.filter(call=call).update(**dates())
    # In assessment: no longer consulted; the support given before counts.
    Support.objects.create(resident=resident_for(call), proposal=proposal)
    Comment.objects.create(resident=resident_for(call), proposal=proposal, text="Dringend nodig")
    declare_no_conflict(proposal.assignments.get(assessor__username="assessor_gent"),
                        by=person("assessor_gent"))  # fmt: skip
    for who in ("assessor_gent", "steering_gent", "secretariat_gent"):
        client.force_login(person(who))
        page = client.get(f"/en/proposals/{proposal.reference}/").content.decode()
        assert "input, not a score" in page and "Dringend nodig" in page, who
    client.force_login(person("assessor_gent"))
    scoring = client.get(f"/en/proposals/{proposal.reference}/assessment/").content.decode()
    assert "Dringend nodig" not in scoring and "Residents" not in scoring


def resident_for(call):
    consultation = Consultation.objects.get(call=call)
    return Resident.objects.create(
        consultation=consultation, key=f"k{Resident.objects.count()}", via="letter",
        pseudonym=f"P{Resident.objects.count()}",
    )  # fmt: skip


def test_no_page_shows_an_e_mail_address_of_a_resident(client):
    consultation, proposal = consulted()
    services.send_email_link(consultation, EMAIL, link=lambda t: f"https://x/verify/{t}/")
    someone = services.verify_email(consultation, link_token(mail.outbox[-1]))
    services.comment(someone, proposal, {"text": "Mooi plan"})
    services.support(someone, proposal)
    pages = [f"/en/consultations/{consultation.call.reference}/",
             f"/en/calls/{consultation.call.reference}/consultation/",
             f"/en/proposals/{proposal.reference}/"]  # fmt: skip
    client.force_login(person("secretariat_gent"))
    texts = [client.get(p).content.decode().lower() for p in pages]
    assert all(p.count("mooi plan") for p in texts)
    assert not [t for t in texts if "desmet" in t]
