"""Obligations after selection: which communication duties apply (CPR art. 50(1), worked
examples), a duty marked done with its file, the durability date (CPR art. 65: five years after
the final payment) and the closure of a grant, refused naming each condition not met. Every
refused case shows that nothing changed.

The grant is Wijkpark's (tests/monitoring/test_reports.py): eligible works 100,000.00 and staff
50,000.00, and an artwork of 10,000.00 declared ineligible: a total cost of 160,000.00, so a
website mention and a poster."""

import datetime
import hashlib
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from gti.accounts.models import AuditEvent
from gti.errors import Invalid, Refused
from gti.monitoring import claims, obligations, reports, services
from gti.monitoring.models import Claim, CommunicationItem, Grant, GrantVersion, ProgressReport
from gti.monitoring.obligations import duties
from tests.factories import person
from tests.monitoring.test_claims import CLAIM_1, VERDICTS_1
from tests.monitoring.test_reports import CONTENT, make_grant

D = Decimal
TODAY = timezone.localdate()
PHOTO = b"\x89PNG poster aan de ingang van het park"


def photo(content=PHOTO, name="affiche.png"):
    return SimpleUploadedFile(name, content, content_type="image/png")


@pytest.fixture
def grant(loaded):
    return make_grant()


def snapshot():
    return (
        list(Grant.objects.order_by("pk").values()),
        list(CommunicationItem.objects.order_by("pk").values()),
        list(Claim.objects.order_by("pk").values("pk", "final", "state")),
        list(ProgressReport.objects.order_by("pk").values("pk", "final", "state")),
        AuditEvent.objects.count(),
    )


# --- which duties apply (pure) ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("total", "investment", "kinds"),
    [
        # A park of EUR 150,000 of works: small, so a poster.
        (D("150000.00"), True, ["website", "poster"]),
        # EUR 500,000 exactly is not above the threshold.
        (D("500000.00"), True, ["website", "poster"]),
        # One cent above, with works or equipment: a durable plaque or billboard.
        (D("500000.01"), True, ["website", "plaque"]),
        # EUR 2 million of staff and services only: nothing physical to put a plaque on.
        (D("2000000.00"), False, ["website", "poster"]),
    ],
)
def test_which_communication_duties_apply(total, investment, kinds):
    assert [d.kind for d in duties(total, investment)] == kinds


def test_the_reason_of_each_duty_names_the_rule():
    assert [d.why for d in duties(D("2000000.00"), False)] == [
        "always (CPR art. 50(1)(a))",
        "no physical investment or equipment (CPR art. 50(1)(d))",
    ]
    assert "CPR art. 50(1)(c)" in duties(D("600000.00"), True)[1].why


def test_the_grant_s_conditions_decide_the_duties(grant):
    assert obligations.operation(grant) == (D("160000.00"), True)
    assert [(r.kind, r.done) for r in obligations.checklist(grant)] == [
        ("website", False), ("poster", False)]  # fmt: skip
    # Art. 50(1)(c) reads the total cost: 495,000.00 eligible and the artwork's 10,000.00
    # ineligible pass the threshold, though the eligible cost alone does not.
    authority, second = person("managing_authority"), person("managing_authority_2")
    near = services.amend(grant, by=authority, reason="Uitbreiding", rate="0.0800",
                          budget={"works": "445000.00", "staff": "50000.00"},
                          partner_budget={})  # fmt: skip
    services.approve_version(near, by=second, in_force_from=TODAY)
    assert obligations.operation(grant) == (D("505000.00"), True)
    assert [r.kind for r in obligations.checklist(grant)] == ["website", "plaque"]
    # Amended down to 480,000.00 eligible (490,000.00 in total): a poster again.
    less = services.amend(grant, by=authority, reason="Fase geschrapt", rate="0.0800",
                          budget={"works": "430000.00", "staff": "50000.00"},
                          partner_budget={})  # fmt: skip
    services.approve_version(less, by=second, in_force_from=TODAY)
    assert [r.kind for r in obligations.checklist(grant)] == ["website", "poster"]


# --- marking a duty done ---------------------------------------------------------------------


def test_the_beneficiary_marks_a_duty_done_with_its_file(grant):
    beneficiary = person("applicant_gent")
    day = TODAY - datetime.timedelta(days=3)
    item = obligations.mark_done(grant, "poster", by=beneficiary, file=photo(),
                                 note="Affiche A3 aan de ingang", done_on=day)  # fmt: skip
    item.refresh_from_db()
    assert (item.kind, item.done_on, item.note, item.name, item.size) == (
        "poster", day, "Affiche A3 aan de ingang", "affiche.png", len(PHOTO))  # fmt: skip
    assert item.sha256 == hashlib.sha256(PHOTO).hexdigest()
    assert item.file.name.startswith("communication/") and "affiche" not in item.file.name
    assert [(r.kind, r.done) for r in obligations.checklist(grant)] == [
        ("website", False), ("poster", True)]  # fmt: skip
    event = AuditEvent.objects.get(action="monitoring.communication.done")
    assert (event.actor.username, event.reason) == ("applicant_gent", "Affiche A3 aan de ingang")
    # Marking it again replaces the file; one row per duty.
    obligations.mark_done(grant, "poster", by=beneficiary, file=photo(b"nieuw", "b.jpg"))
    assert CommunicationItem.objects.get().name == "b.jpg"


@pytest.mark.parametrize(
    ("kind", "file", "done_on", "fields"),
    [
        ("plaque", "ok", None, {"kind"}),  # no plaque for a grant of 150,000
        ("poster", None, None, {"file"}),
        ("poster", "empty", None, {"file"}),
        ("poster", "ok", TODAY + datetime.timedelta(days=1), {"done_on"}),
        ("unknown", None, None, {"kind", "file"}),
    ],
)
def test_a_refused_mark_names_the_field_and_changes_nothing(grant, kind, file, done_on, fields):
    upload = {"ok": photo(), "empty": photo(b""), None: None}[file]
    before = snapshot()
    with pytest.raises(Invalid) as exc:
        obligations.mark_done(grant, kind, by=person("applicant_gent"), file=upload,
                              done_on=done_on)  # fmt: skip
    assert set(exc.value.errors) == fields
    assert snapshot() == before


def test_a_file_above_ten_megabytes_is_refused(grant, settings):
    before = snapshot()
    with pytest.raises(Invalid) as exc:
        obligations.mark_done(grant, "website", by=person("applicant_gent"),
                              file=photo(b"x" * (10 * 1024 * 1024 + 1)))  # fmt: skip
    assert exc.value.errors == {"file": ["larger than 10 MB"]}
    assert snapshot() == before


@pytest.mark.parametrize(
    "name",
    ["applicant_gent_2", "applicant_antwerpen", "secretariat_gent", "managing_authority",
     "auditor", "expert"],
)  # fmt: skip
def test_only_the_beneficiary_marks_a_duty_done(grant, name):
    someone = person(name)
    before = snapshot()
    with pytest.raises(PermissionDenied):
        obligations.mark_done(grant, "website", by=someone, file=photo())
    assert snapshot() == before


# --- the final claim, the final report, durability and closure --------------------------------


def paid_final_claim(grant, paid_on=TODAY):
    beneficiary = person("applicant_gent")
    claim = claims.start_claim(grant, by=beneficiary)
    claims.save_lines(claim, by=beneficiary, lines=CLAIM_1)
    obligations.mark_final_claim(claim, by=beneficiary)
    claims.submit_claim(claim, by=beneficiary)
    claims.verify_claim(claim, by=person("managing_authority"), verdicts=VERDICTS_1)
    return claims.pay_claim(claim, by=person("managing_authority_2"), paid_on=paid_on)


def final_report(grant, accept=True):
    beneficiary = person("applicant_gent")
    report = reports.start_report(grant, by=beneficiary)
    reports.save_report(report, by=beneficiary, **CONTENT)
    obligations.mark_final_report(report, by=beneficiary)
    reports.submit_report(report, by=beneficiary)
    if accept:
        reports.review_report(report, by=person("managing_authority"), outcome="accept")
    return report


def test_closing_is_refused_naming_each_condition_then_allowed(grant):
    authority, beneficiary = person("managing_authority"), person("applicant_gent")
    before = snapshot()
    with pytest.raises(Refused) as exc:
        obligations.close_grant(grant, by=authority, reason="Project afgerond")
    assert str(exc.value) == (
        f"The grant of {grant} cannot be closed yet: no claim is marked final; no progress "
        "report is marked final; communication duty not done: mention on the website and "
        "social media; communication duty not done: poster (A3) or electronic display."
    )
    assert snapshot() == before
    # The final report submitted but not accepted, the poster done: two conditions left.
    final_report(grant, accept=False)
    obligations.mark_done(grant, "poster", by=beneficiary, file=photo())
    claim = claims.start_claim(grant, by=beneficiary)
    obligations.mark_final_claim(claim, by=beneficiary)
    # The final claim is still a draft: named by what it lacks, never by its number or state.
    assert obligations.unmet(grant) == [
        "the final claim is not paid yet",
        "the final report is not accepted yet",
        "communication duty not done: mention on the website and social media",
    ]
    with pytest.raises(Invalid) as no_reason:
        obligations.close_grant(grant, by=authority, reason="  ")
    assert set(no_reason.value.errors) == {"reason"}


def test_a_grant_closes_once_every_condition_is_met(grant):
    authority, beneficiary = person("managing_authority"), person("applicant_gent")
    payment = paid_final_claim(grant)
    final_report(grant)
    obligations.mark_done(grant, "website", by=beneficiary, file=photo(b"screenshot", "s.png"))
    obligations.mark_done(grant, "poster", by=beneficiary, file=photo())
    assert obligations.unmet(grant) == []
    for name in ("applicant_gent", "secretariat_gent", "auditor"):
        with pytest.raises(PermissionDenied):
            obligations.close_grant(grant, by=person(name), reason="Project afgerond")
    obligations.close_grant(grant, by=authority, reason="Project afgerond")
    grant.refresh_from_db()
    assert (grant.state, grant.closed_on, grant.closed_by, grant.closure_reason) == (
        "closed", TODAY, authority, "Project afgerond")  # fmt: skip
    event = AuditEvent.objects.get(action="monitoring.grant.closed")
    assert event.reason == "Project afgerond"
    assert obligations.durability_until(grant) == payment.paid_on.replace(
        year=payment.paid_on.year + 5)  # fmt: skip
    # A closed grant is closed: nothing more is marked, it is not closed twice.
    before = snapshot()
    with pytest.raises(Refused):
        obligations.close_grant(grant, by=authority, reason="Nogmaals")
    with pytest.raises(Refused):
        obligations.mark_done(grant, "website", by=beneficiary, file=photo())
    with pytest.raises(Refused, match="is closed"):
        claims.start_claim(grant, by=beneficiary)
    with pytest.raises(Refused, match="is closed"):
        reports.start_report(grant, by=beneficiary)
    assert snapshot() == before


def test_durability_runs_five_years_from_the_final_payment(grant):
    assert obligations.durability_until(grant) is None  # nothing paid yet
    paid_final_claim(grant, paid_on=TODAY)
    assert obligations.durability_until(grant) == obligations._years_later(TODAY, 5)
    assert obligations._years_later(datetime.date(2028, 2, 29), 5) == datetime.date(2033, 2, 28)
    assert obligations._years_later(datetime.date(2027, 3, 31), 5) == datetime.date(2032, 3, 31)


def test_durability_does_not_apply_without_investment(grant):
    authority, second = person("managing_authority"), person("managing_authority_2")
    v3 = services.amend(grant, by=authority, reason="Enkel personeel",
                        budget={"staff": "150000.00"}, partner_budget={})  # fmt: skip
    services.approve_version(v3, by=second, in_force_from=TODAY)
    assert obligations.durability_applies(grant) is False


LATER_LINE = [CLAIM_1[0] | {"invoice": "F-2026-002", "amount": "1000.00"}]


def test_one_final_claim_and_one_final_report_each_the_last(grant):
    beneficiary = person("applicant_gent")
    first = claims.start_claim(grant, by=beneficiary)
    claims.save_lines(first, by=beneficiary, lines=CLAIM_1)
    claims.submit_claim(first, by=beneficiary)
    second = claims.start_claim(grant, by=beneficiary)
    report = reports.start_report(grant, by=beneficiary)
    others = [person(n) for n in ("applicant_gent_2", "applicant_antwerpen", "managing_authority")]
    before = snapshot()
    # A claim with a later one after it is not the last.
    with pytest.raises(Refused, match=f"{second} comes after it"):
        obligations.mark_final_claim(first, by=beneficiary)
    for someone in others:
        with pytest.raises(PermissionDenied):
            obligations.mark_final_claim(second, by=someone)
        with pytest.raises(PermissionDenied):
            obligations.mark_final_report(report, by=someone)
    assert snapshot() == before
    obligations.mark_final_claim(second, by=beneficiary)
    with pytest.raises(Refused, match=f"{second} is already the final claim"):
        obligations.mark_final_claim(first, by=beneficiary)
    obligations.mark_final_report(report, by=beneficiary)
    assert ProgressReport.objects.get(pk=report.pk).final is True
    # Nothing starts after the final claim or the final report.
    claims.save_lines(second, by=beneficiary, lines=LATER_LINE)
    claims.submit_claim(second, by=beneficiary)
    reports.save_report(report, by=beneficiary, **CONTENT)
    reports.submit_report(report, by=beneficiary)
    reports.review_report(report, by=person("managing_authority"), outcome="accept")
    before = snapshot()
    with pytest.raises(Refused, match="is the final claim: no claim comes after it"):
        claims.start_claim(grant, by=beneficiary)
    with pytest.raises(Refused, match="The final report of .* is the last"):
        reports.start_report(grant, by=beneficiary)
    assert snapshot() == before


def test_closing_names_claims_still_in_flight(grant):
    beneficiary, authority = person("applicant_gent"), person("managing_authority")
    earlier = claims.start_claim(grant, by=beneficiary)
    claims.save_lines(earlier, by=beneficiary, lines=LATER_LINE)
    claims.submit_claim(earlier, by=beneficiary)
    paid_final_claim(grant)
    final_report(grant)
    obligations.mark_done(grant, "website", by=beneficiary, file=photo(b"screenshot", "s.png"))
    obligations.mark_done(grant, "poster", by=beneficiary, file=photo())
    assert obligations.unmet(grant) == [f"{earlier} is submitted, not paid yet"]
    before = snapshot()
    with pytest.raises(Refused, match=f"{earlier} is submitted, not paid yet"):
        obligations.close_grant(grant, by=authority, reason="Project afgerond")
    assert snapshot() == before


def test_nothing_of_a_closed_grant_changes(grant):
    """Every service that changes a grant or what hangs on it refuses once the grant is closed,
    checked under the grant's lock (here the grant is closed behind pending work on purpose)."""
    beneficiary, authority = person("applicant_gent"), person("managing_authority")
    draft = claims.start_claim(grant, by=beneficiary)
    claims.save_lines(draft, by=beneficiary, lines=CLAIM_1)
    report = reports.start_report(grant, by=beneficiary)
    version = services.amend(grant, by=authority, reason="Verlenging",
                             eligible_until="2028-12-31")  # fmt: skip
    Grant.objects.filter(pk=grant.pk).update(state=Grant.State.CLOSED)
    before = snapshot(), list(GrantVersion.objects.order_by("pk").values())
    changes = [
        lambda: claims.save_lines(draft, by=beneficiary, lines=CLAIM_1[:1]),
        lambda: claims.submit_claim(draft, by=beneficiary),
        lambda: claims.save_plan(grant, by=beneficiary, planned=[]),
        lambda: reports.save_report(report, by=beneficiary, **CONTENT),
        lambda: reports.submit_report(report, by=beneficiary),
        lambda: reports.attach_evidence(report, by=beneficiary, files={}),
        lambda: obligations.mark_final_claim(draft, by=beneficiary),
        lambda: obligations.mark_final_report(report, by=beneficiary),
        lambda: services.amend(grant, by=authority, reason="Nog een", rate="0.1000"),
        lambda: services.approve_version(version, by=person("managing_authority_2")),
    ]
    for change in changes:
        with pytest.raises(Refused, match="is closed"):
            change()
    assert (snapshot(), list(GrantVersion.objects.order_by("pk").values())) == before


# --- the page --------------------------------------------------------------------------------


def signed_in(name):
    client = Client()
    client.force_login(person(name))
    return client


def test_the_page_marks_a_duty_done_and_the_authority_sees_it(grant):
    url = f"/en/monitoring/grants/{grant.proposal.reference}/obligations/"
    beneficiary = signed_in("applicant_gent")
    assert "Mark done: poster (A3) or electronic display" in beneficiary.get(url).text
    # No file: named, nothing stored.
    refused = beneficiary.post(url, {"action": "done", "kind": "poster", "note": "Affiche"})
    assert refused.status_code == 200
    assert "file: a photo or screenshot that shows it done" in refused.text
    assert not CommunicationItem.objects.exists()
    bad_day = beneficiary.post(url, {"action": "done", "kind": "poster", "done_on": "gisteren",
                                     "file": photo()})  # fmt: skip
    assert "done_on: a date is expected" in bad_day.text
    assert not CommunicationItem.objects.exists()
    done = beneficiary.post(url, {"action": "done", "kind": "poster", "note": "Affiche A3",
                                  "file": photo()})  # fmt: skip
    assert done.status_code == 302
    authority = signed_in("managing_authority")
    page = authority.get(url).text
    assert "Affiche A3" in page and "affiche.png" in page
    assert "Mark done" not in page  # the authority marks nothing
    assert "communication duty not done: mention on the website" in page
    download = authority.get(f"{url}poster/file/")
    assert b"".join(download.streaming_content) == PHOTO
    # The beneficiary cannot close; the authority is told what is missing, nothing changes.
    before = snapshot()
    assert beneficiary.post(url, {"action": "close", "reason": "Klaar"}).status_code == 403
    refused = authority.post(url, {"action": "close", "reason": "Klaar"}, follow=True)
    assert "cannot be closed yet: no claim is marked final" in refused.text
    assert snapshot() == before


@pytest.mark.parametrize(
    ("name", "status"),
    [("applicant_gent_2", 404), ("applicant_antwerpen", 404), ("secretariat_antwerpen", 404),
     ("expert", 403), ("secretariat_gent", 200), ("auditor", 200)],
)  # fmt: skip
def test_who_sees_the_page_and_its_files(grant, name, status):
    obligations.mark_done(grant, "website", by=person("applicant_gent"), file=photo())
    url = f"/en/monitoring/grants/{grant.proposal.reference}/obligations/"
    client = signed_in(name)
    assert client.get(url).status_code == status
    assert client.get(f"{url}website/file/").status_code == status


def test_a_claim_paid_and_a_report_accepted_may_still_be_marked_final(grant):
    """A grant whose last claim was paid and last report accepted before either was marked
    final can still be closed: the last of each is marked final afterwards."""
    beneficiary, authority = person("applicant_gent"), person("managing_authority")
    claim = claims.start_claim(grant, by=beneficiary)
    claims.save_lines(claim, by=beneficiary, lines=CLAIM_1)
    claims.submit_claim(claim, by=beneficiary)
    claims.verify_claim(claim, by=authority, verdicts=VERDICTS_1)
    claims.pay_claim(claim, by=person("managing_authority_2"), paid_on=TODAY)
    first = reports.start_report(grant, by=beneficiary)
    reports.save_report(first, by=beneficiary, **CONTENT)
    reports.submit_report(first, by=beneficiary)
    reports.review_report(first, by=authority, outcome="accept")
    second = reports.start_report(grant, by=beneficiary)
    before = snapshot()
    with pytest.raises(Refused, match="comes after it: the final report is the last"):
        obligations.mark_final_report(first, by=beneficiary)
    assert snapshot() == before
    ProgressReport.objects.filter(pk=second.pk).delete()  # as if it had never been started
    obligations.mark_final_claim(claim, by=beneficiary)
    obligations.mark_final_report(first, by=beneficiary)
    obligations.mark_done(grant, "website", by=beneficiary, file=photo(b"screenshot", "s.png"))
    obligations.mark_done(grant, "poster", by=beneficiary, file=photo())
    assert obligations.unmet(grant) == []
    obligations.close_grant(grant, by=authority, reason="Project afgerond")
