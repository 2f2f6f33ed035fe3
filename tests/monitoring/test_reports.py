"""Progress reports: the indicator rules as worked examples (pure), then the lifecycle through the
services (started and submitted by the beneficiary, returned with remarks and accepted by the
managing authority), the refused cases (nothing changes, the field is named) and who may act.

The worked example: Ghent's Wijkpark (tests/monitoring/test_grants.py), eligible 2026-2027, its
conditions in force from 1 January 2026 with two indicators, RCO26 (target 1.50 ha) and RCR95
(target 500 people), and two milestones."""

import datetime
import hashlib
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from gti.accounts import permissions
from gti.accounts.models import AuditEvent, Role
from gti.errors import Invalid, Refused
from gti.monitoring import indicators, reports, services
from gti.monitoring.indicators import Value
from gti.monitoring.models import IndicatorValue, ProgressReport
from tests.factories import efro_call, person
from tests.monitoring.test_grants import LINES, approved, envelopes

D = Decimal
START = datetime.date(2026, 1, 1)
MILESTONES = [{"title": "Ontwerp klaar", "due": "2026-06-01"},
              {"title": "Oplevering park", "due": "2027-10-01"}]  # fmt: skip
TARGETS = [{"code": "RCO26", "reference_value": "0", "target": "1.50"},
           {"code": "RCR95", "reference_value": "0", "target": "500"}]  # fmt: skip
CONTENT = {
    "narrative": "Het ontwerp is klaar en gedragen door de buurt.",
    "risks": "Levering van de bomen kan vertragen.",
    "milestones": [{"title": "Ontwerp klaar", "status": "done", "note": ""},
                   {"title": "Oplevering park", "status": "on_track", "note": ""}],
    "indicators": [{"code": "RCO26", "value": "0.40", "reason": ""},
                   {"code": "RCR95", "value": "120", "reason": ""}],
}  # fmt: skip


# --- the indicator rules (pure) --------------------------------------------------------------

CODES = ["RCO26", "RCR95"]
LAST = {"RCO26": D("0.40"), "RCR95": D("120")}


def refused(values, **kwargs):
    with pytest.raises(indicators.Refused) as exc:
        indicators.check(values, **{"codes": CODES, "previous": LAST, **kwargs})
    return exc.value.errors


def test_values_are_cumulative_and_a_decrease_needs_a_reason():
    # Growing from 0.40 ha to 0.90 ha and from 120 to 300 people: nothing to explain.
    indicators.check([Value("RCO26", D("0.90")), Value("RCR95", D("300"))], codes=CODES,
                     previous=LAST)  # fmt: skip
    # 120 people counted last time, 100 now (a double count removed): the reason is asked …
    assert refused([Value("RCO26", D("0.40")), Value("RCR95", D("100"))]) == {
        "indicators[1].reason": ["lower than the 120 of the last accepted report: give the reason"]
    }
    assert refused([Value("RCR95", D("100"), reason="  ")]).keys() == {"indicators[0].reason"}
    # … and with it the value stands.
    indicators.check([Value("RCR95", D("100"), reason="Dubbeltelling verwijderd")], codes=CODES,
                     previous=LAST)  # fmt: skip
    # The same value again is no decrease; without an accepted report there is nothing to compare.
    indicators.check([Value("RCO26", D("0.40"))], codes=CODES, previous=LAST)
    indicators.check([Value("RCO26", D("0.10"))], codes=CODES, previous={})


def test_unknown_twice_negative_and_missing_indicators_are_refused_by_place():
    assert refused([Value("RCO99", D("1"))]) == {
        "indicators[0].code": ["not an indicator of the grant"]}  # fmt: skip
    assert refused([Value("RCO26", D("1")), Value("RCO26", D("1"))]) == {
        "indicators[1].code": ["given twice"]}  # fmt: skip
    assert refused([Value("RCO26", D("-0.01"))], previous={}) == {
        "indicators[0].value": ["must not be negative"]}  # fmt: skip
    # A draft may leave one out; a report to submit gives every indicator of the grant.
    indicators.check([Value("RCO26", D("1"))], codes=CODES, previous={})
    assert refused([Value("RCO26", D("1"))], complete=True) == {
        "indicators": ["no value for RCR95"]}  # fmt: skip


# --- through the services --------------------------------------------------------------------


def make_grant():
    """Wijkpark's grant: version 1 from the decision, version 2 adds the milestones and a second
    indicator; both in force from the start of the eligible period."""
    envelopes("gent")
    envelopes("antwerpen")
    proposal = approved(efro_call(), total=160_000, erdf=60_000, budget_lines=LINES)
    authority, second = person("managing_authority"), person("managing_authority_2")
    grant = services.open_grant(proposal, by=authority)
    services.approve_version(grant.versions.get(), by=second, in_force_from=START)
    v2 = services.amend(grant, by=authority, reason="Mijlpalen en resultaatindicator",
                        milestones=MILESTONES, indicators=TARGETS)  # fmt: skip
    services.approve_version(v2, by=second, in_force_from=START)
    return grant


@pytest.fixture
def grant(loaded):
    return make_grant()


def snapshot():
    return (
        list(ProgressReport.objects.order_by("pk").values()),
        list(IndicatorValue.objects.order_by("pk").values()),
        AuditEvent.objects.filter(action__startswith="monitoring.report.").count(),
    )


def events():
    rows = AuditEvent.objects.filter(action__startswith="monitoring.report.").order_by("pk")
    return [(e.action, e.actor.username, e.reason) for e in rows]


def test_the_lifecycle_start_save_submit_return_resubmit_accept(grant):
    beneficiary, authority = person("applicant_gent"), person("managing_authority")
    report = reports.start_report(grant, by=beneficiary)
    assert (report.period_start, report.period_end, report.state) == (
        START, datetime.date(2026, 6, 30), "draft")  # fmt: skip
    reports.save_report(report, by=beneficiary, **CONTENT)
    reports.submit_report(report, by=beneficiary)
    with pytest.raises(Invalid) as no_remarks:
        reports.review_report(report, by=authority, outcome="return", remarks=" ")
    assert set(no_remarks.value.errors) == {"remarks"}
    reports.review_report(report, by=authority, outcome="return",
                          remarks="Vermeld de oppervlakte per deelzone.")  # fmt: skip
    report.refresh_from_db()
    assert (report.state, report.remarks) == ("returned", "Vermeld de oppervlakte per deelzone.")
    corrected = CONTENT | {"narrative": "Zone A 0,25 ha, zone B 0,15 ha: ontwerp klaar."}
    reports.save_report(report, by=beneficiary, **corrected)
    reports.submit_report(report, by=beneficiary)
    reports.review_report(report, by=person("managing_authority_2"), outcome="accept", remarks="")
    report.refresh_from_db()
    assert (report.state, report.reviewed_by.username, report.narrative) == (
        "accepted", "managing_authority_2", corrected["narrative"])  # fmt: skip
    assert [(v.code, v.value) for v in report.values.all()] == [
        ("RCO26", D("0.40")), ("RCR95", D("120.00"))]  # fmt: skip
    assert events() == [
        ("monitoring.report.started", "applicant_gent", "progress report 2026-01-01 – 2026-06-30"),
        ("monitoring.report.saved", "applicant_gent", "content saved"),
        ("monitoring.report.submitted", "applicant_gent", "submitted for review"),
        ("monitoring.report.returned", "managing_authority",
         "Vermeld de oppervlakte per deelzone."),
        ("monitoring.report.saved", "applicant_gent", "content saved"),
        ("monitoring.report.submitted", "applicant_gent", "submitted for review"),
        ("monitoring.report.accepted", "managing_authority_2", "accepted"),
    ]  # fmt: skip
    event = AuditEvent.objects.filter(action="monitoring.report.saved").last()
    assert event.city == "gent"
    assert event.after["indicators"][1] == {"code": "RCR95", "value": "120.00", "reason": ""}
    # The next half-year follows; a lower value there needs its reason.
    second = reports.start_report(grant, by=beneficiary)
    assert (second.period_start, second.period_end) == (datetime.date(2026, 7, 1),
                                                        datetime.date(2026, 12, 31))  # fmt: skip
    lower = {**CONTENT, "indicators": [{"code": "RCO26", "value": "0.90"},
                                       {"code": "RCR95", "value": "100"}]}  # fmt: skip
    before = snapshot()
    with pytest.raises(Invalid) as exc:
        reports.save_report(second, by=beneficiary, **lower)
    assert set(exc.value.errors) == {"indicators[1].reason"}
    assert snapshot() == before
    lower["indicators"][1]["reason"] = "Dubbeltelling verwijderd"
    reports.save_report(second, by=beneficiary, **lower)
    assert second.values.get(code="RCR95").reason == "Dubbeltelling verwijderd"


def test_refused_content_changes_nothing_and_names_the_field(grant):
    beneficiary = person("applicant_gent")
    report = reports.start_report(grant, by=beneficiary)
    reports.save_report(report, by=beneficiary, **CONTENT)
    before = snapshot()
    for content, place in (
        (CONTENT | {"colour": "red"}, "colour"),
        (CONTENT | {"narrative": None}, "narrative"),
        (CONTENT | {"indicators": [{"code": "RCO26", "value": "veel"}]}, "indicators[0].value"),
        (CONTENT | {"indicators": [{"code": "RCO26", "value": "0.001"}]}, "indicators[0].value"),
        (CONTENT | {"indicators": [{"code": "RCO26", "value": "-1"}]}, "indicators[0].value"),
        (CONTENT | {"indicators": [{"code": "RCO99", "value": "1"}]}, "indicators[0].code"),
        (CONTENT | {"milestones": [{"title": "Ontwerp klaar", "status": "late"}]},
         "milestones[0].status"),
        (CONTENT | {"milestones": [{"title": "Feest", "status": "done"}]}, "milestones[0].title"),
    ):  # fmt: skip
        with pytest.raises(Invalid) as exc:
            reports.save_report(report, by=beneficiary, **content)
        assert place in exc.value.errors, (content, exc.value.errors)
    assert snapshot() == before
    # A half-done draft is saved but not submitted: every indicator, milestone and the narrative.
    reports.save_report(report, by=beneficiary, narrative="", milestones=[],
                        indicators=[{"code": "RCO26", "value": "0.10"}])  # fmt: skip
    before = snapshot()
    with pytest.raises(Invalid) as exc:
        reports.submit_report(report, by=beneficiary)
    assert set(exc.value.errors) == {"indicators", "milestones", "narrative"}
    assert snapshot() == before
    # Reviewing a draft, or editing a submitted report, is refused by its state.
    with pytest.raises(Refused, match="while"):
        reports.review_report(report, by=person("managing_authority"), outcome="accept")
    reports.save_report(report, by=beneficiary, **CONTENT)
    reports.submit_report(report, by=beneficiary)
    before = snapshot()
    with pytest.raises(Refused, match="while"):
        reports.save_report(report, by=beneficiary, **CONTENT)
    with pytest.raises(Invalid) as exc:
        reports.review_report(report, by=person("managing_authority"), outcome="maybe")
    assert set(exc.value.errors) == {"outcome"}
    assert snapshot() == before


def test_periods_follow_each_other_within_the_eligible_period(grant):
    beneficiary = person("applicant_gent")
    before = snapshot()
    for day, message in (
        (datetime.date(2025, 7, 1), "before the grant's eligible period"),
        (datetime.date(2026, 2, 1), "1 January or 1 July"),
        (datetime.date(2028, 1, 1), "after the grant's eligible period"),
    ):
        with pytest.raises(Invalid, match=message) as exc:
            reports.start_report(grant, by=beneficiary, period_start=day)
        assert set(exc.value.errors) == {"period_start"}
    assert snapshot() == before
    report = reports.start_report(grant, by=beneficiary, period_start=datetime.date(2026, 7, 1))
    with pytest.raises(Refused, match="not accepted yet"):
        reports.start_report(grant, by=beneficiary)
    reports.save_report(report, by=beneficiary, **CONTENT)
    reports.submit_report(report, by=beneficiary)
    reports.review_report(report, by=person("managing_authority"), outcome="accept")
    before = snapshot()
    with pytest.raises(Invalid, match="after the last report's period"):
        reports.start_report(grant, by=beneficiary, period_start=START)
    assert snapshot() == before
    assert reports.start_report(grant, by=beneficiary).period_start == datetime.date(2027, 1, 1)


def test_who_may_act_on_a_report(grant):
    beneficiary = person("applicant_gent")
    before = snapshot()
    for who in ("applicant_gent_2", "applicant_antwerpen", "secretariat_gent", "steering_gent",
                "managing_authority", "auditor"):  # fmt: skip
        with pytest.raises(PermissionDenied):
            reports.start_report(grant, by=person(who))
    assert snapshot() == before
    report = reports.start_report(grant, by=beneficiary)
    reports.save_report(report, by=beneficiary, **CONTENT)
    before = snapshot()
    for who in ("applicant_gent_2", "applicant_antwerpen", "secretariat_gent", "auditor"):
        with pytest.raises(PermissionDenied):
            reports.save_report(report, by=person(who), **CONTENT)
        with pytest.raises(PermissionDenied):
            reports.submit_report(report, by=person(who))
    reports.submit_report(report, by=beneficiary)
    before = snapshot()
    for who in ("applicant_gent", "secretariat_gent", "steering_gent", "auditor"):
        with pytest.raises(PermissionDenied):
            reports.review_report(report, by=person(who), outcome="accept")
    assert snapshot() == before
    seen = {who: list(ProgressReport.objects.visible_to(person(who)))
            for who in ("applicant_gent", "applicant_gent_2", "applicant_antwerpen",
                        "secretariat_gent", "secretariat_antwerpen", "managing_authority",
                        "auditor", "assessor_gent")}  # fmt: skip
    assert seen == {
        "applicant_gent": [report], "applicant_gent_2": [], "applicant_antwerpen": [],
        "secretariat_gent": [report], "secretariat_antwerpen": [],
        "managing_authority": [report], "auditor": [report], "assessor_gent": [],
    }  # fmt: skip


def test_the_submitter_never_reviews_even_holding_the_managing_authority_role(grant):
    from gti.accounts import services as accounts

    beneficiary = person("applicant_gent")
    report = reports.start_report(grant, by=beneficiary)
    reports.save_report(report, by=beneficiary, **CONTENT)
    reports.submit_report(report, by=beneficiary)
    accounts.grant_role(beneficiary, Role.MANAGING_AUTHORITY, None)
    permissions.forget(beneficiary)
    before = snapshot()
    with pytest.raises(Refused, match="does not review it"):
        reports.review_report(report, by=beneficiary, outcome="accept")
    assert snapshot() == before


def test_the_lifecycle_over_the_api(grant):
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from gti.accounts.services import create_token

    def ask(who, method, path, body=None):
        headers = {"HTTP_AUTHORIZATION": f"Bearer {create_token(person(who))}"}
        if body is None:
            return getattr(Client(), method)(f"/api/v1{path}", **headers)
        return getattr(Client(), method)(f"/api/v1{path}", body, content_type="application/json",
                                         **headers)  # fmt: skip

    ref = grant.proposal.reference
    started = ask("applicant_gent", "post", f"/grants/{ref}/reports", {})
    assert started.status_code == 201, started.content
    report = started.json()
    assert (report["period_start"], report["state"]) == ("2026-01-01", "draft")
    assert [(i["code"], i["target"], i["last"]) for i in report["indicators"]] == [
        ("RCO26", "1.50", None), ("RCR95", "500", None)]  # fmt: skip
    path = f"/reports/{report['id']}"
    before = snapshot()
    bad = ask("applicant_gent", "put", path, CONTENT | {"indicators": [{"code": "X", "value": 1}]})
    assert (bad.status_code, list(bad.json()["errors"])) == (422, ["indicators[0].code"])
    assert ask("applicant_gent", "put", path, CONTENT | {"extra": 1}).status_code == 422
    assert ask("applicant_antwerpen", "put", path, CONTENT).status_code == 404
    assert ask("secretariat_gent", "put", path, CONTENT).status_code == 403
    assert ask("applicant_gent", "post", f"{path}/review", {"outcome": "accept"}).status_code == 403
    assert snapshot() == before
    assert ask("applicant_gent", "put", path, CONTENT).status_code == 200
    assert ask("applicant_gent", "post", f"{path}/submit", {}).json()["state"] == "submitted"
    assert ask("applicant_gent", "post", f"{path}/submit", {}).status_code == 409
    returned = ask("managing_authority", "post", f"{path}/review",
                   {"outcome": "return", "remarks": "Foto's toevoegen"})  # fmt: skip
    assert (returned.json()["state"], returned.json()["remarks"]) == (
        "returned", "Foto's toevoegen")  # fmt: skip
    listed = ask("secretariat_gent", "get", f"/grants/{ref}/reports").json()
    assert (listed["count"], listed["items"][0]["state"]) == (1, "returned")
    assert ask("secretariat_antwerpen", "get", f"/grants/{ref}/reports").status_code == 404
    # The expert who assessed the proposal sees it, not how the operation runs: a role that
    # reads no grant is refused, as for the grant and its claims.
    assert ask("expert", "get", f"/grants/{ref}/reports").status_code == 403
    assert ask("expert", "get", path).status_code == 403
    # The list costs the same queries for one report and for two.
    reader = {"HTTP_AUTHORIZATION": f"Bearer {create_token(person('secretariat_gent'))}"}

    def queries():
        Client().get(f"/api/v1/grants/{ref}/reports", **reader)  # the key's first use writes
        with CaptureQueriesContext(connection) as captured:
            assert Client().get(f"/api/v1/grants/{ref}/reports", **reader).status_code == 200
        return len(captured)

    one = queries()
    ask("applicant_gent", "post", f"{path}/submit", {})
    ask("managing_authority", "post", f"{path}/review", {"outcome": "accept"})
    assert ask("applicant_gent", "post", f"/grants/{ref}/reports", {}).status_code == 201
    assert queries() == one


def form(content=CONTENT, action="save"):
    """The report page's form data for `content` (its rows in the order of the conditions)."""
    data = {"action": action, "narrative": content["narrative"], "risks": content["risks"]}
    for n, m in enumerate(content["milestones"]):
        data |= {f"status_{n}": m["status"], f"note_{n}": m.get("note", "")}
    for n, i in enumerate(content["indicators"]):
        data |= {f"value_{n}": i["value"], f"reason_{n}": i.get("reason", "")}
    return data


def test_the_pages_fill_submit_and_review(grant):
    from django.test import Client

    def signed_in(who):
        client = Client()
        client.force_login(person(who))
        return client

    ref = grant.proposal.reference
    beneficiary = signed_in("applicant_gent")
    started = beneficiary.post(f"/monitoring/grants/{ref}/reports/")
    report = ProgressReport.objects.get()
    assert started.url == f"/monitoring/reports/{report.pk}/"
    page = f"/monitoring/reports/{report.pk}/"
    before = snapshot()
    bad = form(CONTENT | {"indicators": [{"code": "RCO26", "value": "0,4"},
                                         {"code": "RCR95", "value": "-3"}]})  # fmt: skip
    answer = beneficiary.post(page, bad)
    assert answer.status_code == 200
    assert answer.context["indicators"][1]["errors"] == ["must not be negative"]
    assert answer.context["indicators"][1]["typed"] == "-3"  # what was typed stays
    assert snapshot() == before
    assert beneficiary.post(page, form(action="submit")).status_code == 302
    report.refresh_from_db()
    assert (report.state, report.values.get(code="RCO26").value) == ("submitted", D("0.40"))
    for who in ("secretariat_antwerpen", "applicant_antwerpen", "applicant_gent_2"):
        assert signed_in(who).get(page).status_code == 404, who
    assert signed_in("secretariat_gent").get(page).status_code == 200
    authority = signed_in("managing_authority")
    assert "reviewable" in authority.get(page).context and authority.get(page).context["reviewable"]
    before = snapshot()
    answer = authority.post(page, {"action": "return", "remarks": ""})
    assert list(answer.context["errors"]) == ["remarks"]
    assert signed_in("secretariat_gent").post(page, {"action": "accept"}).status_code == 403
    assert snapshot() == before
    authority.post(page, {"action": "return", "remarks": "Foto's toevoegen"})
    assert ProgressReport.objects.get().state == "returned"
    assert "Foto&#x27;s toevoegen" in beneficiary.get(page).content.decode()


def test_evidence_files_are_checked_replaced_and_served_only_to_who_may_see_the_report(
    grant, settings, django_capture_on_commit_callbacks
):
    from django.core.files.storage import default_storage
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import Client

    from gti.accounts.services import create_token
    from gti.monitoring.models import Evidence

    beneficiary = person("applicant_gent")
    report = reports.start_report(grant, by=beneficiary)
    photo = SimpleUploadedFile("C:\\\\foto's\\\\plan.pdf", b"%PDF-1.7 plan", "application/pdf")
    before = snapshot(), Evidence.objects.count()
    big = SimpleUploadedFile("groot.pdf", b"x" * (reports.EVIDENCE_MAX_BYTES + 1))
    for files, place in (
        ({"RCO99": photo}, "evidence.RCO99"),
        ({"RCO26": SimpleUploadedFile("leeg.pdf", b"")}, "evidence.RCO26"),
        # An image named as a PDF: the content is checked as for every document.
        ({"RCO26": SimpleUploadedFile("plan.pdf", b"\x89PNG\r\n\x1a\n")}, "evidence.RCO26"),
        ({"RCO26": photo, "RCR95": big}, "evidence.RCR95"),  # the good one is not stored either
    ):
        with pytest.raises(Invalid) as exc:
            reports.attach_evidence(report, by=beneficiary, files=files)
        assert set(exc.value.errors) == {place}
    for who in ("applicant_gent_2", "secretariat_gent", "managing_authority"):
        with pytest.raises(PermissionDenied):
            reports.attach_evidence(report, by=person(who), files={"RCO26": photo})
    assert (snapshot(), Evidence.objects.count()) == before
    assert not default_storage.exists("evidence") or not default_storage.listdir("evidence")[1]

    first = reports.attach_evidence(report, by=beneficiary, files={"RCO26": photo})[0]
    assert (first.name, first.size) == ("plan.pdf", 13)  # the name only, never a path
    assert first.file.name.startswith("evidence/") and "plan" not in first.file.name
    newer = SimpleUploadedFile("plan-v2.pdf", b"%PDF-1.7 plan v2")
    with django_capture_on_commit_callbacks(execute=True):
        second = reports.attach_evidence(report, by=beneficiary, files={"RCO26": newer})[0]
    assert not default_storage.exists(first.file.name)  # replaced, once the change held
    assert list(Evidence.objects.values_list("code", "name")) == [("RCO26", "plan-v2.pdf")]
    event = AuditEvent.objects.filter(action="monitoring.report.evidence_attached").last()
    assert (event.before["name"], event.after["name"], event.actor.username) == (
        "plan.pdf", "plan-v2.pdf", "applicant_gent")  # fmt: skip

    page = f"/monitoring/reports/{report.pk}/evidence/RCO26/"
    for who, status in (("applicant_gent", 200), ("secretariat_gent", 200), ("auditor", 200),
                        ("applicant_gent_2", 404), ("secretariat_antwerpen", 404),
                        ("expert", 403)):  # fmt: skip
        client = Client()
        client.force_login(person(who))
        answer = client.get(page)
        assert answer.status_code == status, who
        if status == 200:
            assert b"".join(answer.streaming_content) == b"%PDF-1.7 plan v2"
        token = create_token(person(who))
        api = Client().get(f"/api/v1/reports/{report.pk}/evidence/RCO26",
                           HTTP_AUTHORIZATION=f"Bearer {token}")  # fmt: skip
        assert api.status_code == status, who
    assert Client().get(page).status_code == 302  # to the login page
    assert second.sha256 == hashlib.sha256(b"%PDF-1.7 plan v2").hexdigest()
