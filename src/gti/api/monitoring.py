"""Progress reports of a grant over the API: the services of `monitoring/reports.py`; the
obligations after selection (communication duties, the final claim and report, durability,
closure): the services of `monitoring/obligations.py`.

A grant is named by its proposal's reference. A grant or report outside the caller's view
answers 404, a refused role 403, refused input 422 by field, a move the state does not allow 409.
"""

import datetime
from decimal import Decimal

from django.http import FileResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile

from gti.api.auth import TokenAuth
from gti.api.pagination import Rows, listing, paged
from gti.api.shapes import CHANGE, READ, Input
from gti.errors import Invalid
from gti.monitoring import lookups, obligations, reports
from gti.monitoring.models import CommunicationItem, Evidence, Grant, ProgressReport
from gti.monitoring.reports import ReportContent

router = Router(tags=["progress reports"], auth=TokenAuth())


class StartIn(Input):
    period_start: datetime.date | None = None  # the next half-year when left out


class ReviewIn(Input):
    outcome: str  # accept | return
    remarks: str = ""


class ReportMilestoneOut(Schema):
    title: str
    due: str
    status: str
    note: str


class EvidenceOut(Schema):
    name: str
    size: int
    sha256: str


class ReportIndicatorOut(Schema):
    code: str
    reference_value: Decimal
    target: Decimal
    last: Decimal | None  # of the last accepted report
    value: Decimal | None
    reason: str
    evidence: EvidenceOut | None  # the file: GET /reports/{id}/evidence/{code}


class ReportSummaryOut(Schema):
    id: int
    grant: str
    period_start: datetime.date
    period_end: datetime.date
    state: str
    submitted_by: str | None
    submitted_at: datetime.datetime | None
    reviewed_by: str | None
    reviewed_at: datetime.datetime | None
    remarks: str


class ReportOut(ReportSummaryOut):
    narrative: str
    risks: str
    milestones: list[ReportMilestoneOut]
    indicators: list[ReportIndicatorOut]


def _with_details(queryset):
    return queryset.select_related(
        "grant__proposal", "submitted_by", "reviewed_by"
    ).prefetch_related("values", "evidence")


def _summary(report: ProgressReport) -> dict:
    return {
        "id": report.pk,
        "grant": report.grant.proposal.reference,
        "period_start": report.period_start,
        "period_end": report.period_end,
        "state": report.state,
        "submitted_by": report.submitted_by.get_username() if report.submitted_by else None,
        "submitted_at": report.submitted_at,
        "reviewed_by": report.reviewed_by.get_username() if report.reviewed_by else None,
        "reviewed_at": report.reviewed_at,
        "remarks": report.remarks,
    }


def _out(report: ProgressReport) -> dict:
    return _summary(report) | {
        "narrative": report.narrative,
        "risks": report.risks,
        "milestones": reports.milestone_rows(report),
        "indicators": reports.indicator_rows(report),
    }


def _fresh(report: ProgressReport) -> dict:
    """The report as it is now in the database (after a change)."""
    return _out(_with_details(ProgressReport.objects.filter(pk=report.pk)).get())


def _grant(request, reference: str) -> Grant:
    # An expert who assessed the proposal sees the proposal, not the grant's reports.
    return lookups.grant_for(request.user, reference)


def _report(request, pk: int) -> ProgressReport:
    return lookups.report_for(request.user, pk)


@router.get(
    "/grants/{reference}/reports",
    response=listing(ReportSummaryOut, READ),
    summary="The progress reports of a grant, oldest first (in full: GET /reports/{id})",
)
@paged
def list_reports(request, reference: str):
    grant = _grant(request, reference)
    rows = grant.reports.select_related("grant__proposal", "submitted_by", "reviewed_by")
    return Rows(rows.order_by("period_start"), _summary)


@router.post(
    "/grants/{reference}/reports",
    response={201: ReportOut, **CHANGE},
    summary="Start the report of the next period (the beneficiary)",
)
def start_report(request, reference: str, payload: StartIn):
    report = reports.start_report(
        _grant(request, reference), by=request.user, period_start=payload.period_start
    )
    return Status(201, _fresh(report))


@router.get("/reports/{pk}", response={200: ReportOut, **READ}, summary="One progress report")
def get_report(request, pk: int):
    return _fresh(_report(request, pk))


@router.put(
    "/reports/{pk}",
    response={200: ReportOut, **CHANGE},
    summary="Save a draft or returned report: the whole content (the beneficiary)",
)
def save_report(request, pk: int, payload: ReportContent):
    report = reports.save_report(_report(request, pk), by=request.user, **payload.model_dump())
    return _fresh(report)


@router.post(
    "/reports/{pk}/submit",
    response={200: ReportOut, **CHANGE},
    summary="Submit a complete report for review (the beneficiary)",
)
def submit_report(request, pk: int):
    return _fresh(reports.submit_report(_report(request, pk), by=request.user))


@router.post(
    "/reports/{pk}/review",
    response={200: ReportOut, **CHANGE},
    summary="Accept a submitted report, or return it with remarks (the managing authority)",
)
def review_report(request, pk: int, payload: ReviewIn):
    report = reports.review_report(
        _report(request, pk), by=request.user, outcome=payload.outcome, remarks=payload.remarks
    )
    return _fresh(report)


@router.post(
    "/reports/{pk}/evidence/{code}",
    response={201: ReportOut, **CHANGE},
    summary="Attach the evidence file of an indicator value, replacing the one before "
    "(the beneficiary; multipart field `file`, at most 10 MB)",
)
def attach_evidence(request, pk: int, code: str, file: File[UploadedFile]):
    report = _report(request, pk)
    reports.attach_evidence(report, by=request.user, files={code: file})
    return Status(201, _fresh(report))


@router.get(
    "/reports/{pk}/evidence/{code}",
    response={200: None, **READ},
    summary="Download the evidence file of an indicator value",
)
def download_evidence(request, pk: int, code: str):
    evidence = get_object_or_404(Evidence, report=_report(request, pk), code=code)
    return FileResponse(evidence.file.open("rb"), as_attachment=True, filename=evidence.name)


# --- obligations after selection ---------------------------------------------------------------

OBLIGATIONS = ["obligations after selection"]


class DoneIn(Input):
    note: str = ""
    done_on: datetime.date | None = None  # today when left out


class CloseIn(Input):
    reason: str


class DutyOut(Schema):
    kind: str  # website | plaque | poster
    label: str
    why: str  # the rule that makes it apply
    status: str  # open | done
    done_on: datetime.date | None
    note: str
    evidence: EvidenceOut | None  # the file: GET /grants/{ref}/obligations/{kind}/file


class ObligationsOut(Schema):
    grant: str
    state: str  # open | closed
    closed_on: datetime.date | None
    closed_by: str | None
    closure_reason: str
    total_cost: Decimal  # eligible cost of the latest approved conditions + ineligible cost
    investment: bool  # works or equipment in them
    duties: list[DutyOut]
    final_claim: int | None  # the claim's id
    final_report: int | None  # the report's id
    final_payment_on: datetime.date | None
    durability_applies: bool
    durability_until: datetime.date | None  # five years after the final payment
    unmet: list[str]  # the conditions of closing not met yet


def _obligations(grant: Grant, person) -> dict:
    grant = Grant.objects.select_related("proposal", "closed_by").get(pk=grant.pk)
    seen = obligations.summary(grant, person)
    return {
        "grant": grant.proposal.reference,
        "state": grant.state,
        "closed_on": grant.closed_on,
        "closed_by": grant.closed_by.get_username() if grant.closed_by else None,
        "closure_reason": grant.closure_reason,
        "total_cost": seen.total,
        "investment": seen.investment,
        "duties": [
            {
                "kind": row.kind,
                "label": row.label,
                "why": row.why,
                "status": "done" if row.done else "open",
                "done_on": row.item.done_on if row.item else None,
                "note": row.item.note if row.item else "",
                "evidence": row.item,
            }
            for row in seen.rows
        ],  # fmt: skip
        "final_claim": seen.final_claim.pk if seen.final_claim else None,
        "final_report": seen.final_report.pk if seen.final_report else None,
        "final_payment_on": seen.final_payment.paid_on if seen.final_payment else None,
        "durability_applies": seen.investment,
        "durability_until": seen.durability_until,
        "unmet": seen.unmet,
    }


@router.get(
    "/grants/{reference}/obligations",
    response={200: ObligationsOut, **READ},
    tags=OBLIGATIONS,
    summary="The communication duties that apply and what was done, the final claim and "
    "report, the durability date and what closing the grant still needs",
)
def get_obligations(request, reference: str):
    return _obligations(lookups.grant_for(request.user, reference), request.user)


@router.post(
    "/grants/{reference}/obligations/{kind}",
    response={201: ObligationsOut, **CHANGE},
    tags=OBLIGATIONS,
    summary="Mark a communication duty done with the file that shows it, replacing the one "
    "before (the beneficiary; multipart: `file`, at most 10 MB, `note`, `done_on`)",
)
def mark_done(request, reference: str, kind: str, payload: Form[DoneIn], file: File[UploadedFile]):
    grant = lookups.grant_for(request.user, reference)
    # A form reads its declared fields only: an unknown one is refused here, as in JSON bodies.
    unknown = (set(request.POST) - set(DoneIn.model_fields)) | (set(request.FILES) - {"file"})
    if unknown:
        raise Invalid({name: [str(_("not a field of this form"))] for name in sorted(unknown)})
    obligations.mark_done(
        grant, kind, by=request.user, file=file, note=payload.note, done_on=payload.done_on
    )
    return Status(201, _obligations(grant, request.user))


@router.get(
    "/grants/{reference}/obligations/{kind}/file",
    response={200: None, **READ},
    tags=OBLIGATIONS,
    summary="Download the file that shows a communication duty done",
)
def communication_file(request, reference: str, kind: str):
    grant = lookups.grant_for(request.user, reference)
    item = get_object_or_404(CommunicationItem, grant=grant, kind=kind)
    return FileResponse(item.file.open("rb"), as_attachment=True, filename=item.name)


@router.post(
    "/grants/{reference}/close",
    response={200: ObligationsOut, **CHANGE},
    tags=OBLIGATIONS,
    summary="Close the grant (the managing authority): refused (409) naming each condition not met",
)
def close_grant(request, reference: str, payload: CloseIn):
    grant = obligations.close_grant(
        lookups.grant_for(request.user, reference), by=request.user, reason=payload.reason
    )
    return _obligations(grant, request.user)


@router.post(
    "/claims/{pk}/final",
    response={200: ObligationsOut, **CHANGE},
    tags=OBLIGATIONS,
    summary="Mark the grant's last claim as its final claim (the beneficiary)",
)
def mark_final_claim(request, pk: int):
    claim = lookups.claim_for(request.user, pk)
    obligations.mark_final_claim(claim, by=request.user)
    return _obligations(claim.grant, request.user)


@router.post(
    "/reports/{pk}/final",
    response={200: ObligationsOut, **CHANGE},
    tags=OBLIGATIONS,
    summary="Mark the latest progress report as the final report (the beneficiary)",
)
def mark_final_report(request, pk: int):
    report = _report(request, pk)
    obligations.mark_final_report(report, by=request.user)
    return _obligations(report.grant, request.user)
