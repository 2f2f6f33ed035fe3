"""Documents on dossiers: content checked, limits, versions, who sees them, required annexes."""

import hashlib

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.test import Client
from django.utils import translation

from gti.accounts.models import AuditEvent
from gti.accounts.services import create_token
from gti.documents import services
from gti.documents.models import Document
from gti.errors import Invalid, Refused
from gti.proposals.models import Proposal
from gti.proposals.services import publish_call, return_for_correction, submit_proposal
from tests.documents.files import PDF, PNG, XLSX, upload
from tests.factories import draft, open_call, person
from tests.monitoring.test_reports import make_grant
from tests.test_role_matrix import draft_call

pytestmark = pytest.mark.usefixtures("loaded")


def stored_files(settings) -> list:
    folder = settings.MEDIA_ROOT / "documents"
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def asked(call, **kinds):
    return services.set_annex_kinds(call, by=person("secretariat_gent"), kinds=kinds)


def annex(proposal, name="offerte.pdf", content=PDF, kind="cost_quote", by="applicant_gent"):
    return services.upload(proposal, by=person(by), kind=kind, file=upload(name, content))


def proposal_asking(**kinds):
    call = open_call()
    asked(call, **kinds)
    return draft(call)


def signed_in(name):
    client = Client()
    if name:
        client.force_login(person(name))
    return client


# --- content and limits -----------------------------------------------------------------------


def test_an_annex_is_stored_with_its_hash_type_and_uploader(settings):
    proposal = proposal_asking(cost_quote="optional")
    document = annex(proposal, name="C:\\stukken\\offerte.pdf")
    assert (document.name, document.kind, document.version) == ("offerte.pdf", "cost_quote", 1)
    assert document.sha256 == hashlib.sha256(PDF).hexdigest()
    assert (document.size, document.content_type) == (len(PDF), "application/pdf")
    assert document.uploaded_by == person("applicant_gent")
    assert document.file.name.startswith("documents/") and "offerte" not in document.file.name
    event = AuditEvent.objects.get(action="documents.document.uploaded")
    assert event.after["sha256"] == document.sha256
    assert (event.object_id, event.city) == (str(proposal.pk), "gent")


def test_a_file_whose_content_is_not_what_its_name_says_is_refused(settings):
    proposal = proposal_asking(cost_quote="optional")
    events = AuditEvent.objects.count()
    with pytest.raises(Invalid) as refused:
        annex(proposal, name="offerte.pdf", content=PNG)
    assert "the content is not a PDF file" in refused.value.errors["file"][0]
    with pytest.raises(Invalid):
        annex(proposal, name="offerte.docx", content=XLSX)
    assert not Document.objects.exists() and stored_files(settings) == []
    assert AuditEvent.objects.count() == events


def test_a_file_over_the_limit_is_refused_and_nothing_is_stored(settings):
    settings.GTI_DOCUMENT_MAX_BYTES = 1024 * 1024
    proposal = proposal_asking(plan="optional")
    big = PDF + b"0" * (1024 * 1024)
    with pytest.raises(Invalid) as refused:
        annex(proposal, name="plan.pdf", content=big, kind="plan")
    assert refused.value.errors["file"] == [
        "plan.pdf is 1.0\xa0MB, larger than the limit of 1.0\xa0MB per file"
    ]
    assert not Document.objects.exists() and stored_files(settings) == []


def test_a_dossier_has_a_limit_in_all(settings):
    settings.GTI_DOSSIER_MAX_BYTES = 2 * len(PDF)
    proposal = proposal_asking(plan="optional")
    annex(proposal, kind="plan")
    annex(proposal, kind="plan")
    with pytest.raises(Invalid, match="would pass its limit"):
        annex(proposal, kind="plan")
    assert Document.objects.count() == 2 and len(stored_files(settings)) == 2


def test_a_kind_the_call_does_not_ask_is_refused(settings):
    proposal = proposal_asking(plan="optional")
    with pytest.raises(Invalid) as refused:
        annex(proposal, kind="permit")
    assert list(refused.value.errors) == ["kind"]
    annex(proposal, kind="other")  # always taken


def test_a_document_belongs_to_exactly_one_dossier():
    proposal = proposal_asking(plan="optional")
    document = annex(proposal, kind="plan")
    document.call = proposal.call
    with pytest.raises(IntegrityError), transaction.atomic():
        document.save()
    assert Document.objects.get().call is None


# --- versions ---------------------------------------------------------------------------------


def test_a_replaced_annex_keeps_the_old_version_and_both_hashes_are_audited(settings):
    proposal = proposal_asking(cost_quote="optional")
    old = annex(proposal, name="offerte.pdf")
    newer = b"%PDF-1.7 offerte v2"
    new = services.upload(proposal, by=person("applicant_gent"),
                          file=upload("offerte-v2.pdf", newer), replaces=old)  # fmt: skip
    assert (new.version, new.replaces, new.kind) == (2, old, "cost_quote")
    assert Document.objects.count() == 2 and len(stored_files(settings)) == 2
    assert list(Document.objects.current()) == [new] and new.history == [old]
    event = AuditEvent.objects.get(action="documents.document.replaced")
    assert event.before["sha256"] == hashlib.sha256(PDF).hexdigest() == old.sha256
    assert event.after["sha256"] == hashlib.sha256(newer).hexdigest() == new.sha256
    client = signed_in("applicant_gent")
    assert b"".join(client.get(f"/documents/{old.pk}/").streaming_content) == PDF
    # The request above made Dutch (the default) the active language: read the refusal in English.
    with translation.override("en"), pytest.raises(Invalid, match="newer version"):
        services.upload(proposal, by=person("applicant_gent"), file=upload(), replaces=old)


# --- removing ---------------------------------------------------------------------------------


def test_a_draft_annex_may_be_removed_but_never_once_submitted(
    settings, django_capture_on_commit_callbacks
):
    proposal = proposal_asking(cost_quote="optional")
    first = annex(proposal)
    with django_capture_on_commit_callbacks(execute=True):
        services.remove(first, by=person("applicant_gent"))
    assert not Document.objects.exists() and stored_files(settings) == []
    kept = annex(proposal)
    submit_proposal(proposal, by=person("applicant_gent"))
    with pytest.raises(Refused):
        services.remove(kept, by=person("applicant_gent"))
    with pytest.raises(Refused):  # a submitted proposal takes no new files either
        annex(proposal)
    # Returned for correction: a draft again, but what was submitted stays.
    return_for_correction(proposal, by=person("secretariat_gent"), reason="Offerte ontbreekt")
    with pytest.raises(Refused):
        services.remove(kept, by=person("applicant_gent"))
    later = annex(Proposal.objects.get(pk=proposal.pk))
    services.remove(later, by=person("applicant_gent"))
    assert list(Document.objects.all()) == [kept]


def test_only_the_applicant_uploads_annexes():
    proposal = proposal_asking(cost_quote="optional")
    for name in ("secretariat_gent", "applicant_gent_2", "managing_authority"):
        with pytest.raises(PermissionDenied):
            annex(proposal, by=name)
    assert not Document.objects.exists()


# --- who sees them ----------------------------------------------------------------------------


def test_a_person_who_may_not_see_the_dossier_gets_404_for_its_files():
    proposal = proposal_asking(cost_quote="optional")
    document = annex(proposal)
    submit_proposal(proposal, by=person("applicant_gent"))
    path = f"/documents/{document.pk}/"
    for name in ("applicant_gent", "secretariat_gent", "managing_authority", "auditor"):
        response = signed_in(name).get(path)
        assert response.status_code == 200, name
        assert b"".join(response.streaming_content) == PDF
        assert response["Content-Type"] == "application/pdf"
    for name in ("secretariat_antwerpen", "steering_antwerpen", "applicant_gent_2",
                 "applicant_antwerpen", "assessor_gent", "expert", None):  # fmt: skip
        assert signed_in(name).get(path).status_code == 404, name
        assert signed_in(name).post(f"/documents/{document.pk}/replace/").status_code in (
            302 if name is None else 404,
        )
    token = create_token(person("secretariat_antwerpen"))
    api = Client().get(f"/api/v1/documents/{document.pk}/file",
                       HTTP_AUTHORIZATION=f"Bearer {token}")  # fmt: skip
    listing = Client().get(f"/api/v1/proposals/{proposal.reference}/documents",
                           HTTP_AUTHORIZATION=f"Bearer {token}")  # fmt: skip
    assert (api.status_code, listing.status_code) == (404, 404)


def test_a_grants_decision_documents_are_read_as_the_grant():
    grant = make_grant()  # Ghent's
    document = services.upload(grant, by=person("managing_authority"), kind="decision",
                               file=upload("besluit.pdf"))  # fmt: skip
    with pytest.raises(PermissionDenied):
        services.upload(grant, by=person("secretariat_antwerpen"), kind="decision",
                        file=upload("besluit.pdf"))  # fmt: skip
    for name in ("managing_authority", "secretariat_gent", "auditor"):
        assert signed_in(name).get(f"/documents/{document.pk}/").status_code == 200, name
    for name in ("secretariat_antwerpen", "steering_antwerpen", "applicant_gent_2", None):
        assert signed_in(name).get(f"/documents/{document.pk}/").status_code == 404, name
    page = signed_in("managing_authority").get(f"/monitoring/grants/{grant.proposal.reference}/")
    assert "besluit.pdf" in page.content.decode()


def test_call_documents_are_public_once_the_call_is_published():
    call = draft_call()
    document = services.upload(call, by=person("secretariat_gent"), kind="call_text",
                               file=upload("oproeptekst.pdf"))  # fmt: skip
    path = f"/documents/{document.pk}/"
    assert signed_in(None).get(path).status_code == 404
    assert signed_in("secretariat_antwerpen").get(path).status_code == 404
    assert signed_in("secretariat_gent").get(path).status_code == 200
    publish_call(call, by=person("secretariat_gent"))
    assert signed_in(None).get(path).status_code == 200
    assert "oproeptekst.pdf" in signed_in(None).get(f"/calls/{call.reference}/").content.decode()


# --- required annexes -------------------------------------------------------------------------


def test_a_missing_required_annex_blocks_submission_naming_it():
    proposal = proposal_asking(permit="required", plan="optional")
    events = AuditEvent.objects.count()
    with pytest.raises(Invalid) as refused:
        submit_proposal(proposal, by=person("applicant_gent"))
    assert refused.value.errors == {"annexes": ["required annex missing: permit"]}
    assert Proposal.objects.get(pk=proposal.pk).state == "draft"
    assert AuditEvent.objects.count() == events
    # Shown before submitting: on the proposal page and the review step.
    client = signed_in("applicant_gent")
    page = client.get(f"/en/proposals/{proposal.reference}/").content.decode()
    assert "required annexes are missing" in page and "<li>permit</li>" in page
    review = client.get(f"/en/proposals/{proposal.reference}/edit/review/").content.decode()
    assert "required annex missing: permit" in review
    response = client.post(f"/en/proposals/{proposal.reference}/submit/")
    assert Proposal.objects.get(pk=proposal.pk).state == "draft"
    assert response.status_code == 302
    annex(proposal, name="vergunning.pdf", kind="permit")
    submit_proposal(proposal, by=person("applicant_gent"))
    assert Proposal.objects.get(pk=proposal.pk).state == "submitted"


def test_the_call_runner_sets_the_annexes_on_the_call_page():
    call = open_call()
    runner, applicant = signed_in("secretariat_gent"), signed_in("applicant_gent")
    page = runner.get(f"/en/calls/{call.reference}/").content.decode()
    assert "Annexes this call asks of its proposals" in page
    assert (
        "Annexes this call asks"
        not in applicant.get(f"/en/calls/{call.reference}/").content.decode()
    )
    form = {"annex_permit": "required", "annex_plan": "optional", "annex_cost_quote": ""}
    assert applicant.post(f"/calls/{call.reference}/annexes/", form).status_code == 403
    assert services.annex_kinds(call) == {}
    runner.post(f"/calls/{call.reference}/annexes/", form)
    assert services.annex_kinds(call) == {"permit": "required", "plan": "optional"}
    event = AuditEvent.objects.get(action="documents.annex_kinds.set")
    assert event.after == {"permit": "required", "plan": "optional"}
    with pytest.raises(Invalid) as refused:
        asked(call, permit="mandatory", stamp="required")
    assert set(refused.value.errors) == {"kinds.permit", "kinds.stamp"}
    assert (
        signed_in("secretariat_antwerpen")
        .post(f"/calls/{call.reference}/annexes/", form)
        .status_code
        == 403
    )  # a published call is public; running it is Ghent's


# --- pages and API ----------------------------------------------------------------------------


def test_the_proposal_page_uploads_lists_and_replaces():
    proposal = proposal_asking(cost_quote="required")
    client = signed_in("applicant_gent")
    response = client.post(f"/documents/proposal/{proposal.reference}/",
                           {"kind": "cost_quote", "file": upload("offerte.pdf")})  # fmt: skip
    assert response.status_code == 302 and response["Location"].endswith("#documents")
    document = Document.objects.get()
    client.post(f"/documents/{document.pk}/replace/", {"file": upload("offerte-2.pdf")})
    page = client.get(f"/en/proposals/{proposal.reference}/").content.decode()
    assert "offerte-2.pdf" in page and "v1 offerte.pdf" in page and document.sha256 in page
    refused = client.post(f"/documents/proposal/{proposal.reference}/",
                          {"kind": "cost_quote", "file": upload("offerte.pdf", PNG)},
                          follow=True)  # fmt: skip
    assert "de inhoud is geen PDF-bestand" in refused.content.decode()  # the Dutch page
    assert Document.objects.count() == 2


def test_the_api_lists_and_uploads_annexes():
    proposal = proposal_asking(plan="optional")
    headers = {"HTTP_AUTHORIZATION": f"Bearer {create_token(person('applicant_gent'))}"}
    path = f"/api/v1/proposals/{proposal.reference}/documents"
    made = Client().post(path, {"kind": "plan", "file": upload("plan.pdf")}, **headers)
    assert made.status_code == 201, made.content
    body = made.json()
    assert (body["kind"], body["version"], body["sha256"]) == (
        "plan", 1, hashlib.sha256(PDF).hexdigest())  # fmt: skip
    second = Client().post(path, {"replaces": body["id"], "file": upload("plan-2.pdf")}, **headers)
    assert second.json()["version"] == 2
    listed = Client().get(path, **headers).json()
    assert [(d["version"], d["current"]) for d in listed] == [(1, False), (2, True)]
    for wrong in ({"kind": "plan"}, {"kind": "plan", "file": upload(), "colour": "red"},
                  {"kind": "plan", "file": upload("plan.pdf", PNG)},
                  {"kind": "nope", "file": upload()},
                  {"replaces": "x", "file": upload()}):  # fmt: skip
        response = Client().post(path, wrong, **headers)
        assert response.status_code == 422, (wrong, response.content)
    assert Document.objects.count() == 2


def test_a_claims_invoices_are_added_on_its_page_and_read_as_the_claim():
    from gti.monitoring import claims
    from tests.test_role_matrix import b_claim

    claim = b_claim()["obj"]  # a draft of Ghent's beneficiary
    client = signed_in("applicant_gent")
    response = client.post(f"/documents/claim/{claim.pk}/",
                           {"kind": "invoice", "file": upload("factuur.pdf")})  # fmt: skip
    assert response.status_code == 302 and response["Location"].endswith("#documents")
    document = Document.objects.get(claim=claim)
    page = client.get(f"/en/monitoring/claims/{claim.pk}/").content.decode()
    assert "factuur.pdf" in page and document.sha256 in page
    # A draft is the beneficiary's own; submitted, the managing authority reads its files.
    assert signed_in("managing_authority").get(f"/documents/{document.pk}/").status_code == 404
    claims.submit_claim(claim, by=person("applicant_gent"))
    assert signed_in("managing_authority").get(f"/documents/{document.pk}/").status_code == 200
    for name in ("secretariat_antwerpen", "applicant_gent_2"):
        assert signed_in(name).get(f"/documents/{document.pk}/").status_code == 404, name
        refused = signed_in(name).post(f"/documents/claim/{claim.pk}/",
                                       {"kind": "invoice", "file": upload("x.pdf")})  # fmt: skip
        assert refused.status_code == 404, name
    assert Document.objects.filter(claim=claim).count() == 1
